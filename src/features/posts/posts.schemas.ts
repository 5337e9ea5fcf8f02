/** Request and response schemas of the posts routes (also the OpenAPI document). */
import { z } from 'zod';
import { attemptOutcomes, contentTypes, postStatuses, targetStatuses } from '../../db/schema.ts';
import { idList, instantInput, timestamp } from '../../http/schemas.ts';

export const targetOverrideInput = z.object({
  content: z.string().max(100_000).optional().describe('Text for this channel instead of the post text'),
  mediaIds: idList(20).optional().describe('Media for this channel instead of the post media'),
  options: z.record(z.string(), z.unknown()).optional().describe('Platform options (e.g. subreddit, thread)'),
});

export const scheduleInput = z
  .object({
    localTime: z.string().describe('Wall-clock time, YYYY-MM-DDTHH:mm'),
    timezone: z.string().describe('IANA time zone, e.g. Europe/Paris'),
  })
  .describe('A local time in a time zone');

const when = {
  scheduledAt: instantInput.optional().describe('RFC 3339 instant with offset'),
  schedule: scheduleInput.optional(),
};

export const postInput = z.object({
  title: z.string().max(300).nullish(),
  content: z.string().max(100_000).default(''),
  contentType: z.enum(contentTypes).optional(),
  channelIds: idList(100).default([]),
  mediaIds: idList(20).default([]),
  overrides: z.record(z.uuid(), targetOverrideInput).default({}),
  ...when,
  publishNow: z.boolean().optional().describe('Publish as soon as a worker is free'),
  priority: z.number().int().min(-100).max(100).default(0),
  maxAttempts: z.number().int().min(1).max(20).default(5),
});
export type PostInput = z.infer<typeof postInput>;

export const postPatch = z.object({
  title: z.string().max(300).nullish(),
  content: z.string().max(100_000).optional(),
  contentType: z.enum(contentTypes).optional(),
  channelIds: idList(100).optional(),
  mediaIds: idList(20).optional(),
  overrides: z.record(z.uuid(), targetOverrideInput).optional(),
  ...when,
  priority: z.number().int().min(-100).max(100).optional(),
});
export type PostPatch = z.infer<typeof postPatch>;

export const scheduleBody = z.object(when);

export const resolveBody = z.object({
  action: z.enum(['mark_published', 'retry']),
  remoteUrl: z.url().optional(),
});

export const postSorts = ['created_desc', 'created_asc', 'when_asc', 'when_desc'] as const;
export type PostSort = (typeof postSorts)[number];

export const listQuery = z.object({
  status: z.enum(postStatuses).optional(),
  channelId: z.uuid().optional(),
  from: instantInput.optional().describe('Scheduled or published at or after'),
  to: instantInput.optional().describe('Scheduled or published before'),
  q: z.string().max(200).optional().describe('Full-text search in title, content and per-channel texts'),
  hashtag: z.string().max(100).optional(),
  sort: z
    .enum(postSorts)
    .default('created_desc')
    .describe("created_*: by creation; when_*: by the post's time (published, else scheduled, else created)"),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const attemptView = z.object({
  id: z.uuid(),
  attemptNumber: z.number(),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
  durationMs: z.number().nullable(),
  outcome: z.enum(attemptOutcomes),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  workerId: z.string(),
  rateLimit: z
    .unknown()
    .nullable()
    // What the platform said of its rate limit with this attempt (an object); typed for client generators.
    .meta({ type: 'object', description: 'The rate limit the platform reported with this attempt' }),
});

export const targetView = z.object({
  id: z.uuid(),
  channelId: z.uuid(),
  channelName: z.string(),
  platform: z.string(),
  status: z.enum(targetStatuses),
  contentOverride: z.string().nullable(),
  mediaOverride: z.array(z.uuid()).nullable(),
  options: z.record(z.string(), z.unknown()),
  scheduledAt: timestamp.nullable(),
  nextAttemptAt: timestamp.nullable(),
  attempts: z.number(),
  maxAttempts: z.number(),
  remoteId: z.string().nullable(),
  remoteUrl: z.string().nullable(),
  remotePartIds: z
    .array(z.string())
    .describe("The platform's ids of a thread's or carousel's other parts, first to last"),
  publishedAt: timestamp.nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  attemptsLog: z.array(attemptView),
});

export const postView = z
  .object({
    id: z.uuid(),
    title: z.string().nullable(),
    content: z.string(),
    contentType: z.enum(contentTypes),
    status: z.enum(postStatuses),
    scheduledAt: timestamp.nullable(),
    timezone: z.string().nullable(),
    publishedAt: timestamp.nullable(),
    priority: z.number(),
    hashtags: z.array(z.string()),
    mentions: z.array(z.string()),
    mediaIds: z.array(z.uuid()),
    targetCount: z.number(),
    publishedCount: z.number(),
    failedCount: z.number(),
    authorId: z.uuid().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    targets: z.array(targetView),
  })
  .meta({ id: 'Post' });
export type PostView = z.output<typeof postView>;

export const postSummary = postView.omit({ targets: true }).extend({
  targets: z.array(targetView.omit({ attemptsLog: true })),
});

export const postList = z.object({ items: z.array(postSummary), nextCursor: z.string().nullable() });

export const validationReply = z.object({
  issues: z.array(z.object({ channelId: z.uuid().nullable(), field: z.string(), message: z.string() })),
});
