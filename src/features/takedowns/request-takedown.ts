/**
 * The first stage of a takedown: the request is recorded with the time its removal becomes due (the
 * workspace's grace period, a day by default), each published target is listed for removal, and the
 * source items the post came from wait as `takedown_pending`. The removal jobs are created in the
 * same transaction, to start when the grace period ends.
 */
import { and, eq, inArray } from 'drizzle-orm';
import {
  aiSettings,
  posts,
  postTargets,
  sourceItems,
  takedownRequests,
  takedownTargets,
} from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { jobDb, queues } from '../../queue/boss.ts';
import { logStep } from '../pipeline/log-step.ts';

export const DEFAULT_GRACE_MINUTES = 24 * 60;

export type TakedownJobData = { takedownId: string; targetId: string };

export async function requestTakedown(
  deps: Deps,
  options: { workspaceId: string; postId: string; reason: string; requestedBy: string | null },
): Promise<{ id: string; removeAfter: Date; targets: number }> {
  return deps.db.transaction(async (tx) => {
    const [post] = await tx
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.id, options.postId), eq(posts.workspaceId, options.workspaceId)));
    if (!post) throw notFound('post');
    const targets = await tx
      .select({ id: postTargets.id })
      .from(postTargets)
      .where(and(eq(postTargets.postId, post.id), eq(postTargets.status, 'published')));
    if (!targets.length) throw new AppError('conflict', 'the post has nothing published to take down');
    const [settings] = await tx
      .select({ grace: aiSettings.takedownGraceMinutes })
      .from(aiSettings)
      .where(eq(aiSettings.workspaceId, options.workspaceId));
    const removeAfter = new Date(
      deps.clock.now().getTime() + (settings?.grace ?? DEFAULT_GRACE_MINUTES) * 60_000,
    );
    const [request] = await tx
      .insert(takedownRequests)
      .values({
        workspaceId: options.workspaceId,
        postId: post.id,
        reason: options.reason,
        requestedBy: options.requestedBy,
        removeAfter,
      })
      .onConflictDoNothing()
      .returning({ id: takedownRequests.id });
    if (!request) throw new AppError('conflict', 'a takedown of this post is already under way');
    await tx.insert(takedownTargets).values(targets.map((t) => ({ takedownId: request.id, targetId: t.id })));
    for (const target of targets) {
      const data: TakedownJobData = { takedownId: request.id, targetId: target.id };
      await deps.queue.send(queues.takedownTarget, data, { startAfter: removeAfter, db: jobDb(tx) });
    }
    const items = await tx
      .update(sourceItems)
      .set({ stage: 'takedown_pending' })
      .where(
        and(
          eq(sourceItems.postId, post.id),
          inArray(sourceItems.stage, ['published', 'scheduled', 'approved', 'drafted']),
        ),
      )
      .returning({ id: sourceItems.id });
    for (const item of items) {
      await logStep(tx, {
        workspaceId: options.workspaceId,
        itemId: item.id,
        step: 'takedown',
        outcome: 'ok',
        details: { takedownId: request.id, stage: 'pending', reason: options.reason },
      });
    }
    return { id: request.id, removeAfter, targets: targets.length };
  });
}
