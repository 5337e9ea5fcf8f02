/** Cancels a post's targets that are waiting to go out; published and in-flight targets stay. */
import { eq, inArray } from 'drizzle-orm';
import { postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { cancelJob } from '../publishing/enqueue.ts';
import { CANCELLABLE, findPostForUpdate } from './find-post-for-update.ts';
import { getPost } from './get-post.ts';
import type { PostView } from './posts.schemas.ts';

export async function cancelPost(
  deps: Deps,
  options: { workspaceId: string; postId: string },
): Promise<PostView> {
  await deps.db.transaction(async (tx) => {
    const { targets } = await findPostForUpdate(tx, options);
    const cancellable = targets.filter((t) => CANCELLABLE.includes(t.status));
    if (!cancellable.length) {
      throw new AppError(
        'conflict',
        `nothing to cancel: the targets are ${[...new Set(targets.map((t) => t.status))].join(', ') || 'none'}`,
      );
    }
    for (const target of cancellable) if (target.jobId) await cancelJob(deps, tx, target.jobId);
    await tx
      .update(postTargets)
      .set({ status: 'cancelled', jobId: null, nextAttemptAt: null })
      .where(
        inArray(
          postTargets.id,
          cancellable.map((t) => t.id),
        ),
      );
  });
  return getPost(deps.db, options);
}

/** Cancels one target's pending run. */
export async function cancelTarget(
  deps: Deps,
  options: { workspaceId: string; postId: string; targetId: string },
) {
  await deps.db.transaction(async (tx) => {
    const { targets } = await findPostForUpdate(tx, options);
    const target = targets.find((t) => t.id === options.targetId);
    if (!target) throw new AppError('not_found', 'target not found');
    if (!CANCELLABLE.includes(target.status))
      throw new AppError('conflict', `the target is ${target.status}`);
    if (target.jobId) await cancelJob(deps, tx, target.jobId);
    await tx
      .update(postTargets)
      .set({ status: 'cancelled', jobId: null, nextAttemptAt: null })
      .where(eq(postTargets.id, target.id));
  });
  return getPost(deps.db, options);
}
