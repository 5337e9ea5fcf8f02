/**
 * The analytics overview: what the workspace (or one channel) gained in each period of `[from, to)`,
 * read from the roll-ups (never recomputed from snapshots), the totals, and the same totals for the
 * period of equal length just before, to compare with.
 *
 * Engagement rate of a period: engagement ÷ impressions, counting only posts whose platform reports
 * impressions, when there are any; else engagement ÷ followers (the channels' most followers seen in
 * the period). `denominator` says which; both parts are returned.
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { type Granularity, metricRollups } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField } from '../../errors.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';
import { periodsBetween } from './periods.ts';

/** The most periods one overview answers (a year of days, two months of hours). */
export const MAX_PERIODS = 1500;

export type Totals = {
  posts: number;
  impressions: number;
  reach: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
  clicks: number;
  engagement: number;
  engagementRate: EngagementRate;
};

export type EngagementRate = {
  rate: number | null;
  denominator: 'impressions' | 'followers' | null;
  byImpressions: { engagement: number; impressions: number; rate: number | null };
  byFollowers: { engagement: number; followers: number; rate: number | null };
};

type Sums = {
  posts: number;
  impressions: number;
  reach: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
  clicks: number;
  engagementByImpressions: number;
  impressionsDenominator: number;
  engagementByFollowers: number;
  followers: number;
};

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

function totalsOf(s: Sums): Totals {
  const byImpressions = {
    engagement: s.engagementByImpressions,
    impressions: s.impressionsDenominator,
    rate: ratio(s.engagementByImpressions, s.impressionsDenominator),
  };
  const byFollowers = {
    engagement: s.engagementByFollowers,
    followers: s.followers,
    rate: ratio(s.engagementByFollowers, s.followers),
  };
  const denominator =
    byImpressions.rate !== null ? 'impressions' : byFollowers.rate !== null ? 'followers' : null;
  return {
    posts: s.posts,
    impressions: s.impressions,
    reach: s.reach,
    likes: s.likes,
    comments: s.comments,
    shares: s.shares,
    saves: s.saves,
    clicks: s.clicks,
    engagement: s.likes + s.comments + s.shares + s.saves,
    engagementRate: {
      rate:
        denominator === 'impressions'
          ? byImpressions.rate
          : denominator === 'followers'
            ? byFollowers.rate
            : null,
      denominator,
      byImpressions,
      byFollowers,
    },
  };
}

const sumColumns = {
  posts: sql<string>`coalesce(sum(${metricRollups.posts}), 0)`,
  impressions: sql<string>`coalesce(sum(${metricRollups.impressions}), 0)`,
  reach: sql<string>`coalesce(sum(${metricRollups.reach}), 0)`,
  likes: sql<string>`coalesce(sum(${metricRollups.likes}), 0)`,
  comments: sql<string>`coalesce(sum(${metricRollups.comments}), 0)`,
  shares: sql<string>`coalesce(sum(${metricRollups.shares}), 0)`,
  saves: sql<string>`coalesce(sum(${metricRollups.saves}), 0)`,
  clicks: sql<string>`coalesce(sum(${metricRollups.clicks}), 0)`,
  engagementByImpressions: sql<string>`coalesce(sum(${metricRollups.engagementByImpressions}), 0)`,
  impressionsDenominator: sql<string>`coalesce(sum(${metricRollups.impressionsDenominator}), 0)`,
  engagementByFollowers: sql<string>`coalesce(sum(${metricRollups.engagementByFollowers}), 0)`,
};

const toSums = (row: Record<keyof typeof sumColumns, string | number>, followers: number): Sums => ({
  posts: Number(row.posts),
  impressions: Number(row.impressions),
  reach: Number(row.reach),
  likes: Number(row.likes),
  comments: Number(row.comments),
  shares: Number(row.shares),
  saves: Number(row.saves),
  clicks: Number(row.clicks),
  engagementByImpressions: Number(row.engagementByImpressions),
  impressionsDenominator: Number(row.impressionsDenominator),
  engagementByFollowers: Number(row.engagementByFollowers),
  followers,
});

export async function getOverview(
  deps: Deps,
  options: {
    workspaceId: string;
    from: Date;
    to: Date;
    interval: Granularity;
    channelId?: string | undefined;
  },
) {
  const { workspaceId, from, to, interval } = options;
  if (to <= from) throw invalidField('to', 'must be after from');
  const settings = await getAnalyticsSettings(deps.db, workspaceId);
  const periods = periodsBetween(from, to, interval, settings, MAX_PERIODS);
  if (!periods)
    throw invalidField(
      'interval',
      `gives more than ${MAX_PERIODS} periods for this range: choose a longer one`,
    );
  const first = periods[0]!.start;
  const last = periods.at(-1)!.end;
  const previousFrom = new Date(first.getTime() - (last.getTime() - first.getTime()));

  const scope = options.channelId
    ? and(eq(metricRollups.scope, 'channel'), eq(metricRollups.scopeId, options.channelId))
    : eq(metricRollups.scope, 'workspace');
  const inRange = (a: Date, b: Date) =>
    and(
      eq(metricRollups.workspaceId, workspaceId),
      scope,
      eq(metricRollups.granularity, interval),
      gte(metricRollups.periodStart, a),
      lt(metricRollups.periodStart, b),
    );
  const rows = await deps.db
    .select({ periodStart: metricRollups.periodStart, ...sumColumns })
    .from(metricRollups)
    .where(inRange(previousFrom, last))
    .groupBy(metricRollups.periodStart);
  // Followers are a level: per period, the sum over channels of each one's most seen.
  const followerRows = await deps.db
    .select({
      periodStart: metricRollups.periodStart,
      followers: sql<string>`coalesce(sum(${metricRollups.followers}), 0)`,
    })
    .from(metricRollups)
    .where(
      and(
        eq(metricRollups.workspaceId, workspaceId),
        eq(metricRollups.scope, 'channel'),
        options.channelId ? eq(metricRollups.scopeId, options.channelId) : undefined,
        eq(metricRollups.granularity, interval),
        gte(metricRollups.periodStart, previousFrom),
        lt(metricRollups.periodStart, last),
      ),
    )
    .groupBy(metricRollups.periodStart);
  const followersAt = new Map(followerRows.map((r) => [r.periodStart.getTime(), Number(r.followers)]));
  const byStart = new Map(
    rows.map((r) => [r.periodStart.getTime(), toSums(r, followersAt.get(r.periodStart.getTime()) ?? 0)]),
  );

  const empty = (): Sums =>
    toSums(Object.fromEntries(Object.keys(sumColumns).map((k) => [k, 0])) as never, 0);
  const add = (a: Sums, b: Sums): Sums => {
    const out = { ...a };
    for (const k of Object.keys(a) as (keyof Sums)[])
      out[k] = k === 'followers' ? Math.max(a[k], b[k]) : a[k] + b[k];
    return out;
  };
  let current = empty();
  let previous = empty();
  for (const [start, sums] of byStart) {
    if (start >= first.getTime()) current = add(current, sums);
    else previous = add(previous, sums);
  }
  return {
    interval,
    timeZone: settings.timeZone,
    weekStartsOn: settings.weekStartsOn,
    from: first,
    to: last,
    channelId: options.channelId ?? null,
    totals: totalsOf(current),
    previous: { from: previousFrom, to: first, totals: totalsOf(previous) },
    series: periods.map((p) => ({
      start: p.start,
      end: p.end,
      label: p.label,
      ...totalsOf(byStart.get(p.start.getTime()) ?? empty()),
    })),
  };
}

export type Overview = Awaited<ReturnType<typeof getOverview>>;
