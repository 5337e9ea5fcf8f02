import { asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { postTargets } from '../../db/schema.ts';

/**
 * Lock order, everywhere: a post's targets (by id), then the post. A worker locks the one target it
 * runs and reaches the post only through the roll-up trigger on the transaction's last statement,
 * so the post row is held for moments and the targets of one post publish in parallel. Changes to a
 * whole post lock all its targets in id order first, so two of them, or one and a worker, can only
 * queue behind each other, never deadlock.
 */
export async function lockPostAndTargets(tx: Tx, postId: string) {
  const targets = await tx
    .select()
    .from(postTargets)
    .where(eq(postTargets.postId, postId))
    .orderBy(asc(postTargets.id))
    .for('update');
  const result = await tx.execute(sql`select id from posts where id = ${postId} for update`);
  const found = ((result as unknown as { rows: unknown[] }).rows ?? []).length > 0;
  return { found, targets };
}

/** Locks one target for a change that touches only it (the roll-up trigger takes the post last). */
export async function lockTarget(tx: Tx, targetId: string) {
  const [target] = await tx.select().from(postTargets).where(eq(postTargets.id, targetId)).for('update');
  return target;
}
