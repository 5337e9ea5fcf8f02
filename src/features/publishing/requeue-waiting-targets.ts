import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { channels, postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { lockPost } from '../posts/lock-post.ts';
import { enqueueTarget } from './enqueue.ts';

/** After a re-authorisation: targets that were waiting for it are queued again, due now. */
export async function requeueWaitingTargets(
  deps: Deps,
  tx: Tx,
  options: { connectionId: string },
): Promise<number> {
  const channelIds = tx
    .select({ id: channels.id })
    .from(channels)
    .where(eq(channels.connectionId, options.connectionId));
  const waiting = await tx
    .select({ id: postTargets.id, postId: postTargets.postId, priority: postTargets.priority })
    .from(postTargets)
    .where(and(eq(postTargets.status, 'waiting_reauth'), inArray(postTargets.channelId, channelIds)))
    .orderBy(postTargets.postId);
  const now = deps.clock.now();
  for (const target of waiting) {
    await lockPost(tx, target.postId);
    await enqueueTarget(deps, tx, {
      targetId: target.id,
      at: now,
      priority: target.priority,
      status: 'retrying',
    });
  }
  return waiting.length;
}
