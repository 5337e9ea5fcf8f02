/** Sources as the API shows them, with how many items each has collected. */
import { and, count, desc, eq } from 'drizzle-orm';
import { sourceItems, sources } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import type { SourceView } from './sources.schemas.ts';

type SourceRow = typeof sources.$inferSelect;

export function toSourceView(row: SourceRow, itemCount: number): SourceView {
  const channelIds = row.draftSettings.channelIds;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    config: row.config,
    scheduleMinutes: row.scheduleMinutes,
    status: row.status,
    autoApproveScore: row.autoApproveScore,
    draftChannelIds: Array.isArray(channelIds) ? channelIds.map(String) : [],
    lastRunAt: row.lastRunAt,
    lastSuccessAt: row.lastSuccessAt,
    lastError: row.lastError,
    consecutiveFailures: row.consecutiveFailures,
    nextRunAt: row.nextRunAt,
    itemCount,
    createdAt: row.createdAt,
  };
}

export async function listSources(deps: Deps, options: { workspaceId: string }): Promise<SourceView[]> {
  const rows = await deps.db
    .select({ source: sources, items: count(sourceItems.id) })
    .from(sources)
    .leftJoin(sourceItems, eq(sourceItems.sourceId, sources.id))
    .where(eq(sources.workspaceId, options.workspaceId))
    .groupBy(sources.id)
    .orderBy(desc(sources.createdAt));
  return rows.map((r) => toSourceView(r.source, r.items));
}

export async function getSource(
  deps: Deps,
  options: { workspaceId: string; sourceId: string },
): Promise<SourceView> {
  const [row] = await deps.db
    .select({ source: sources, items: count(sourceItems.id) })
    .from(sources)
    .leftJoin(sourceItems, eq(sourceItems.sourceId, sources.id))
    .where(and(eq(sources.id, options.sourceId), eq(sources.workspaceId, options.workspaceId)))
    .groupBy(sources.id);
  if (!row) throw notFound('source');
  return toSourceView(row.source, row.items);
}
