/** Request and reply schemas of the analytics routes. */
import { z } from 'zod';
import { granularities, rateDenominators, stopReasons, trackedPostSources } from '../../db/schema.ts';
import { instantInput, timestamp, workspaceParams } from '../../http/schemas.ts';
import { topPostOrders } from './get-top-posts.ts';

const isoInstant = instantInput.transform((s) => new Date(s));
const count = z.number().nullable();
const rate = z.object({ rate: z.number(), denominator: z.enum(rateDenominators) }).nullable();

export const rangeQuery = z.object({
  from: isoInstant.describe('Start of the range (RFC 3339)'),
  to: isoInstant.describe('End of the range, exclusive (RFC 3339)'),
});

export const overviewQuery = rangeQuery.extend({
  interval: z.enum(granularities).default('day'),
  channelId: z.uuid().optional(),
});

const engagementRate = z
  .object({
    rate: z.number().nullable(),
    denominator: z.enum(rateDenominators).nullable().describe('Which denominator `rate` used'),
    byImpressions: z.object({ engagement: z.number(), impressions: z.number(), rate: z.number().nullable() }),
    byFollowers: z.object({ engagement: z.number(), followers: z.number(), rate: z.number().nullable() }),
  })
  .meta({ id: 'EngagementRate' });

const totals = z.object({
  posts: z.number(),
  impressions: z.number(),
  reach: z.number(),
  likes: z.number(),
  comments: z.number(),
  shares: z.number(),
  saves: z.number(),
  clicks: z.number(),
  engagement: z.number(),
  engagementRate,
});

export const overviewReply = z
  .object({
    interval: z.enum(granularities),
    timeZone: z.string(),
    weekStartsOn: z.number(),
    from: timestamp,
    to: timestamp,
    channelId: z.uuid().nullable(),
    totals,
    previous: z.object({ from: timestamp, to: timestamp, totals }),
    series: z.array(totals.extend({ start: timestamp, end: timestamp, label: z.string() })),
  })
  .meta({ id: 'AnalyticsOverview' });

export const topPostsQuery = rangeQuery.extend({
  by: z.enum(topPostOrders).default('engagement'),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  channelId: z.uuid().optional(),
});

export const topPostsReply = z.object({
  items: z.array(
    z.object({
      trackedPostId: z.uuid(),
      postId: z.uuid().nullable(),
      channelId: z.uuid(),
      channelName: z.string(),
      platform: z.string(),
      remoteUrl: z.string().nullable(),
      publishedAt: timestamp,
      text: z.string().nullable(),
      impressions: count,
      engagement: count,
      engagementRate: rate,
    }),
  ),
});

export const bestTimesQuery = z.object({ channelId: z.uuid().optional() });
export const bestTimesReply = z
  .object({
    timeZone: z.string(),
    denominator: z.enum(rateDenominators).nullable(),
    cells: z.array(
      z.object({
        weekday: z.number().describe('ISO weekday, 1 Monday … 7 Sunday'),
        hour: z.number(),
        posts: z.number(),
        medianRate: z.number(),
      }),
    ),
    nextBestSlot: z
      .object({ at: timestamp, weekday: z.number(), hour: z.number(), medianRate: z.number() })
      .nullable(),
  })
  .meta({ id: 'BestTimes' });

export const exportQuery = rangeQuery.extend({ kind: z.enum(['posts', 'channels']).default('posts') });

const snapshot = z.object({
  id: z.uuid(),
  takenAt: timestamp,
  kind: z.enum(['scheduled', 'manual']),
  checkIndex: z.number().nullable(),
  impressions: count,
  reach: count,
  likes: count,
  comments: count,
  shares: count,
  saves: count,
  clicks: count,
  watchSeconds: count,
  followers: count,
  engagement: z.number(),
  engagementRate: rate,
});

const trackedBase = z.object({
  id: z.uuid(),
  source: z.enum(trackedPostSources),
  postId: z.uuid().nullable(),
  targetId: z.uuid().nullable(),
  channelId: z.uuid(),
  platform: z.string(),
  remoteId: z.string(),
  remoteUrl: z.string().nullable(),
  publishedAt: timestamp,
  trackingStartedAt: timestamp,
  checksCompleted: z.number(),
  nextCheckAt: timestamp.nullable(),
  trackingComplete: z.boolean(),
  stopReason: z.enum(stopReasons).nullable(),
  lastCheckedAt: timestamp.nullable(),
  lastError: z.string().nullable(),
  latest: z.object({ impressions: count, engagement: count, engagementRate: rate }),
  schedule: z.array(
    z.object({
      after: z.string(),
      dueAt: timestamp,
      state: z.enum(['done', 'passed', 'next', 'pending', 'cancelled']),
    }),
  ),
});

export const trackedPostView = trackedBase
  .extend({ snapshots: z.array(snapshot) })
  .meta({ id: 'TrackedPost' });

export const postMetricsReply = z
  .object({ postId: z.uuid(), tracked: z.array(trackedPostView) })
  .meta({ id: 'PostMetrics' });

export const trackedListQuery = z.object({
  source: z.enum(trackedPostSources).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: isoInstant.optional(),
});
export const trackedListReply = z.object({
  items: z.array(trackedBase.extend({ channelName: z.string(), latestSnapshot: snapshot.nullable() })),
});

export const trackBody = z.object({
  url: z.string().min(1).max(2000).describe("The post's address on its platform"),
  channelId: z.uuid().optional().describe('Only try this channel'),
});

export const checkBackSettings = z
  .object({
    schedule: z.array(z.string()).describe('Delays after publishing, like "1h", "6h", "3d"'),
    timeZone: z.string().describe('IANA zone the roll-up periods follow'),
    weekStartsOn: z.number().int().min(1).max(7).describe('1 Monday … 7 Sunday'),
  })
  .meta({ id: 'CheckBackSettings' });
export const checkBackSettingsBody = checkBackSettings.partial();

export const postParams = workspaceParams.extend({ postId: z.uuid() });
export const trackedParams = workspaceParams.extend({ trackedPostId: z.uuid() });
export const channelParams = workspaceParams.extend({ channelId: z.uuid() });

export const channelStatsReply = z
  .object({
    channelId: z.uuid(),
    supported: z.boolean().describe("Whether the channel's platform gives account figures"),
    followers: count,
    lastSyncedAt: timestamp.nullable(),
    followersChange: count,
    days: z.array(
      z.object({
        day: z.string(),
        followers: count,
        following: count,
        posts: count,
        views: count,
        takenAt: timestamp,
      }),
    ),
  })
  .meta({ id: 'ChannelStats' });
