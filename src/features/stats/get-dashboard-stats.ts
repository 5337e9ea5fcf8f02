import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import type { Deps } from '../../deps.ts';
import { dayWindow } from './day-window.ts';

export type GetDashboardStatsOptions = {
  workspaceId: string;
  /** A canonical IANA zone (see canonicalTimeZone): it decides where "today" starts. */
  timeZone: string;
};

export type PlatformStats = {
  platform: string;
  connectedChannels: number;
  scheduled: number;
  publishedToday: number;
  successRate: number | null;
  failed: number;
};

export type DashboardStats = {
  today: { timeZone: string; start: Date; end: Date };
  totalScheduled: number;
  publishedToday: number;
  successRate: number | null;
  failedPosts: number;
  failedTargets: number;
  unknownTargets: number;
  waitingReauthTargets: number;
  connectionsExpiringSoon: number;
  connectionsBroken: number;
  platforms: PlatformStats[];
};

/** A connection whose token expires this soon, and that cannot refresh itself, needs a person. */
export const EXPIRING_SOON_MS = 7 * 24 * 3600_000;

/**
 * Success as a percentage with one decimal, or null when nothing has finished yet. One definition,
 * for the workspace and for each platform alike, counted in channel posts (targets):
 * published / (published + failed + missed). A target in `unknown` is left out until
 * reconciliation says what happened; scheduled, retrying and cancelled targets have no outcome.
 * (Posts were counted before, so a post that reached two of three channels made the workspace
 * figure disagree with the per-platform one.)
 */
export function successRate(succeeded: number, finished: number): number | null {
  return finished > 0 ? Math.round((1000 * succeeded) / finished) / 10 : null;
}

type SummaryRow = {
  scheduled: number;
  published: number;
  partially_published: number;
  failed: number;
  published_today: number;
  failed_targets: number;
  published_targets: number;
  unknown_targets: number;
  waiting_reauth_targets: number;
  connections_expiring_soon: number;
  connections_broken: number;
  count_rows: number;
};

type PlatformRow = {
  platform: string;
  connected_channels: number;
  scheduled: number;
  published_today: number;
  published: number;
  failed: number;
};

/** Count rows a workspace may gather before a read folds them together (see migration 0012). */
export const COMPACT_COUNTS_AFTER = 500;

/**
 * The dashboard numbers (seed 000's "Dashboard Stats" and "Platform Stats", corrected) in two
 * queries. Counts by status come from the per-status counts the triggers of migration 0012 keep
 * (`post_status_counts`, `target_status_counts`), so they cost the same for ten posts or ten million;
 * "today" reads the few rows published today through the `published_at` indexes. Failed counts
 * include `missed` targets, as the post roll-up does.
 */
export async function getDashboardStats(
  deps: Deps,
  options: GetDashboardStatsOptions,
): Promise<DashboardStats> {
  const { workspaceId, timeZone } = options;
  const now = deps.clock.now();
  const { start, end } = dayWindow(now, timeZone);
  const expiringBefore = new Date(now.getTime() + EXPIRING_SOON_MS);

  const summaryQuery = deps.db.execute(sql`
    with post_counts as (
      select coalesce(sum(n) filter (where status = 'scheduled'), 0)::int as scheduled,
             coalesce(sum(n) filter (where status = 'published'), 0)::int as published,
             coalesce(sum(n) filter (where status = 'partially_published'), 0)::int as partially_published,
             coalesce(sum(n) filter (where status = 'failed'), 0)::int as failed,
             count(*)::int as post_count_rows
        from post_status_counts
       where workspace_id = ${workspaceId}
    ), published_today as (
      -- published_at is set by the roll-up only on published and partially published posts.
      select count(*)::int as published_today
        from posts
       where workspace_id = ${workspaceId}
         and published_at >= ${start.toISOString()}::timestamptz
         and published_at < ${end.toISOString()}::timestamptz
    ), target_counts as (
      select coalesce(sum(n) filter (where status in ('failed', 'missed')), 0)::int as failed_targets,
             coalesce(sum(n) filter (where status = 'published'), 0)::int as published_targets,
             coalesce(sum(n) filter (where status = 'unknown'), 0)::int as unknown_targets,
             coalesce(sum(n) filter (where status = 'waiting_reauth'), 0)::int as waiting_reauth_targets,
             count(*)::int as target_count_rows
        from target_status_counts
       where workspace_id = ${workspaceId}
    ), connection_counts as (
      -- "Expiring soon": still active, no refresh token to renew it with, and expiring within the
      -- window (or already past it). Tokens that refresh themselves are not a person's problem until
      -- a refresh fails, and then the connection's status says so: that is "broken".
      select count(*) filter (where status = 'active' and refresh_token is null
                                and token_expires_at < ${expiringBefore.toISOString()}::timestamptz)::int
               as connections_expiring_soon,
             count(*) filter (where status <> 'active')::int as connections_broken
        from connections
       where workspace_id = ${workspaceId}
    )
    select post_counts.*, published_today.*, target_counts.*, connection_counts.*,
           post_count_rows + target_count_rows as count_rows
      from post_counts, published_today, target_counts, connection_counts`);

  const platformsQuery = deps.db.execute(sql`
    with channel_counts as (
      select ch.platform,
             count(*) filter (where ch.is_active and c.status = 'active')::int as connected_channels
        from channels ch
        join connections c on c.id = ch.connection_id
       where ch.workspace_id = ${workspaceId}
       group by ch.platform
    ), target_counts as (
      select platform,
             coalesce(sum(n) filter (where status in ('scheduled', 'retrying', 'deferred')), 0)::int as scheduled,
             coalesce(sum(n) filter (where status = 'published'), 0)::int as published,
             coalesce(sum(n) filter (where status in ('failed', 'missed')), 0)::int as failed
        from target_status_counts
       where workspace_id = ${workspaceId}
       group by platform
      having sum(n) > 0
    ), published_today as (
      select platform, count(*)::int as published_today
        from post_targets
       where workspace_id = ${workspaceId}
         and published_at >= ${start.toISOString()}::timestamptz
         and published_at < ${end.toISOString()}::timestamptz
         and status = 'published'
       group by platform
    )
    select coalesce(cc.platform, tc.platform) as platform,
           coalesce(cc.connected_channels, 0) as connected_channels,
           coalesce(tc.scheduled, 0) as scheduled,
           coalesce(pt.published_today, 0) as published_today,
           coalesce(tc.published, 0) as published,
           coalesce(tc.failed, 0) as failed
      from channel_counts cc
      full join target_counts tc on tc.platform = cc.platform
      left join published_today pt on pt.platform = coalesce(cc.platform, tc.platform)
     order by 1`);

  const [summaryResult, platformsResult] = await Promise.all([summaryQuery, platformsQuery]);
  const s = rowsOf<SummaryRow>(summaryResult)[0]!;
  if (s.count_rows > COMPACT_COUNTS_AFTER) {
    await deps.db.execute(sql`select herald_compact_status_counts(${workspaceId})`);
  }
  return {
    today: { timeZone, start, end },
    totalScheduled: s.scheduled,
    publishedToday: s.published_today,
    successRate: successRate(s.published_targets, s.published_targets + s.failed_targets),
    failedPosts: s.failed,
    failedTargets: s.failed_targets,
    unknownTargets: s.unknown_targets,
    waitingReauthTargets: s.waiting_reauth_targets,
    connectionsExpiringSoon: s.connections_expiring_soon,
    connectionsBroken: s.connections_broken,
    platforms: rowsOf<PlatformRow>(platformsResult).map((p) => ({
      platform: p.platform,
      connectedChannels: p.connected_channels,
      scheduled: p.scheduled,
      publishedToday: p.published_today,
      successRate: successRate(p.published, p.published + p.failed),
      failed: p.failed,
    })),
  };
}
