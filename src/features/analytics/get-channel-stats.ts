/** A channel's daily figures over a range, with the change over it. */
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import { channelDailyStats, channels } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';
import { periodOf } from './periods.ts';

export async function getChannelStats(
  deps: Deps,
  options: { workspaceId: string; channelId: string; from: Date; to: Date },
) {
  const [channel] = await deps.db
    .select({
      id: channels.id,
      platform: channels.platform,
      followers: channels.followersCount,
      lastSyncedAt: channels.lastSyncedAt,
    })
    .from(channels)
    .where(and(eq(channels.id, options.channelId), eq(channels.workspaceId, options.workspaceId)));
  if (!channel) throw notFound('channel');
  const settings = await getAnalyticsSettings(deps.db, options.workspaceId);
  const days = await deps.db
    .select({
      day: channelDailyStats.day,
      followers: channelDailyStats.followers,
      following: channelDailyStats.following,
      posts: channelDailyStats.posts,
      views: channelDailyStats.views,
      takenAt: channelDailyStats.takenAt,
    })
    .from(channelDailyStats)
    .where(
      and(
        eq(channelDailyStats.channelId, options.channelId),
        gte(channelDailyStats.day, periodOf(options.from, 'day', settings).label),
        lte(channelDailyStats.day, periodOf(options.to, 'day', settings).label),
      ),
    )
    .orderBy(asc(channelDailyStats.day));
  const first = days.find((d) => d.followers !== null);
  const last = days.findLast((d) => d.followers !== null);
  const adapter = deps.platforms.has(channel.platform) ? deps.platforms.get(channel.platform) : null;
  return {
    channelId: channel.id,
    supported: !!adapter?.readChannelStats,
    followers: channel.followers,
    lastSyncedAt: channel.lastSyncedAt,
    followersChange: first && last ? last.followers! - first.followers! : null,
    days,
  };
}
