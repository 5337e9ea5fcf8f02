/** The workspace's best posts published in a range, by engagement, impressions or engagement rate. */
import { and, desc, eq, gte, isNotNull, lt, sql } from 'drizzle-orm';
import { channels, posts, postTargets, trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

export const topPostOrders = ['engagement', 'impressions', 'engagementRate'] as const;

export async function getTopPosts(
  deps: Deps,
  options: {
    workspaceId: string;
    from: Date;
    to: Date;
    by: (typeof topPostOrders)[number];
    limit: number;
    channelId?: string | undefined;
  },
) {
  const column =
    options.by === 'impressions'
      ? trackedPosts.latestImpressions
      : options.by === 'engagementRate'
        ? trackedPosts.latestEngagementRate
        : trackedPosts.latestEngagement;
  const rows = await deps.db
    .select({
      trackedPostId: trackedPosts.id,
      postId: postTargets.postId,
      channelId: trackedPosts.channelId,
      channelName: channels.name,
      platform: channels.platform,
      remoteUrl: trackedPosts.remoteUrl,
      publishedAt: trackedPosts.publishedAt,
      text: sql<string | null>`left(coalesce(${postTargets.contentOverride}, ${posts.content}), 280)`,
      impressions: trackedPosts.latestImpressions,
      engagement: trackedPosts.latestEngagement,
      engagementRate: trackedPosts.latestEngagementRate,
      denominator: trackedPosts.latestRateDenominator,
    })
    .from(trackedPosts)
    .innerJoin(channels, eq(channels.id, trackedPosts.channelId))
    .leftJoin(postTargets, eq(postTargets.id, trackedPosts.targetId))
    .leftJoin(posts, eq(posts.id, postTargets.postId))
    .where(
      and(
        eq(trackedPosts.workspaceId, options.workspaceId),
        gte(trackedPosts.publishedAt, options.from),
        lt(trackedPosts.publishedAt, options.to),
        options.channelId ? eq(trackedPosts.channelId, options.channelId) : undefined,
        isNotNull(column),
      ),
    )
    .orderBy(desc(column), desc(trackedPosts.publishedAt))
    .limit(options.limit);
  return rows.map(({ engagementRate, denominator, ...r }) => ({
    ...r,
    engagementRate: engagementRate !== null && denominator ? { rate: engagementRate, denominator } : null,
  }));
}
