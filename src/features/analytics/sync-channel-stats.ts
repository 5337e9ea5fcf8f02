/**
 * Reads a channel's own figures (followers, following, posts, views) through the adapter's
 * `readChannelStats` into that day's `channel_daily_stats` row (the workspace's calendar day; a
 * second read the same day replaces the first), and keeps the channel's follower count current.
 */
import { and, eq } from 'drizzle-orm';
import { channelDailyStats, channels, connections, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';
import { periodOf } from './periods.ts';
import { readWithCredentials } from './read-with-credentials.ts';

export type ChannelStatsResult =
  | { status: 'stored'; day: string; followers: number | null }
  | { status: 'unsupported' | 'skipped'; reason: string };

export async function syncChannelStats(
  deps: Deps,
  options: { channelId: string; workspaceId?: string },
): Promise<ChannelStatsResult> {
  const [account] = await deps.db
    .select({ channel: channels, connection: connections, app: platformApps })
    .from(channels)
    .innerJoin(connections, eq(connections.id, channels.connectionId))
    .innerJoin(platformApps, eq(platformApps.id, connections.platformAppId))
    .where(
      and(
        eq(channels.id, options.channelId),
        options.workspaceId ? eq(channels.workspaceId, options.workspaceId) : undefined,
      ),
    );
  if (!account) throw notFound('channel');
  const adapter = deps.platforms.get(account.channel.platform);
  if (!adapter.readChannelStats) {
    return {
      status: 'unsupported',
      reason: `${adapter.displayName} gives no account figures Herald can read`,
    };
  }
  if (account.connection.status !== 'active') {
    return { status: 'skipped', reason: `the connection is ${account.connection.status}` };
  }
  const { value: stats } = await readWithCredentials(deps, account, (a, ctx, credentials) =>
    a.readChannelStats!(ctx, credentials, {
      externalId: account.channel.externalId,
      kind: account.channel.kind,
      metadata: account.channel.metadata as Record<string, unknown>,
    }),
  );
  const now = deps.clock.now();
  const settings = await getAnalyticsSettings(deps.db, account.channel.workspaceId);
  const day = periodOf(now, 'day', settings).label;
  const values = {
    followers: stats.followers,
    following: stats.following,
    posts: stats.posts,
    views: stats.views,
    raw: stats.raw ?? null,
    takenAt: now,
  };
  await deps.db.transaction(async (tx) => {
    await tx
      .insert(channelDailyStats)
      .values({ channelId: account.channel.id, workspaceId: account.channel.workspaceId, day, ...values })
      .onConflictDoUpdate({ target: [channelDailyStats.channelId, channelDailyStats.day], set: values });
    await tx
      .update(channels)
      .set({
        ...(stats.followers !== null ? { followersCount: stats.followers } : {}),
        ...(stats.following !== null ? { followingCount: stats.following } : {}),
        ...(stats.posts !== null ? { postsCount: stats.posts } : {}),
        lastSyncedAt: now,
      })
      .where(eq(channels.id, account.channel.id));
  });
  return { status: 'stored', day, followers: stats.followers };
}

/** The daily job: every active channel whose platform can say, one after another. */
export async function syncAllChannelStats(deps: Deps): Promise<{ stored: number; failed: number }> {
  const rows = await deps.db
    .select({ id: channels.id, platform: channels.platform })
    .from(channels)
    .where(eq(channels.isActive, true));
  let stored = 0;
  let failed = 0;
  for (const row of rows) {
    if (!deps.platforms.has(row.platform) || !deps.platforms.get(row.platform).readChannelStats) continue;
    try {
      const result = await syncChannelStats(deps, { channelId: row.id });
      if (result.status === 'stored') stored++;
    } catch (error) {
      failed++;
      deps.log.warn({ err: error, channelId: row.id }, 'reading channel stats failed');
    }
  }
  return { stored, failed };
}
