/** Factories for pipeline tests: sources and collected items as rows, as a collection run leaves them. */
import { randomUUID } from 'node:crypto';
import { sourceItems, sources } from '../../src/db/schema.ts';
import type { Deps } from '../../src/deps.ts';
import { itemContentHash } from '../../src/features/sources/content-hash.ts';

export async function newSource(
  deps: Deps,
  options: { workspaceId: string; draftChannelIds?: string[]; autoApproveScore?: number | null },
): Promise<{ id: string }> {
  const [row] = await deps.db
    .insert(sources)
    .values({
      workspaceId: options.workspaceId,
      name: `Feed ${randomUUID().slice(0, 6)}`,
      kind: 'rss',
      config: { url: 'https://feeds.example/rss.xml', limit: 25 },
      draftSettings: { channelIds: options.draftChannelIds ?? [] },
      autoApproveScore: options.autoApproveScore ?? null,
    })
    .returning({ id: sources.id });
  return row!;
}

export async function newItem(
  deps: Deps,
  options: {
    workspaceId: string;
    sourceId: string;
    title?: string;
    body?: string;
    score?: number;
    context?: { author: string | null; body: string; score: number | null }[];
  },
): Promise<{ id: string }> {
  const title = options.title ?? `Item ${randomUUID()}`;
  const body = options.body ?? `Body of ${title}.`;
  const [row] = await deps.db
    .insert(sourceItems)
    .values({
      workspaceId: options.workspaceId,
      sourceId: options.sourceId,
      externalId: randomUUID(),
      contentHash: itemContentHash({ title, body }),
      title,
      body,
      url: `https://example.test/${randomUUID().slice(0, 8)}`,
      author: 'someone',
      score: options.score ?? null,
      context: options.context ?? [],
    })
    .returning({ id: sourceItems.id });
  return row!;
}
