import { asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { postTargets } from '../../db/schema.ts';

/**
 * Lock order, everywhere: a post's targets (by id), then the post. A worker locks the one target it
 * runs and reaches the post only through the roll-up trigger on its last statement, so the post row
 * is held for moments and the targets of one post publish in parallel. Changes to a whole post lock
 * all its targets in id order first, so two of them, or one and a worker, queue behind each other.
 *
 * The post is locked FOR NO KEY UPDATE, here and in the roll-up (drizzle/0005), never FOR UPDATE:
 * a transaction that writes a target row twice (say its attempt count, then its next run) fires the
 * post_targets -> posts foreign key on the second write, which takes FOR KEY SHARE on the post. FOR
 * UPDATE conflicts with that, so two workers settling targets of one post each held KEY SHARE and
 * each waited for the other's to go: a deadlock on the post row. NO KEY UPDATE conflicts with itself
 * (roll-ups of one post still run one at a time) but not with KEY SHARE. Workers also write their
 * target once per transaction where they can (see enqueueTarget's `values`).
 */
export async function lockPostAndTargets(tx: Tx, postId: string) {
  const targets = await tx
    .select()
    .from(postTargets)
    .where(eq(postTargets.postId, postId))
    .orderBy(asc(postTargets.id))
    .for('update');
  const result = await tx.execute(sql`select id from posts where id = ${postId} for no key update`);
  const found = ((result as unknown as { rows: unknown[] }).rows ?? []).length > 0;
  return { found, targets };
}

/** Locks one target for a change that touches only it (the roll-up trigger takes the post last). */
export async function lockTarget(tx: Tx, targetId: string) {
  const [target] = await tx.select().from(postTargets).where(eq(postTargets.id, targetId)).for('update');
  return target;
}
