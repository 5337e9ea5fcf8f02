/** Adding, changing and removing sources. A new source is due at once. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { channels, sources } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField, notFound } from '../../errors.ts';
import { getSource } from './get-source.ts';
import { configSchemas } from './source-config.ts';
import type { SourceInput, SourcePatch, SourceView } from './sources.schemas.ts';

async function checkChannels(deps: Deps, workspaceId: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const found = await deps.db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.workspaceId, workspaceId), inArray(channels.id, ids)));
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  if (missing.length) throw invalidField('draftChannelIds', `no such channel: ${missing.join(', ')}`);
}

export async function createSource(
  deps: Deps,
  options: { workspaceId: string; input: SourceInput },
): Promise<SourceView> {
  const { input } = options;
  await checkChannels(deps, options.workspaceId, input.draftChannelIds);
  const [row] = await deps.db
    .insert(sources)
    .values({
      workspaceId: options.workspaceId,
      name: input.name,
      kind: input.kind,
      config: input.config,
      scheduleMinutes: input.scheduleMinutes,
      autoApproveScore: input.autoApproveScore,
      draftSettings: { channelIds: input.draftChannelIds },
      nextRunAt: deps.clock.now(),
    })
    .returning({ id: sources.id });
  return getSource(deps, { workspaceId: options.workspaceId, sourceId: row!.id });
}

export async function updateSource(
  deps: Deps,
  options: { workspaceId: string; sourceId: string; patch: SourcePatch },
): Promise<SourceView> {
  const { patch } = options;
  const [row] = await deps.db
    .select()
    .from(sources)
    .where(and(eq(sources.id, options.sourceId), eq(sources.workspaceId, options.workspaceId)));
  if (!row) throw notFound('source');
  let config = row.config;
  if (patch.config) {
    const parsed = configSchemas[row.kind].safeParse(patch.config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw invalidField(`config.${issue.path.join('.')}`, issue.message);
    }
    config = parsed.data;
  }
  if (patch.draftChannelIds) await checkChannels(deps, options.workspaceId, patch.draftChannelIds);
  await deps.db
    .update(sources)
    .set({
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.scheduleMinutes === undefined ? {} : { scheduleMinutes: patch.scheduleMinutes }),
      ...(patch.autoApproveScore === undefined ? {} : { autoApproveScore: patch.autoApproveScore }),
      ...(patch.draftChannelIds
        ? { draftSettings: { ...row.draftSettings, channelIds: patch.draftChannelIds } }
        : {}),
      // Resuming (or changing how it is fetched) makes the source due now, with a clean slate.
      ...(patch.status === 'active' || patch.config
        ? { status: 'active' as const, consecutiveFailures: 0, nextRunAt: deps.clock.now(), fetchState: {} }
        : {}),
      ...(patch.status === 'paused' ? { status: 'paused' as const } : {}),
      config,
      updatedAt: sql`now()`,
    })
    .where(eq(sources.id, row.id));
  return getSource(deps, { workspaceId: options.workspaceId, sourceId: row.id });
}

export async function deleteSource(
  deps: Deps,
  options: { workspaceId: string; sourceId: string },
): Promise<void> {
  const deleted = await deps.db
    .delete(sources)
    .where(and(eq(sources.id, options.sourceId), eq(sources.workspaceId, options.workspaceId)))
    .returning({ id: sources.id });
  if (!deleted.length) throw notFound('source');
}

/** Sources due for a run, for the periodic sweep. */
export async function dueSources(deps: Deps): Promise<string[]> {
  const rows = await deps.db
    .select({ id: sources.id })
    .from(sources)
    .where(and(sql`${sources.status} <> 'paused'`, sql`${sources.nextRunAt} <= ${deps.clock.now()}`))
    .limit(100);
  return rows.map((r) => r.id);
}
