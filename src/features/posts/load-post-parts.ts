/** Loading and checking what a post refers to: channels and media of the same workspace. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { channels, media } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { ValidationIssue } from '../../platforms/types.ts';
import { toMediaItem } from '../media/to-media-item.ts';

export type ChannelRow = typeof channels.$inferSelect;
export type MediaRow = typeof media.$inferSelect;
export type TargetIssue = ValidationIssue & { channelId: string | null };

export async function loadChannels(db: Queryable, workspaceId: string, ids: string[]): Promise<ChannelRow[]> {
  const unique = [...new Set(ids)];
  if (unique.length !== ids.length) throw new AppError('invalid', 'channelIds: a channel is listed twice');
  if (!unique.length) return [];
  const rows = await db
    .select()
    .from(channels)
    .where(and(eq(channels.workspaceId, workspaceId), inArray(channels.id, unique)));
  const missing = unique.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) {
    throw new AppError('invalid', `channelIds: no channel ${missing[0]} in this workspace`, {
      issues: missing.map((id) => ({ path: 'channelIds', message: `unknown channel ${id}` })),
    });
  }
  return unique.map((id) => rows.find((r) => r.id === id)!);
}

export async function loadMedia(
  db: Queryable,
  workspaceId: string,
  ids: string[],
  field = 'mediaIds',
): Promise<MediaRow[]> {
  const unique = [...new Set(ids)];
  if (!unique.length) return [];
  const rows = await db
    .select()
    .from(media)
    .where(and(eq(media.workspaceId, workspaceId), inArray(media.id, unique)));
  const missing = unique.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) throw new AppError('invalid', `${field}: no media ${missing[0]} in this workspace`);
  return ids.map((id) => rows.find((r) => r.id === id)!);
}

/** Asks each target's platform whether it would accept the content, before anything is scheduled. */
export function validateTargets(
  deps: Deps,
  input: {
    title: string | null;
    content: string;
    media: MediaRow[];
    channels: ChannelRow[];
    overrides: Record<
      string,
      {
        content?: string | undefined;
        mediaIds?: string[] | undefined;
        options?: Record<string, unknown> | undefined;
      }
    >;
    mediaById: Map<string, MediaRow>;
  },
): TargetIssue[] {
  const issues: TargetIssue[] = [];
  for (const channel of input.channels) {
    if (!channel.isActive) {
      issues.push({ channelId: channel.id, field: 'channelIds', message: `${channel.name} is disconnected` });
      continue;
    }
    const override = input.overrides[channel.id];
    const mediaRows = override?.mediaIds
      ? override.mediaIds.map((id) => input.mediaById.get(id)!)
      : input.media;
    const adapter = deps.platforms.get(channel.platform);
    const request = {
      text: override?.content ?? input.content,
      title: input.title,
      options: override?.options ?? {},
      media: mediaRows.map((m) => toMediaItem(deps, m)),
    };
    const context = { kind: channel.kind, metadata: channel.metadata as Record<string, unknown> };
    for (const issue of adapter.validate(request, context)) {
      issues.push({
        channelId: channel.id,
        field:
          override && (issue.field === 'text' ? override.content !== undefined : false)
            ? `overrides.${channel.id}.content`
            : issue.field,
        message: `${adapter.displayName} (${channel.name}): ${issue.message}`,
      });
    }
  }
  return issues;
}

/**
 * Loads what a post input names (its channels and media, per-channel media included) and asks each
 * channel's platform about it: shared by creating a post and by the composer's dry run.
 */
export async function checkPostInput(
  deps: Deps,
  options: {
    workspaceId: string;
    input: {
      title?: string | null | undefined;
      content: string;
      channelIds: string[];
      mediaIds: string[];
      overrides: Record<
        string,
        {
          content?: string | undefined;
          mediaIds?: string[] | undefined;
          options?: Record<string, unknown> | undefined;
        }
      >;
    };
  },
) {
  const { workspaceId, input } = options;
  const channels = await loadChannels(deps.db, workspaceId, input.channelIds);
  const media = await loadMedia(deps.db, workspaceId, input.mediaIds);
  const overrideMedia = await loadMedia(
    deps.db,
    workspaceId,
    Object.values(input.overrides).flatMap((o) => o.mediaIds ?? []),
    'overrides.mediaIds',
  );
  const issues = validateTargets(deps, {
    title: input.title ?? null,
    content: input.content,
    media,
    channels,
    overrides: input.overrides,
    mediaById: new Map([...media, ...overrideMedia].map((m) => [m.id, m])),
  });
  return { channels, media, issues };
}

export function rejectIssues(issues: TargetIssue[]): void {
  if (!issues.length) return;
  throw new AppError('invalid', issues.map((i) => i.message).join('; '), {
    issues: issues.map((i) => ({ path: i.field, channelId: i.channelId, message: i.message })),
  });
}

export function extractTags(content: string): { hashtags: string[]; mentions: string[] } {
  const hashtags = [
    ...new Set([...content.matchAll(/(?:^|\s)#([\p{L}\p{N}_]+)/gu)].map((m) => m[1]!.toLowerCase())),
  ];
  const mentions = [...new Set([...content.matchAll(/(?:^|\s)@([\w.]+(?:@[\w.-]+)?)/gu)].map((m) => m[1]!))];
  return { hashtags, mentions };
}
