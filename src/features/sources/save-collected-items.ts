/**
 * Stores what a collection run found, de-duplicated twice: by (source, external id) — an item seen
 * before is only refreshed — and by content hash across every source of the workspace — a copy is
 * stored linked to the first one (`duplicate_of`, stage `duplicate`) and never processed. Both
 * checks are unique indexes, so two runs racing on the same item store it once.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { sourceItems } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { enqueueEnrichment } from '../pipeline/enqueue-enrichment.ts';
import { itemContentHash } from './content-hash.ts';
import type { CollectedItem } from './source-config.ts';

export type SaveOutcome = { created: string[]; duplicates: string[]; seen: number };

export async function saveCollectedItems(
  deps: Deps,
  tx: Tx,
  options: { workspaceId: string; sourceId: string; items: CollectedItem[] },
): Promise<SaveOutcome> {
  const outcome: SaveOutcome = { created: [], duplicates: [], seen: 0 };
  for (const item of options.items) {
    const contentHash = itemContentHash(item);
    const values = {
      workspaceId: options.workspaceId,
      sourceId: options.sourceId,
      externalId: item.externalId,
      contentHash,
      title: item.title.slice(0, 500),
      body: item.body.slice(0, 40_000),
      url: item.url,
      author: item.author,
      score: item.score,
      commentsCount: item.commentsCount,
      context: item.context,
      sourceCreatedAt: item.createdAt,
    };
    // No conflict target: either unique index (same source item, or same content) stops the insert.
    const [inserted] = await tx
      .insert(sourceItems)
      .values(values)
      .onConflictDoNothing()
      .returning({ id: sourceItems.id });
    if (inserted) {
      outcome.created.push(inserted.id);
      await enqueueEnrichment(deps, tx, { itemId: inserted.id });
      continue;
    }
    const [known] = await tx
      .update(sourceItems)
      .set({ score: item.score, commentsCount: item.commentsCount, updatedAt: sql`now()` })
      .where(and(eq(sourceItems.sourceId, options.sourceId), eq(sourceItems.externalId, item.externalId)))
      .returning({ id: sourceItems.id });
    if (known) {
      outcome.seen++;
      continue;
    }
    const [first] = await tx
      .select({ id: sourceItems.id })
      .from(sourceItems)
      .where(
        and(
          eq(sourceItems.workspaceId, options.workspaceId),
          eq(sourceItems.contentHash, contentHash),
          isNull(sourceItems.duplicateOf),
        ),
      );
    if (!first) continue;
    const [copy] = await tx
      .insert(sourceItems)
      .values({ ...values, duplicateOf: first.id, stage: 'duplicate' })
      .onConflictDoNothing()
      .returning({ id: sourceItems.id });
    if (copy) outcome.duplicates.push(copy.id);
  }
  return outcome;
}
