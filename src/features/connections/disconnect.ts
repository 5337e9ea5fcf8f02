/**
 * Disconnects an account: its tokens are wiped, its channels deactivated, and posts waiting to go out
 * on them are cancelled. History (targets, attempts) stays.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { channels, connections, postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { CANCELLABLE } from '../posts/find-post-for-update.ts';
import { lockTarget } from '../posts/lock-post.ts';
import { cancelJob } from '../publishing/enqueue.ts';

export async function disconnect(
  deps: Deps,
  options: { workspaceId: string; connectionId: string },
): Promise<{ cancelledTargets: number }> {
  const [connection] = await deps.db
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.workspaceId, options.workspaceId), eq(connections.id, options.connectionId)));
  if (!connection) throw notFound('connection');
  const channelIds = (
    await deps.db.select({ id: channels.id }).from(channels).where(eq(channels.connectionId, connection.id))
  ).map((c) => c.id);
  const waiting = channelIds.length
    ? await deps.db
        .select({ id: postTargets.id, postId: postTargets.postId })
        .from(postTargets)
        .where(and(inArray(postTargets.channelId, channelIds), inArray(postTargets.status, [...CANCELLABLE])))
        .orderBy(postTargets.postId)
    : [];
  let cancelled = 0;
  for (const target of waiting) {
    await deps.db.transaction(async (tx) => {
      const current = await lockTarget(tx, target.id);
      if (!current || !CANCELLABLE.includes(current.status)) return;
      if (current.jobId) await cancelJob(deps, tx, current.jobId);
      await tx
        .update(postTargets)
        .set({
          status: 'cancelled',
          jobId: null,
          nextAttemptAt: null,
          errorMessage: 'the account was disconnected',
        })
        .where(eq(postTargets.id, current.id));
      cancelled++;
    });
  }
  await deps.db.transaction(async (tx) => {
    await tx
      .update(connections)
      .set({
        status: 'revoked',
        health: 'unknown',
        accessToken: null,
        refreshToken: null,
        tokenExpiresAt: null,
        lastError: null,
      })
      .where(eq(connections.id, connection.id));
    await tx.update(channels).set({ isActive: false }).where(eq(channels.connectionId, connection.id));
  });
  return { cancelledTargets: cancelled };
}
