/** The pipeline board and item page: items by stage, source or text, and one item with its log and cost. */
import { and, asc, desc, eq, ilike, inArray, lt, or, sql, sum } from 'drizzle-orm';
import { aiUsage, posts, processingLogs, type ItemStage, sourceItems } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField, notFound } from '../../errors.ts';

const PAGE = 50;

/** Items whose post went out move on to `published` (the publishing engine does not know items). */
async function syncPublished(deps: Deps, workspaceId: string): Promise<void> {
  await deps.db
    .update(sourceItems)
    .set({ stage: 'published', updatedAt: sql`now()` })
    .where(
      and(
        eq(sourceItems.workspaceId, workspaceId),
        inArray(sourceItems.stage, ['scheduled', 'approved']),
        inArray(
          sourceItems.postId,
          deps.db
            .select({ id: posts.id })
            .from(posts)
            .where(
              and(
                eq(posts.workspaceId, workspaceId),
                inArray(posts.status, ['published', 'partially_published']),
              ),
            ),
        ),
      ),
    );
}

const cursorOf = (row: { createdAt: Date; id: string }) =>
  Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');

export async function listItems(
  deps: Deps,
  options: {
    workspaceId: string;
    stage?: ItemStage | undefined;
    sourceId?: string | undefined;
    q?: string | undefined;
    cursor?: string | undefined;
  },
) {
  await syncPublished(deps, options.workspaceId);
  let after: { at: Date; id: string } | null = null;
  if (options.cursor) {
    const [at, id] = Buffer.from(options.cursor, 'base64url').toString('utf8').split('|');
    const date = new Date(at ?? '');
    if (!id || Number.isNaN(date.getTime()))
      throw invalidField('cursor', 'not a cursor from a previous page');
    after = { at: date, id };
  }
  const rows = await deps.db
    .select()
    .from(sourceItems)
    .where(
      and(
        eq(sourceItems.workspaceId, options.workspaceId),
        options.stage ? eq(sourceItems.stage, options.stage) : undefined,
        options.sourceId ? eq(sourceItems.sourceId, options.sourceId) : undefined,
        options.q
          ? or(
              ilike(sourceItems.title, `%${options.q.replace(/[%_\\]/g, '\\$&')}%`),
              ilike(sourceItems.body, `%${options.q.replace(/[%_\\]/g, '\\$&')}%`),
            )
          : undefined,
        after
          ? or(
              lt(sourceItems.createdAt, after.at),
              and(eq(sourceItems.createdAt, after.at), lt(sourceItems.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(sourceItems.createdAt), desc(sourceItems.id))
    .limit(PAGE + 1);
  const page = rows.slice(0, PAGE);
  return { items: page, nextCursor: rows.length > PAGE ? cursorOf(page.at(-1)!) : null };
}

export async function getItem(deps: Deps, options: { workspaceId: string; itemId: string }) {
  await syncPublished(deps, options.workspaceId);
  const [item] = await deps.db
    .select()
    .from(sourceItems)
    .where(and(eq(sourceItems.id, options.itemId), eq(sourceItems.workspaceId, options.workspaceId)));
  if (!item) throw notFound('item');
  const log = await deps.db
    .select()
    .from(processingLogs)
    .where(eq(processingLogs.itemId, item.id))
    .orderBy(asc(processingLogs.createdAt));
  const [cost] = await deps.db
    .select({ micros: sum(aiUsage.costMicros) })
    .from(aiUsage)
    .where(eq(aiUsage.itemId, item.id));
  return { ...item, log, costUsd: Number(cost?.micros ?? 0) / 1_000_000 };
}
