/** An item's enrichment job, created in the caller's transaction so it exists exactly when the item does. */
import type { Tx } from '../../db/client.ts';
import type { Deps } from '../../deps.ts';
import { jobDb, queues } from '../../queue/boss.ts';

export type EnrichJobData = { itemId: string };

export async function enqueueEnrichment(
  deps: Deps,
  tx: Tx,
  options: { itemId: string; at?: Date },
): Promise<void> {
  const data: EnrichJobData = { itemId: options.itemId };
  await deps.queue.send(queues.enrichItem, data, {
    db: jobDb(tx),
    singletonKey: options.itemId,
    ...(options.at ? { startAfter: options.at } : {}),
  });
}
