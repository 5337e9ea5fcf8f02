/**
 * First step of a publish run, in one short transaction: check the job still owns the target, decide
 * what this run must do, and record that an attempt started. Nothing here talks to a platform, and
 * no transaction stays open across a platform call.
 */
import { and, asc, eq, gt, inArray, lte } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import {
  channels,
  connections,
  media,
  platformApps,
  postMedia,
  posts,
  postTargets,
  publishAttempts,
  rateLimits,
} from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { lockTarget } from '../posts/lock-post.ts';
import { enqueueTarget } from './enqueue.ts';

export type ClaimMode = 'publish' | 'reconcile' | 'resume';

export type Claim = {
  jobId: string;
  mode: ClaimMode;
  attemptId: string;
  target: typeof postTargets.$inferSelect;
  post: typeof posts.$inferSelect;
  channel: typeof channels.$inferSelect;
  connection: typeof connections.$inferSelect;
  app: typeof platformApps.$inferSelect;
  media: (typeof media.$inferSelect)[];
};

export type ClaimResult = { kind: 'run'; claim: Claim } | { kind: 'skip'; reason: string };

const RUNNABLE = ['scheduled', 'retrying', 'deferred', 'publishing'] as const;

type PublishState = { pending?: boolean; reconcile?: boolean } | null;

export async function claimTarget(
  deps: Deps,
  options: { jobId: string; targetId: string },
): Promise<ClaimResult> {
  return deps.db.transaction(async (tx) => {
    const target = await lockTarget(tx, options.targetId);
    if (!target) return { kind: 'skip', reason: 'target no longer exists' };
    if (target.jobId !== options.jobId)
      return { kind: 'skip', reason: 'job is stale: the target was rescheduled, cancelled or retried' };
    if (!(RUNNABLE as readonly string[]).includes(target.status)) {
      return { kind: 'skip', reason: `target is ${target.status}` };
    }
    const now = deps.clock.now();
    const state = target.publishState as PublishState;
    // A platform-side publish in progress is resumed from its saved state (whatever interrupted it:
    // a wait, a rate limit, a crash); otherwise a run that died mid-call, or a failure that may have
    // reached the platform, is reconciled before anything is sent again.
    const mode: ClaimMode = state?.pending
      ? 'resume'
      : target.status === 'publishing' || state?.reconcile
        ? 'reconcile'
        : 'publish';

    const startAttempt = (values: Partial<typeof publishAttempts.$inferInsert>) =>
      tx
        .insert(publishAttempts)
        .values({
          targetId: target.id,
          workspaceId: target.workspaceId,
          jobId: options.jobId,
          workerId: deps.workerId,
          attemptNumber: target.attempts + 1,
          startedAt: now,
          ...values,
        })
        .returning({ id: publishAttempts.id });

    // A run that died mid-attempt (the target is still `publishing`) left its log row open: close it
    // honestly.
    if (target.status === 'publishing') {
      await tx
        .update(publishAttempts)
        .set({ outcome: 'unknown', finishedAt: now, errorMessage: 'the worker stopped during this attempt' })
        .where(and(eq(publishAttempts.targetId, target.id), eq(publishAttempts.outcome, 'running')));
    }

    if (
      target.status === 'scheduled' &&
      target.attempts === 0 &&
      target.scheduledAt &&
      now.getTime() - target.scheduledAt.getTime() > deps.config.missedWindowMinutes * 60_000
    ) {
      const message = `not published: ${Math.round((now.getTime() - target.scheduledAt.getTime()) / 60_000)} minutes late, past the ${deps.config.missedWindowMinutes}-minute window`;
      await startAttempt({
        outcome: 'skipped',
        finishedAt: now,
        durationMs: 0,
        errorCode: 'missed',
        errorMessage: message,
      });
      await finish(tx, target.id, { status: 'missed', errorCode: 'missed', errorMessage: message });
      return { kind: 'skip', reason: 'missed' };
    }

    const [row] = await tx
      .select({ post: posts, channel: channels, connection: connections, app: platformApps })
      .from(posts)
      .innerJoin(channels, eq(channels.id, target.channelId))
      .innerJoin(connections, eq(connections.id, channels.connectionId))
      .innerJoin(platformApps, eq(platformApps.id, connections.platformAppId))
      .where(eq(posts.id, target.postId));
    if (!row) {
      const message = 'the channel, its connection or its platform app was removed';
      await startAttempt({
        outcome: 'failed',
        finishedAt: now,
        durationMs: 0,
        errorCode: 'channel_removed',
        errorMessage: message,
      });
      await finish(tx, target.id, { status: 'failed', errorCode: 'channel_removed', errorMessage: message });
      return { kind: 'skip', reason: message };
    }
    if (row.connection.status !== 'active') {
      const message = `the ${row.connection.platform} connection is ${row.connection.status}: reconnect it and this post will be sent`;
      await startAttempt({
        outcome: 'auth',
        finishedAt: now,
        durationMs: 0,
        errorCode: 'auth',
        errorMessage: message,
      });
      await finish(tx, target.id, { status: 'waiting_reauth', errorCode: 'auth', errorMessage: message });
      return { kind: 'skip', reason: 'connection needs re-authorisation' };
    }

    // Seed 000: check the platform's last reported limit before calling it.
    if (mode === 'publish') {
      const [limited] = await tx
        .select()
        .from(rateLimits)
        .where(
          and(
            eq(rateLimits.connectionId, row.connection.id),
            lte(rateLimits.remaining, 0),
            gt(rateLimits.resetAt, now),
          ),
        )
        .orderBy(asc(rateLimits.resetAt))
        .limit(1);
      if (limited?.resetAt) {
        await startAttempt({
          outcome: 'rate_limited',
          finishedAt: now,
          durationMs: 0,
          errorCode: 'rate_limited',
          errorMessage: `deferred until ${limited.resetAt.toISOString()}: the platform's ${limited.bucket} limit is used up`,
          rateLimit: {
            bucket: limited.bucket,
            limit: limited.limit,
            remaining: limited.remaining,
            resetAt: limited.resetAt,
          },
        });
        await enqueueTarget(deps, tx, {
          targetId: target.id,
          at: limited.resetAt,
          priority: target.priority,
          status: 'deferred',
        });
        return { kind: 'skip', reason: 'rate limited' };
      }
    }

    let ordered: (typeof media.$inferSelect)[];
    if (target.mediaOverride) {
      const ids = target.mediaOverride;
      const rows = ids.length ? await tx.select().from(media).where(inArray(media.id, ids)) : [];
      ordered = ids.map((id) => rows.find((m) => m.id === id)).filter((m) => m !== undefined);
    } else {
      ordered = (
        await tx
          .select({ media })
          .from(postMedia)
          .innerJoin(media, eq(media.id, postMedia.mediaId))
          .where(eq(postMedia.postId, target.postId))
          .orderBy(asc(postMedia.position))
      ).map((r) => r.media);
    }

    const [attempt] = await startAttempt({ outcome: 'running' });
    // Last: the status change fires the roll-up, which locks the post until commit.
    await tx
      .update(postTargets)
      .set({ status: 'publishing', nextAttemptAt: null })
      .where(eq(postTargets.id, target.id));
    return {
      kind: 'run',
      claim: {
        jobId: options.jobId,
        mode,
        attemptId: attempt!.id,
        target,
        post: row.post,
        channel: row.channel,
        connection: row.connection,
        app: row.app,
        media: ordered,
      },
    };
  });
}

/** Ends a target's run with a final or waiting status; the target then owns no job. */
export async function finish(
  tx: Tx,
  targetId: string,
  values: {
    status: 'failed' | 'missed' | 'waiting_reauth' | 'unknown';
    errorCode: string;
    errorMessage: string;
  },
) {
  await tx
    .update(postTargets)
    .set({ ...values, jobId: null, nextAttemptAt: null })
    .where(eq(postTargets.id, targetId));
}
