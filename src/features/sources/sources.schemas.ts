/** HTTP shapes of sources. */
import { z } from 'zod';
import { sourceKinds, sourceStatuses } from '../../db/schema.ts';
import { timestamp } from '../../http/schemas.ts';
import { redditConfig, rssConfig, sandboxConfig } from './source-config.ts';

const common = {
  name: z.string().trim().min(1).max(120),
  scheduleMinutes: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(60),
  /** Items scoring at least this are approved without review; null: always ask. */
  autoApproveScore: z.number().int().nullable().default(null),
  /** Channels a draft targets: one Ghost channel for the article, any others for announcements. */
  draftChannelIds: z.array(z.uuid()).max(20).default([]),
};

export const sourceInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reddit'), config: redditConfig, ...common }),
  z.object({ kind: z.literal('rss'), config: rssConfig, ...common }),
  z.object({ kind: z.literal('sandbox'), config: sandboxConfig, ...common }),
]);
export type SourceInput = z.infer<typeof sourceInput>;

export const sourcePatch = z
  .object({
    name: common.name,
    scheduleMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60),
    autoApproveScore: z.number().int().nullable(),
    draftChannelIds: common.draftChannelIds,
    status: z.enum(['active', 'paused']),
    config: z.record(z.string(), z.unknown()),
  })
  .partial();
export type SourcePatch = z.infer<typeof sourcePatch>;

export const sourceView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(sourceKinds),
    config: z.record(z.string(), z.unknown()),
    scheduleMinutes: z.number().int(),
    status: z.enum(sourceStatuses),
    autoApproveScore: z.number().int().nullable(),
    draftChannelIds: z.array(z.string()),
    lastRunAt: timestamp.nullable(),
    lastSuccessAt: timestamp.nullable(),
    lastError: z.string().nullable(),
    consecutiveFailures: z.number().int(),
    nextRunAt: timestamp.nullable(),
    itemCount: z.number().int(),
    createdAt: timestamp,
  })
  .meta({ id: 'Source' });
export type SourceView = z.infer<typeof sourceView>;

export const collectReply = z
  .object({
    sourceId: z.uuid(),
    status: z.enum(['ok', 'not_modified', 'failed']),
    created: z.number().int(),
    duplicates: z.number().int(),
    seen: z.number().int(),
    gone: z.number().int(),
    error: z.string().nullable(),
  })
  .meta({ id: 'CollectOutcome' });
