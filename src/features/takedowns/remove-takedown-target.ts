/**
 * The second stage of a takedown, for one target: delete it on its platform through the adapter — a
 * thread's later parts newest first, then its head — recording each deleted id before the next call,
 * so a retried job never deletes twice and resumes where the last stopped. A platform whose API
 * cannot delete (Instagram, TikTok) leaves the target `manual_removal_required`. Once every target of
 * the request is settled, the request and the items made from the post are `removed`.
 */
import { and, eq, sql } from 'drizzle-orm';
import {
  channels,
  connections,
  platformApps,
  postTargets,
  sourceItems,
  takedownRequests,
  takedownTargets,
} from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { PlatformError } from '../../platforms/types.ts';
import { adapterContext, credentialsOf } from '../connections/credentials.ts';
import { logStep } from '../pipeline/log-step.ts';

export type RemoveOutcome = 'removed' | 'manual_removal_required' | 'failed' | 'already_settled';

/** A platform 404 on delete means the post is already gone: that is what removal wanted. */
const alreadyGone = (error: unknown) =>
  error instanceof PlatformError && error.kind === 'invalid' && error.status === 404;

export async function removeTakedownTarget(
  deps: Deps,
  options: { takedownId: string; targetId: string; signal?: AbortSignal },
): Promise<RemoveOutcome> {
  const [row] = await deps.db
    .select({ step: takedownTargets, target: postTargets, connection: connections, app: platformApps })
    .from(takedownTargets)
    .innerJoin(postTargets, eq(postTargets.id, takedownTargets.targetId))
    .innerJoin(channels, eq(channels.id, postTargets.channelId))
    .innerJoin(connections, eq(connections.id, channels.connectionId))
    .leftJoin(platformApps, eq(platformApps.id, connections.platformAppId))
    .where(
      and(eq(takedownTargets.takedownId, options.takedownId), eq(takedownTargets.targetId, options.targetId)),
    );
  if (!row || row.step.status !== 'pending') return 'already_settled';
  await deps.db
    .update(takedownRequests)
    .set({ status: 'removing' })
    .where(and(eq(takedownRequests.id, options.takedownId), eq(takedownRequests.status, 'pending')));
  const adapter = deps.platforms.get(row.target.platform);
  const settle = async (status: 'removed' | 'manual_removal_required' | 'failed', error: string | null) => {
    await deps.db
      .update(takedownTargets)
      .set({ status, error, finishedAt: deps.clock.now(), attempts: sql`${takedownTargets.attempts} + 1` })
      .where(
        and(
          eq(takedownTargets.takedownId, options.takedownId),
          eq(takedownTargets.targetId, options.targetId),
        ),
      );
    await finishRequestIfSettled(deps, options.takedownId);
    return status;
  };
  if (!adapter.capabilities.canDelete) {
    return settle(
      'manual_removal_required',
      `${row.target.platform}'s API cannot delete posts: remove it by hand`,
    );
  }
  // Newest first: a thread's replies before the post they answer.
  const ids = [...row.target.remotePartIds].reverse();
  if (row.target.remoteId) ids.push(row.target.remoteId);
  const done = new Set(row.step.deletedPartIds);
  const ctx = adapterContext(
    deps,
    row.app ?? { clientId: null, clientSecret: null, baseUrl: null, scopes: [], settings: {} },
    options.signal,
  );
  const credentials = credentialsOf(deps, row.connection);
  for (const remoteId of ids) {
    if (done.has(remoteId)) continue;
    try {
      await adapter.deletePost(ctx, credentials, remoteId);
    } catch (error) {
      if (!alreadyGone(error)) {
        const retriable =
          error instanceof PlatformError && (error.kind === 'transient' || error.kind === 'rate_limited');
        await deps.db
          .update(takedownTargets)
          .set({ attempts: sql`${takedownTargets.attempts} + 1`, error: (error as Error).message })
          .where(
            and(
              eq(takedownTargets.takedownId, options.takedownId),
              eq(takedownTargets.targetId, options.targetId),
            ),
          );
        // The job's own retries (with backoff) take transient failures; anything else is final.
        if (retriable) throw error;
        return settle('failed', (error as Error).message);
      }
    }
    await deps.db
      .update(takedownTargets)
      .set({ deletedPartIds: sql`array_append(${takedownTargets.deletedPartIds}, ${remoteId})` })
      .where(
        and(
          eq(takedownTargets.takedownId, options.takedownId),
          eq(takedownTargets.targetId, options.targetId),
        ),
      );
  }
  return settle('removed', null);
}

async function finishRequestIfSettled(deps: Deps, takedownId: string): Promise<void> {
  const steps = await deps.db
    .select({ status: takedownTargets.status })
    .from(takedownTargets)
    .where(eq(takedownTargets.takedownId, takedownId));
  if (steps.some((s) => s.status === 'pending')) return;
  const status = steps.every((s) => s.status === 'removed') ? 'removed' : 'partially_removed';
  const [request] = await deps.db
    .update(takedownRequests)
    .set({ status, completedAt: deps.clock.now() })
    .where(and(eq(takedownRequests.id, takedownId), sql`${takedownRequests.completedAt} is null`))
    .returning();
  if (!request) return;
  const items = await deps.db
    .update(sourceItems)
    .set({ stage: 'removed', updatedAt: sql`now()` })
    .where(and(eq(sourceItems.postId, request.postId), eq(sourceItems.stage, 'takedown_pending')))
    .returning({ id: sourceItems.id });
  for (const item of items) {
    await logStep(deps.db, {
      workspaceId: request.workspaceId,
      itemId: item.id,
      step: 'takedown',
      outcome: 'ok',
      details: { takedownId, stage: status },
    });
  }
}
