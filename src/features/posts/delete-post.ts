/** Deletes a post and its targets from Herald (not from the platforms). In-flight posts can't be. */
import { eq } from 'drizzle-orm';
import { posts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { cancelJob } from '../publishing/enqueue.ts';
import { findPostForUpdate } from './find-post-for-update.ts';

export async function deletePost(
  deps: Deps,
  options: { workspaceId: string; postId: string },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const { post, targets } = await findPostForUpdate(tx, options);
    if (targets.some((t) => t.status === 'publishing')) {
      throw new AppError(
        'conflict',
        'the post is being published right now; wait for it to finish, then delete it',
      );
    }
    for (const target of targets) if (target.jobId) await cancelJob(deps, tx, target.jobId);
    await tx.delete(posts).where(eq(posts.id, post.id));
  });
}
