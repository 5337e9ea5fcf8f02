/**
 * One check of a tracked post: read its metrics from the platform and store a snapshot, then move it
 * along its schedule. `scheduled` checks come from the check job (or `herald check`); `manual` ones
 * from a member asking for fresh numbers now, which take a snapshot without moving the schedule.
 *
 * Outcomes: a snapshot; deferred until a rate limit resets (nothing is spent, the check stays
 * where it is); stopped when the remote post is gone; or, for a failure the platform may get over,
 * tried again later (after `MAX_FAILURES` tries the check is passed over).
 */
import { eq, sql } from 'drizzle-orm';
import { rowsOf, type Tx } from '../../db/client.ts';
import { channels, connections, platformApps, trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { PlatformError, type PostMetrics } from '../../platforms/types.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';
import { checkHooks } from './check-hooks.ts';
import { enqueueCheck } from './enqueue-check.ts';
import { checkBlockedUntil, recordRateLimit } from './rate-limit-state.ts';
import { type Account, isGone, type ReadResult, readWithCredentials } from './read-with-credentials.ts';
import { recordSnapshot } from './record-snapshot.ts';

/** Tries at one check before it is passed over. */
export const MAX_FAILURES = 5;
const RETRY_BASE_MS = 5 * 60_000;
const RETRY_MAX_MS = 6 * 3600_000;
/** How long a check waits on a connection that needs re-authorising before looking again. */
const REAUTH_WAIT_MS = 6 * 3600_000;
/** When a platform says "slow down" without saying until when. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 15 * 60_000;

export type CheckResult =
  | { status: 'skipped'; reason: string }
  | { status: 'snapshot'; snapshotId: string; nextCheckAt: Date | null; trackingComplete: boolean }
  | { status: 'deferred'; until: Date; reason: string }
  | { status: 'stopped'; reason: 'remote_deleted' }
  | { status: 'retry'; at: Date | null; message: string };

type Kind = 'scheduled' | 'manual';

/** The check a snapshot stands for: the last one due by now (a late check stands for those it passes over). */
function lastDueIndex(post: typeof trackedPosts.$inferSelect, now: Date): number {
  let index = post.nextCheckIndex;
  while (index + 1 < post.checkDueAt.length && post.checkDueAt[index + 1]! <= now) index++;
  return index;
}

async function loadTracked(deps: Deps, trackedPostId: string) {
  const [row] = await deps.db
    .select({ trackedPost: trackedPosts, channel: channels, connection: connections, app: platformApps })
    .from(trackedPosts)
    .innerJoin(channels, eq(channels.id, trackedPosts.channelId))
    .innerJoin(connections, eq(connections.id, channels.connectionId))
    .innerJoin(platformApps, eq(platformApps.id, connections.platformAppId))
    .where(eq(trackedPosts.id, trackedPostId));
  return row;
}

export async function runCheck(
  deps: Deps,
  options: { trackedPostId: string; kind: Kind; jobId?: string | null | undefined },
): Promise<CheckResult> {
  const loaded = await loadTracked(deps, options.trackedPostId);
  if (!loaded) {
    if (options.kind === 'manual') throw notFound('tracked post');
    return { status: 'skipped', reason: 'the tracked post, its channel or its connection is gone' };
  }
  const { trackedPost } = loaded;
  const account: Account = loaded;
  const manual = options.kind === 'manual';
  if (!manual) {
    if (trackedPost.trackingComplete) return { status: 'skipped', reason: 'tracking is complete' };
    if (options.jobId && trackedPost.jobId !== options.jobId) {
      return { status: 'skipped', reason: 'job is stale: the check was taken or moved meanwhile' };
    }
  }
  const now = deps.clock.now();

  /** Moves the current check to `at`, keeping its place in the schedule (nothing was spent). */
  const deferTo = async (at: Date, values: Partial<typeof trackedPosts.$inferInsert> = {}) =>
    deps.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ jobId: trackedPosts.jobId })
        .from(trackedPosts)
        .where(eq(trackedPosts.id, trackedPost.id))
        .for('update');
      if (!current || (options.jobId && current.jobId !== options.jobId)) return;
      if (Object.keys(values).length)
        await tx.update(trackedPosts).set(values).where(eq(trackedPosts.id, trackedPost.id));
      // The job running now is done once this returns; any other queued one is replaced.
      const previousJobId = current.jobId === options.jobId ? null : current.jobId;
      await enqueueCheck(deps, tx, { trackedPostId: trackedPost.id, at, previousJobId });
    });

  const blocked = await checkBlockedUntil(deps.db, { connectionId: account.connection.id, now });
  if (blocked) {
    const reason = `the platform's ${blocked.bucket} limit is (nearly) used up until ${blocked.until.toISOString()}; the rest is kept for publishing`;
    if (manual) throw new AppError('rate_limited', reason, { retryAt: blocked.until.toISOString() });
    await deferTo(blocked.until);
    return { status: 'deferred', until: blocked.until, reason };
  }
  if (account.connection.status !== 'active') {
    const message = `the ${account.connection.platform} connection is ${account.connection.status}: reconnect it to resume checks`;
    if (manual) throw new AppError('conflict', message);
    const at = new Date(now.getTime() + REAUTH_WAIT_MS);
    await deferTo(at, { lastError: message });
    return { status: 'deferred', until: at, reason: message };
  }

  let read: ReadResult<PostMetrics>;
  try {
    read = await readWithCredentials(deps, account, (adapter, ctx, credentials) =>
      adapter.readMetrics(ctx, credentials, trackedPost.remoteId),
    );
  } catch (error) {
    return failed(deps, {
      error,
      trackedPostId: trackedPost.id,
      failures: trackedPost.failures,
      manual,
      now,
      deferTo,
      options,
      connectionId: account.connection.id,
    });
  }

  const settings = await getAnalyticsSettings(deps.db, trackedPost.workspaceId);
  const result = await deps.db.transaction(async (tx): Promise<CheckResult> => {
    const [current] = await tx
      .select()
      .from(trackedPosts)
      .where(eq(trackedPosts.id, trackedPost.id))
      .for('update');
    if (!current) return { status: 'skipped', reason: 'the tracked post was removed during the check' };
    if (!manual && (current.trackingComplete || (options.jobId && current.jobId !== options.jobId))) {
      return { status: 'skipped', reason: 'the check was taken or moved meanwhile' };
    }
    const [channel] = await tx
      .select({ followers: channels.followersCount })
      .from(channels)
      .where(eq(channels.id, current.channelId));
    const snapshot = await recordSnapshot(tx, {
      trackedPost: current,
      settings,
      takenAt: now,
      kind: options.kind,
      checkIndex: manual ? null : lastDueIndex(current, now),
      metrics: read.value,
      followers: channel?.followers ?? null,
    });
    if (manual) {
      return {
        status: 'snapshot',
        snapshotId: snapshot.id,
        nextCheckAt: current.nextCheckAt,
        trackingComplete: current.trackingComplete,
      };
    }
    const next = await completeCheck(deps, tx, {
      trackedPostId: current.id,
      now,
      tookSnapshot: true,
      jobId: current.jobId,
      ownJobId: options.jobId ?? null,
    });
    return {
      status: 'snapshot',
      snapshotId: snapshot.id,
      nextCheckAt: next,
      trackingComplete: next === null,
    };
  });

  if (result.status === 'snapshot') {
    for (const hook of checkHooks()) {
      await hook
        .run(deps, {
          trackedPost,
          adapter: read.adapter,
          ctx: read.ctx,
          credentials: read.credentials,
          kind: options.kind,
        })
        .catch((error: unknown) =>
          deps.log.warn({ err: error, hook: hook.name, trackedPostId: trackedPost.id }, 'check hook failed'),
        );
    }
  }
  return result;
}

/** Seed 002's `record_check_completion`, then the next check's job (or none when tracking is complete). */
async function completeCheck(
  deps: Deps,
  tx: Tx,
  options: {
    trackedPostId: string;
    now: Date;
    tookSnapshot: boolean;
    jobId: string | null;
    ownJobId: string | null;
  },
): Promise<Date | null> {
  const [row] = rowsOf<{ next: Date | string | null }>(
    await tx.execute(
      sql`select record_check_completion(${options.trackedPostId}, ${options.now.toISOString()}::timestamptz, ${options.tookSnapshot}) as next`,
    ),
  );
  const next = row?.next ? new Date(row.next) : null;
  // A check run outside its job (`herald check`) replaces the job that was waiting for it.
  const previousJobId = options.jobId && options.jobId !== options.ownJobId ? options.jobId : null;
  if (next) {
    await enqueueCheck(deps, tx, { trackedPostId: options.trackedPostId, at: next, previousJobId });
  } else if (previousJobId) {
    await tx.update(trackedPosts).set({ jobId: null }).where(eq(trackedPosts.id, options.trackedPostId));
  }
  return next;
}

async function failed(
  deps: Deps,
  o: {
    error: unknown;
    trackedPostId: string;
    failures: number;
    manual: boolean;
    now: Date;
    connectionId: string;
    deferTo: (at: Date, values?: Partial<typeof trackedPosts.$inferInsert>) => Promise<void>;
    options: { jobId?: string | null | undefined };
  },
): Promise<CheckResult> {
  const { error, manual, now } = o;
  const message = error instanceof Error ? error.message : String(error);
  if (isGone(error)) {
    await deps.db
      .update(trackedPosts)
      .set({
        trackingComplete: true,
        stopReason: 'remote_deleted',
        nextCheckAt: null,
        jobId: null,
        lastError: message,
        lastCheckedAt: now,
      })
      .where(eq(trackedPosts.id, o.trackedPostId));
    return { status: 'stopped', reason: 'remote_deleted' };
  }
  if (error instanceof PlatformError && error.kind === 'rate_limited') {
    await recordRateLimit(deps.db, o.connectionId, error.rateLimit);
    const until =
      error.retryAfter && error.retryAfter > now
        ? error.retryAfter
        : new Date(now.getTime() + DEFAULT_RATE_LIMIT_WAIT_MS);
    if (manual) throw new AppError('rate_limited', message, { retryAt: until.toISOString() });
    await o.deferTo(until, { lastError: message });
    return { status: 'deferred', until, reason: message };
  }
  if (manual) throw new AppError('unavailable', `the platform could not be read: ${message}`);
  if (!(error instanceof PlatformError) && !(error instanceof AppError)) {
    deps.log.error({ err: error, trackedPostId: o.trackedPostId }, 'unexpected error during a metrics check');
  }
  const failures = o.failures + 1;
  if (failures >= MAX_FAILURES) {
    // Give this check up and move on to the next: one unreadable moment should not stop the series.
    const next = await deps.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(trackedPosts)
        .where(eq(trackedPosts.id, o.trackedPostId))
        .for('update');
      if (!current || (o.options.jobId && current.jobId !== o.options.jobId)) return null;
      await tx.update(trackedPosts).set({ lastError: message }).where(eq(trackedPosts.id, o.trackedPostId));
      return completeCheck(deps, tx, {
        trackedPostId: o.trackedPostId,
        now,
        tookSnapshot: false,
        jobId: current.jobId,
        ownJobId: o.options.jobId ?? null,
      });
    });
    return { status: 'retry', at: next, message: `${message} (check passed over after ${failures} tries)` };
  }
  const at = new Date(now.getTime() + Math.min(RETRY_BASE_MS * 2 ** (failures - 1), RETRY_MAX_MS));
  await o.deferTo(at, { failures, lastError: message });
  return { status: 'retry', at, message };
}
