/**
 * Stores one snapshot and folds it into the roll-ups, in the caller's transaction (which holds the
 * tracked post's row lock, so one post's snapshots are recorded one at a time, in order).
 *
 * A roll-up period gains the *delta* between this snapshot and the post's previous one — never the
 * cumulative counter itself — so summing periods gives what was gained over them. A counter that
 * goes down (unlikes, deleted comments, a platform correcting itself) gives a negative delta: it is
 * kept, not clamped, so the sum of all periods always equals the latest figure. A figure the
 * platform stops reporting adds nothing. The first snapshot also counts the post in the period it
 * was published in.
 */
import { desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { granularities, metricRollups, metricSnapshots, trackedPosts } from '../../db/schema.ts';
import type { PostMetrics } from '../../platforms/types.ts';
import type { AnalyticsSettings } from './analytics-settings.ts';
import { engagementOf, engagementRate } from './engagement.ts';
import { periodOf } from './periods.ts';

type TrackedPost = typeof trackedPosts.$inferSelect;
type Snapshot = typeof metricSnapshots.$inferSelect;

const FIELDS = ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks'] as const;
type Field = (typeof FIELDS)[number];

const num = (v: number | null | undefined) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null;

/** current − previous for a figure; a figure missing now adds nothing. */
function delta(current: number | null, previous: number | null): number {
  if (current === null) return 0;
  return current - (previous ?? 0);
}

type RollupIncrement = {
  posts: number;
  snapshots: number;
  fields: Record<Field, number>;
  engagementByImpressions: number;
  impressionsDenominator: number;
  engagementByFollowers: number;
  followers: number | null;
};

const zero = (): RollupIncrement => ({
  posts: 0,
  snapshots: 0,
  fields: { impressions: 0, reach: 0, likes: 0, comments: 0, shares: 0, saves: 0, clicks: 0 },
  engagementByImpressions: 0,
  impressionsDenominator: 0,
  engagementByFollowers: 0,
  followers: null,
});

/** Adds increments to the rows of every granularity, for the channel and for the workspace. */
export async function addToRollups(
  tx: Tx,
  options: {
    workspaceId: string;
    channelId: string;
    settings: AnalyticsSettings;
    /** Each increment lands in the periods containing its instant. */
    increments: { at: Date; increment: RollupIncrement }[];
  },
): Promise<void> {
  const rows = new Map<string, typeof metricRollups.$inferInsert>();
  for (const { at, increment } of options.increments) {
    for (const granularity of granularities) {
      const period = periodOf(at, granularity, options.settings);
      for (const scope of ['channel', 'workspace'] as const) {
        const scopeId = scope === 'channel' ? options.channelId : options.workspaceId;
        const key = `${scopeId}|${granularity}|${period.start.toISOString()}`;
        const row = rows.get(key) ?? {
          scope,
          scopeId,
          workspaceId: options.workspaceId,
          granularity,
          periodStart: period.start,
          periodEnd: period.end,
          label: period.label,
          posts: 0,
          snapshots: 0,
          impressions: 0,
          reach: 0,
          likes: 0,
          comments: 0,
          shares: 0,
          saves: 0,
          clicks: 0,
          engagementByImpressions: 0,
          impressionsDenominator: 0,
          engagementByFollowers: 0,
          followers: null,
        };
        row.posts! += increment.posts;
        row.snapshots! += increment.snapshots;
        for (const f of FIELDS) row[f] = row[f]! + increment.fields[f];
        row.engagementByImpressions! += increment.engagementByImpressions;
        row.impressionsDenominator! += increment.impressionsDenominator;
        row.engagementByFollowers! += increment.engagementByFollowers;
        // Followers are a level, not a gain: the channel row keeps the most seen in the period.
        if (scope === 'channel' && increment.followers !== null) {
          row.followers = Math.max(row.followers ?? 0, increment.followers);
        }
        rows.set(key, row);
      }
    }
  }
  if (!rows.size) return;
  await tx
    .insert(metricRollups)
    .values([...rows.values()])
    .onConflictDoUpdate({
      target: [metricRollups.scopeId, metricRollups.granularity, metricRollups.periodStart],
      set: {
        posts: sql`${metricRollups.posts} + excluded.posts`,
        snapshots: sql`${metricRollups.snapshots} + excluded.snapshots`,
        impressions: sql`${metricRollups.impressions} + excluded.impressions`,
        reach: sql`${metricRollups.reach} + excluded.reach`,
        likes: sql`${metricRollups.likes} + excluded.likes`,
        comments: sql`${metricRollups.comments} + excluded.comments`,
        shares: sql`${metricRollups.shares} + excluded.shares`,
        saves: sql`${metricRollups.saves} + excluded.saves`,
        clicks: sql`${metricRollups.clicks} + excluded.clicks`,
        engagementByImpressions: sql`${metricRollups.engagementByImpressions} + excluded.engagement_by_impressions`,
        impressionsDenominator: sql`${metricRollups.impressionsDenominator} + excluded.impressions_denominator`,
        engagementByFollowers: sql`${metricRollups.engagementByFollowers} + excluded.engagement_by_followers`,
        followers: sql`greatest(${metricRollups.followers}, excluded.followers)`,
      },
    });
}

/** A post counted in the period it was published in (with its first snapshot). */
export const postIncrement = (): RollupIncrement => ({ ...zero(), posts: 1 });

/** What a snapshot adds to the roll-ups, given the post's previous snapshot. */
export function incrementFor(current: Snapshot, previous: Snapshot | null): RollupIncrement {
  const increment = zero();
  increment.snapshots = 1;
  for (const f of FIELDS) increment.fields[f] = delta(current[f], previous?.[f] ?? null);
  const engagement = engagementOf(current) - (previous ? engagementOf(previous) : 0);
  if (current.impressions !== null) {
    increment.engagementByImpressions = engagement;
    increment.impressionsDenominator = increment.fields.impressions;
  } else {
    increment.engagementByFollowers = engagement;
  }
  increment.followers = current.followers;
  return increment;
}

export async function recordSnapshot(
  tx: Tx,
  options: {
    trackedPost: TrackedPost;
    settings: AnalyticsSettings;
    takenAt: Date;
    kind: 'scheduled' | 'manual';
    checkIndex: number | null;
    metrics: PostMetrics;
    followers: number | null;
  },
): Promise<Snapshot> {
  const { trackedPost: post, metrics } = options;
  const [previous] = await tx
    .select()
    .from(metricSnapshots)
    .where(eq(metricSnapshots.trackedPostId, post.id))
    .orderBy(desc(metricSnapshots.takenAt))
    .limit(1);
  const raw = metrics.raw ?? null;
  const watch = raw && typeof raw.watchSeconds === 'number' ? raw.watchSeconds : null;
  const [snapshot] = await tx
    .insert(metricSnapshots)
    .values({
      trackedPostId: post.id,
      workspaceId: post.workspaceId,
      channelId: post.channelId,
      takenAt: options.takenAt,
      kind: options.kind,
      checkIndex: options.checkIndex,
      impressions: num(metrics.impressions),
      reach: num(metrics.reach),
      likes: num(metrics.likes),
      comments: num(metrics.comments),
      shares: num(metrics.shares),
      saves: num(metrics.saves),
      clicks: num(metrics.clicks),
      watchSeconds: num(watch),
      followers: options.followers,
      raw,
    })
    .returning();
  const increments = [{ at: options.takenAt, increment: incrementFor(snapshot!, previous ?? null) }];
  if (!previous) increments.push({ at: post.publishedAt, increment: postIncrement() });
  await addToRollups(tx, {
    workspaceId: post.workspaceId,
    channelId: post.channelId,
    settings: options.settings,
    increments,
  });
  const rate = engagementRate(snapshot!, snapshot!.followers);
  await tx
    .update(trackedPosts)
    .set({
      latestImpressions: snapshot!.impressions,
      latestEngagement: engagementOf(snapshot!),
      latestEngagementRate: rate?.rate ?? null,
      latestRateDenominator: rate?.denominatorKind ?? null,
    })
    .where(eq(trackedPosts.id, post.id));
  return snapshot!;
}
