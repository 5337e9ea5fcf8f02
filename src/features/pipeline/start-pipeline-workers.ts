/**
 * The content pipeline's workers: collection runs (one at a time per source), enrichment (then a
 * draft when the source names channels), takedown removals, and — in the process running the
 * scheduler — a sweep each minute that queues due sources.
 */
import { eq } from 'drizzle-orm';
import { sourceItems, sources } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { queues } from '../../queue/boss.ts';
import { enrichItem } from '../ai/enrich-item.ts';
import { collectSource } from '../sources/collect-source.ts';
import { dueSources } from '../sources/manage-sources.ts';
import { removeTakedownTarget } from '../takedowns/remove-takedown-target.ts';
import type { TakedownJobData } from '../takedowns/request-takedown.ts';
import { draftItem } from './draft-item.ts';
import type { EnrichJobData } from './enqueue-enrichment.ts';

/** Enriches an item and, when its source says where drafts go, drafts it. */
export async function processItem(deps: Deps, options: { itemId: string }): Promise<void> {
  const outcome = await enrichItem(deps, { itemId: options.itemId });
  if (outcome.status !== 'enriched') return;
  const [row] = await deps.db
    .select({ settings: sources.draftSettings })
    .from(sourceItems)
    .innerJoin(sources, eq(sources.id, sourceItems.sourceId))
    .where(eq(sourceItems.id, options.itemId));
  const channelIds = row?.settings.channelIds;
  if (Array.isArray(channelIds) && channelIds.length) {
    await draftItem(deps, { itemId: options.itemId, authorId: null });
  }
}

export async function startPipelineWorkers(deps: Deps): Promise<void> {
  const poll = Math.max(deps.config.pollSeconds, 1);
  await deps.queue.work<{ sourceId: string }>(
    queues.collectSource,
    { pollingIntervalSeconds: poll },
    async ([job]) => {
      if (job) await collectSource(deps, { sourceId: job.data.sourceId });
    },
  );
  await deps.queue.work<EnrichJobData>(queues.enrichItem, { pollingIntervalSeconds: poll }, async ([job]) => {
    if (job) await processItem(deps, { itemId: job.data.itemId });
  });
  await deps.queue.work<TakedownJobData>(
    queues.takedownTarget,
    { pollingIntervalSeconds: poll },
    async ([job]) => {
      if (job) await removeTakedownTarget(deps, job.data);
    },
  );
}

/** The minute sweep that queues due sources (scheduler role). */
export async function schedulePipelineSweep(deps: Deps): Promise<void> {
  await deps.queue.schedule(queues.pipelineSweep, '* * * * *');
  await deps.queue.work(queues.pipelineSweep, { pollingIntervalSeconds: 5 }, async () => {
    for (const sourceId of await dueSources(deps)) {
      await deps.queue.send(queues.collectSource, { sourceId }, { singletonKey: sourceId });
    }
  });
}
