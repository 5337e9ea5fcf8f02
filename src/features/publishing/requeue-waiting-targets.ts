import { and, eq, inArray } from 'drizzle-orm';
import { channels, postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { lockTarget } from '../posts/lock-post.ts';
import { enqueueTarget } from './enqueue.ts';

/** After a re-authorisation: targets that were waiting for it are queued again, due now. */
export async function requeueWaitingTargets(deps: Deps, options: { connectionId: string }): Promise<number> {
  const channelIds = deps.db
    .select({ id: channels.id })
    .from(channels)
    .where(eq(channels.connectionId, options.connectionId));
  const waiting = await deps.db
    .select({ id: postTargets.id })
    .from(postTargets)
    .where(and(eq(postTargets.status, 'waiting_reauth'), inArray(postTargets.channelId, channelIds)));
  let requeued = 0;
  // One short transaction per target: each locks its target, then (trigger) its post.
  for (const { id } of waiting) {
    await deps.db.transaction(async (tx) => {
      const target = await lockTarget(tx, id);
      if (target?.status !== 'waiting_reauth') return;
      await enqueueTarget(deps, tx, {
        targetId: id,
        at: deps.clock.now(),
        priority: target.priority,
        status: 'retrying',
      });
      requeued++;
    });
  }
  return requeued;
}
