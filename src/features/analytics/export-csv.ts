/**
 * CSV reports for a date range: each tracked post published in it with its latest figures, or each
 * channel's daily stats. Cells that a spreadsheet would run as a formula are prefixed with `'`.
 */
import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import { channelDailyStats, channels } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';
import { periodOf } from './periods.ts';

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csv = (header: string[], rows: unknown[][]) =>
  [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';

export async function exportCsv(
  deps: Deps,
  options: { workspaceId: string; from: Date; to: Date; kind: 'posts' | 'channels' },
): Promise<string> {
  if (options.kind === 'channels') {
    const settings = await getAnalyticsSettings(deps.db, options.workspaceId);
    const rows = await deps.db
      .select({
        day: channelDailyStats.day,
        channel: channels.name,
        platform: channels.platform,
        followers: channelDailyStats.followers,
        following: channelDailyStats.following,
        posts: channelDailyStats.posts,
        views: channelDailyStats.views,
      })
      .from(channelDailyStats)
      .innerJoin(channels, eq(channels.id, channelDailyStats.channelId))
      .where(
        and(
          eq(channelDailyStats.workspaceId, options.workspaceId),
          gte(channelDailyStats.day, periodOf(options.from, 'day', settings).label),
          // Every day that starts before `to`.
          lte(channelDailyStats.day, periodOf(new Date(options.to.getTime() - 1), 'day', settings).label),
        ),
      )
      .orderBy(asc(channelDailyStats.day), asc(channels.name));
    return csv(
      ['day', 'channel', 'platform', 'followers', 'following', 'posts', 'views'],
      rows.map((r) => [r.day, r.channel, r.platform, r.followers, r.following, r.posts, r.views]),
    );
  }
  const result = await deps.db.execute(sql`
    select t.published_at, c.name as channel, c.platform, t.remote_url, s.taken_at, s.impressions, s.reach,
           s.likes, s.comments, s.shares, s.saves, s.clicks, t.latest_engagement, t.latest_engagement_rate,
           t.latest_rate_denominator
    from tracked_posts t
    join channels c on c.id = t.channel_id
    left join lateral (
      select * from metric_snapshots m where m.tracked_post_id = t.id order by m.taken_at desc limit 1
    ) s on true
    where t.workspace_id = ${options.workspaceId}
      and t.published_at >= ${options.from.toISOString()}::timestamptz
      and t.published_at < ${options.to.toISOString()}::timestamptz
    order by t.published_at`);
  const header = [
    'published_at',
    'channel',
    'platform',
    'url',
    'measured_at',
    'impressions',
    'reach',
    'likes',
    'comments',
    'shares',
    'saves',
    'clicks',
    'engagement',
    'engagement_rate',
    'rate_denominator',
  ];
  const keys = [
    'published_at',
    'channel',
    'platform',
    'remote_url',
    'taken_at',
    'impressions',
    'reach',
    'likes',
    'comments',
    'shares',
    'saves',
    'clicks',
    'latest_engagement',
    'latest_engagement_rate',
    'latest_rate_denominator',
  ];
  const iso = (v: unknown) =>
    v instanceof Date ? v : typeof v === 'string' && /^\d{4}-/.test(v) ? new Date(v) : v;
  return csv(
    header,
    rowsOf<Record<string, unknown>>(result).map((r) =>
      keys.map((k) => (k === 'published_at' || k === 'taken_at' ? iso(r[k]) : r[k])),
    ),
  );
}
