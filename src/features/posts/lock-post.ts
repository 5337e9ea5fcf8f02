import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';

/**
 * Locks a post row for the rest of the transaction. Every writer of a post's targets calls this
 * first, so locks are always taken post -> targets (the roll-up trigger also locks the post), and two
 * writers can never deadlock over the same post.
 */
export async function lockPost(tx: Tx, postId: string): Promise<boolean> {
  const result = await tx.execute(sql`select id from posts where id = ${postId} for update`);
  return ((result as unknown as { rows: unknown[] }).rows ?? []).length > 0;
}
