/**
 * Best times to post, from the workspace's own history: for each weekday × hour of its calendar
 * (when posts were published, in the workspace's time zone), the median engagement rate of the
 * posts published then and how many there were. Rates with different denominators do not mix: the
 * heatmap uses impressions-based rates when any post has one, else followers-based rates.
 *
 * `nextBestSlot` is the next hour, from now, in the best cells (best median first) with no post
 * of the workspace already scheduled in it.
 */
import { and, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import { Temporal } from 'temporal-polyfill';
import { rowsOf } from '../../db/client.ts';
import { postTargets, type RateDenominator, trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';

type Cell = { weekday: number; hour: number; posts: number; medianRate: number };

export async function getBestTimes(
  deps: Deps,
  options: { workspaceId: string; channelId?: string | undefined },
) {
  const settings = await getAnalyticsSettings(deps.db, options.workspaceId);
  const where = and(
    eq(trackedPosts.workspaceId, options.workspaceId),
    options.channelId ? eq(trackedPosts.channelId, options.channelId) : undefined,
    isNotNull(trackedPosts.latestEngagementRate),
  );
  const [kinds] = await deps.db
    .select({
      impressions: sql<number>`count(*) filter (where ${trackedPosts.latestRateDenominator} = 'impressions')`,
    })
    .from(trackedPosts)
    .where(where);
  const denominator: RateDenominator = Number(kinds?.impressions ?? 0) > 0 ? 'impressions' : 'followers';
  const local = sql`(${trackedPosts.publishedAt} at time zone ${settings.timeZone})`;
  const result = await deps.db.execute(sql`
    select extract(isodow from ${local})::int as weekday, extract(hour from ${local})::int as hour,
           count(*)::int as posts,
           percentile_cont(0.5) within group (order by ${trackedPosts.latestEngagementRate}) as median
    from ${trackedPosts}
    where ${where} and ${trackedPosts.latestRateDenominator} = ${denominator}
    group by 1, 2 order by 1, 2`);
  const cells: Cell[] = rowsOf<{ weekday: number; hour: number; posts: number; median: number }>(result).map(
    (r) => ({
      weekday: Number(r.weekday),
      hour: Number(r.hour),
      posts: Number(r.posts),
      medianRate: Number(r.median),
    }),
  );
  return {
    timeZone: settings.timeZone,
    denominator: cells.length ? denominator : null,
    cells,
    nextBestSlot: await nextBestSlot(deps, {
      workspaceId: options.workspaceId,
      timeZone: settings.timeZone,
      cells,
    }),
  };
}

async function nextBestSlot(deps: Deps, options: { workspaceId: string; timeZone: string; cells: Cell[] }) {
  const best = [...options.cells].sort((a, b) => b.medianRate - a.medianRate).slice(0, 5);
  if (!best.length) return null;
  const now = Temporal.Instant.fromEpochMilliseconds(deps.clock.now().getTime()).toZonedDateTimeISO(
    options.timeZone,
  );
  const candidates = best
    .flatMap((cell) =>
      [0, 1].map((week) => {
        const date = now.toPlainDate().add({ days: ((cell.weekday - now.dayOfWeek + 7) % 7) + week * 7 });
        const start = date.toZonedDateTime({ timeZone: options.timeZone, plainTime: { hour: cell.hour } });
        return { cell, start: new Date(start.epochMilliseconds) };
      }),
    )
    .filter((c) => c.start > deps.clock.now())
    .sort((a, b) => b.cell.medianRate - a.cell.medianRate || a.start.getTime() - b.start.getTime());
  if (!candidates.length) return null;
  const first = candidates.reduce((a, c) => (c.start < a ? c.start : a), candidates[0]!.start);
  const last = new Date(Math.max(...candidates.map((c) => c.start.getTime())) + 3600_000);
  const taken = await deps.db
    .select({ at: postTargets.scheduledAt })
    .from(postTargets)
    .where(
      and(
        eq(postTargets.workspaceId, options.workspaceId),
        inArray(postTargets.status, ['scheduled', 'retrying', 'deferred']),
        gte(postTargets.scheduledAt, first),
        lt(postTargets.scheduledAt, last),
      ),
    );
  const busy = (start: Date) =>
    taken.some((t) => t.at && t.at >= start && t.at.getTime() < start.getTime() + 3600_000);
  const free = candidates.find((c) => !busy(c.start));
  return free
    ? { at: free.start, weekday: free.cell.weekday, hour: free.cell.hour, medianRate: free.cell.medianRate }
    : null;
}
