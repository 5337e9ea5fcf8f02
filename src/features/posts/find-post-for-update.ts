import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { posts, type TargetStatus } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { lockPostAndTargets } from './lock-post.ts';

/** Locks a workspace's post for a change: its targets first, then the post (see lock-post.ts). */
export async function findPostForUpdate(tx: Tx, options: { workspaceId: string; postId: string }) {
  const where = and(eq(posts.workspaceId, options.workspaceId), eq(posts.id, options.postId));
  const [exists] = await tx.select({ id: posts.id }).from(posts).where(where);
  if (!exists) throw notFound('post');
  const { found, targets } = await lockPostAndTargets(tx, exists.id);
  // Read after locking: the roll-up may have changed the row while we waited.
  const [post] = found ? await tx.select().from(posts).where(where) : [];
  if (!post) throw notFound('post');
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
