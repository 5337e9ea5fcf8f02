/** How a tracked post, its schedule and its snapshots are shown (API, CLI, web). */
import { asc, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { metricSnapshots, type trackedPosts } from '../../db/schema.ts';
import { formatScheduleEntry } from './check-schedule.ts';
import { engagementOf, engagementRate } from './engagement.ts';

type TrackedPost = typeof trackedPosts.$inferSelect;
type Snapshot = typeof metricSnapshots.$inferSelect;

export type CheckState = 'done' | 'passed' | 'next' | 'pending' | 'cancelled';

export function scheduleOf(post: TrackedPost, snapshots: Pick<Snapshot, 'checkIndex'>[]) {
  const taken = new Set(snapshots.map((s) => s.checkIndex));
  return post.checkScheduleMinutes.map((minutes, index) => {
    let state: CheckState;
    if (
      index < post.nextCheckIndex ||
      (post.stopReason === 'schedule_complete' && index <= post.nextCheckIndex)
    ) {
      state = taken.has(index) ? 'done' : 'passed';
    } else if (post.trackingComplete) state = 'cancelled';
    else state = index === post.nextCheckIndex ? 'next' : 'pending';
    return { after: formatScheduleEntry(minutes), dueAt: post.checkDueAt[index]!, state };
  });
}

export function snapshotView(s: Snapshot) {
  const rate = engagementRate(s, s.followers);
  return {
    id: s.id,
    takenAt: s.takenAt,
    kind: s.kind,
    checkIndex: s.checkIndex,
    impressions: s.impressions,
    reach: s.reach,
    likes: s.likes,
    comments: s.comments,
    shares: s.shares,
    saves: s.saves,
    clicks: s.clicks,
    watchSeconds: s.watchSeconds,
    followers: s.followers,
    engagement: engagementOf(s),
    engagementRate: rate ? { rate: rate.rate, denominator: rate.denominatorKind } : null,
  };
}

export function trackedPostView(
  post: TrackedPost,
  snapshots: Snapshot[],
  extra: { platform: string; postId: string | null },
) {
  return {
    id: post.id,
    source: post.source,
    postId: extra.postId,
    targetId: post.targetId,
    channelId: post.channelId,
    platform: extra.platform,
    remoteId: post.remoteId,
    remoteUrl: post.remoteUrl,
    publishedAt: post.publishedAt,
    trackingStartedAt: post.trackingStartedAt,
    checksCompleted: post.checksCompleted,
    nextCheckAt: post.trackingComplete ? null : post.nextCheckAt,
    trackingComplete: post.trackingComplete,
    stopReason: post.stopReason,
    lastCheckedAt: post.lastCheckedAt,
    lastError: post.lastError,
    latest: {
      impressions: post.latestImpressions,
      engagement: post.latestEngagement,
      engagementRate:
        post.latestEngagementRate !== null && post.latestRateDenominator
          ? { rate: post.latestEngagementRate, denominator: post.latestRateDenominator }
          : null,
    },
    schedule: scheduleOf(post, snapshots),
    snapshots: snapshots.map(snapshotView),
  };
}

export type TrackedPostView = ReturnType<typeof trackedPostView>;

/** Every snapshot of these tracked posts, oldest first, by post. */
export async function snapshotsOf(db: Queryable, ids: string[]): Promise<Map<string, Snapshot[]>> {
  const byPost = new Map<string, Snapshot[]>(ids.map((id) => [id, []]));
  if (!ids.length) return byPost;
  const rows = await db
    .select()
    .from(metricSnapshots)
    .where(inArray(metricSnapshots.trackedPostId, ids))
    .orderBy(asc(metricSnapshots.takenAt));
  for (const row of rows) byPost.get(row.trackedPostId)?.push(row);
  return byPost;
}
