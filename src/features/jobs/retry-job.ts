/**
 * Runs one target from the queue now: a failed or missed target gets a fresh attempt budget (as a
 * post retry does), a waiting one skips the rest of its wait.
 */
import { and, eq } from 'drizzle-orm';
import { postTargets, type TargetStatus } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { findPostForUpdate } from '../posts/find-post-for-update.ts';
import { retryPost } from '../posts/retry-post.ts';
import { enqueueTarget } from '../publishing/enqueue.ts';

export async function retryJob(
  deps: Deps,
  options: { workspaceId: string; targetId: string },
): Promise<{ targetId: string; status: TargetStatus }> {
  const { workspaceId, targetId } = options;
  const [target] = await deps.db
    .select()
    .from(postTargets)
    .where(and(eq(postTargets.workspaceId, workspaceId), eq(postTargets.id, targetId)));
  if (!target) throw notFound('target');
  if (target.status === 'failed' || target.status === 'missed') {
    await retryPost(deps, { workspaceId, postId: target.postId, targetId });
  } else {
    await deps.db.transaction(async (tx) => {
      const { post, targets } = await findPostForUpdate(tx, { workspaceId, postId: target.postId });
      const current = targets.find((t) => t.id === targetId)!;
      if (!['scheduled', 'retrying', 'deferred'].includes(current.status)) {
        throw new AppError('conflict', `a ${current.status} target cannot be retried from the queue`);
      }
      await enqueueTarget(deps, tx, {
        targetId,
        at: deps.clock.now(),
        priority: post.priority,
        status: current.status,
        previousJobId: current.jobId,
      });
    });
  }
  const [after] = await deps.db
    .select({ status: postTargets.status })
    .from(postTargets)
    .where(eq(postTargets.id, targetId));
  return { targetId, status: after!.status };
}
