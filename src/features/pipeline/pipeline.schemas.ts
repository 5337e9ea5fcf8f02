/** HTTP shapes of the pipeline board, items, AI usage and takedowns. */
import { z } from 'zod';
import { itemStages } from '../../db/schema.ts';
import { instantInput, timestamp } from '../../http/schemas.ts';

export const itemsQuery = z.object({
  stage: z.enum(itemStages).optional(),
  sourceId: z.uuid().optional(),
  q: z.string().max(200).optional(),
  cursor: z.string().max(200).optional(),
});

export const itemView = z
  .object({
    id: z.uuid(),
    sourceId: z.uuid(),
    externalId: z.string(),
    stage: z.enum(itemStages),
    title: z.string(),
    body: z.string(),
    url: z.string().nullable(),
    author: z.string().nullable(),
    score: z.number().int().nullable(),
    commentsCount: z.number().int().nullable(),
    context: z.array(
      z.object({ author: z.string().nullable(), body: z.string(), score: z.number().nullable() }),
    ),
    contentHash: z.string(),
    duplicateOf: z.uuid().nullable(),
    aiOutput: z.record(z.string(), z.unknown()).nullable(),
    aiReply: z.string().nullable(),
    error: z.string().nullable(),
    budgetResetsAt: timestamp.nullable(),
    postId: z.uuid().nullable(),
    goneAtSourceAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'PipelineItem' });

export const itemList = z.object({ items: z.array(itemView), nextCursor: z.string().nullable() });

export const itemDetail = itemView
  .extend({
    costUsd: z.number(),
    log: z.array(
      z.object({
        step: z.string(),
        outcome: z.string(),
        durationMs: z.number().int().nullable(),
        error: z.string().nullable(),
        details: z.record(z.string(), z.unknown()),
        createdAt: timestamp,
      }),
    ),
  })
  .meta({ id: 'PipelineItemDetail' });

export const usageQuery = z.object({
  from: instantInput.optional(),
  to: instantInput.optional(),
});

export const usageReply = z
  .object({
    totalUsd: z.number(),
    calls: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    days: z.array(z.object({ day: z.string(), costUsd: z.number(), calls: z.number().int() })),
    recent: z.array(
      z.object({
        id: z.uuid(),
        itemId: z.uuid().nullable(),
        provider: z.string(),
        model: z.string(),
        inputTokens: z.number().int(),
        outputTokens: z.number().int(),
        costUsd: z.number(),
        durationMs: z.number().int().nullable(),
        outcome: z.string(),
        createdAt: timestamp,
      }),
    ),
  })
  .meta({ id: 'AiUsage' });

export const takedownInput = z.object({ reason: z.string().trim().min(1).max(1000) });
export const takedownView = z
  .object({
    id: z.uuid(),
    postId: z.uuid(),
    reason: z.string(),
    status: z.string(),
    removeAfter: timestamp,
    completedAt: timestamp.nullable(),
    createdAt: timestamp,
    targets: z.array(
      z.object({
        targetId: z.uuid(),
        platform: z.string(),
        status: z.string(),
        error: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'Takedown' });
