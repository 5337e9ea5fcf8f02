import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { posts, postTargets, type TargetStatus } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { lockPost } from './lock-post.ts';

/** Locks a workspace's post and its targets, in that order, for a change. */
export async function findPostForUpdate(tx: Tx, options: { workspaceId: string; postId: string }) {
  const [post] = await tx
    .select()
    .from(posts)
    .where(and(eq(posts.workspaceId, options.workspaceId), eq(posts.id, options.postId)));
  if (!post || !(await lockPost(tx, post.id))) throw notFound('post');
  const targets = await tx.select().from(postTargets).where(eq(postTargets.postId, post.id)).for('update');
  return { post, targets };
}

/** Targets that have not gone out and are not on their way: they may be (re)scheduled or edited. */
export const RESCHEDULABLE: readonly TargetStatus[] = [
  'draft',
  'scheduled',
  'retrying',
  'deferred',
  'cancelled',
  'missed',
];
/** Targets waiting for a job to run them: cancelling stops them. */
export const CANCELLABLE: readonly TargetStatus[] = [
  'draft',
  'scheduled',
  'retrying',
  'deferred',
  'waiting_reauth',
];
