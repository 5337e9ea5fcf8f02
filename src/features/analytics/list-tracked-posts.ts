/** Tracked posts with their latest figures and next check; untracking one. */
import { and, desc, eq, lt } from 'drizzle-orm';
import { channels, postTargets, trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { jobDb, queues } from '../../queue/boss.ts';
import { snapshotsOf, trackedPostView } from './tracked-post-view.ts';

export async function listTrackedPosts(
  deps: Deps,
  options: {
    workspaceId: string;
    source?: 'published' | 'external' | undefined;
    limit: number;
    before?: Date | undefined;
  },
) {
  const rows = await deps.db
    .select({
      trackedPost: trackedPosts,
      platform: channels.platform,
      channelName: channels.name,
      postId: postTargets.postId,
    })
    .from(trackedPosts)
    .innerJoin(channels, eq(channels.id, trackedPosts.channelId))
    .leftJoin(postTargets, eq(postTargets.id, trackedPosts.targetId))
    .where(
      and(
        eq(trackedPosts.workspaceId, options.workspaceId),
        options.source ? eq(trackedPosts.source, options.source) : undefined,
        options.before ? lt(trackedPosts.publishedAt, options.before) : undefined,
      ),
    )
    .orderBy(desc(trackedPosts.publishedAt))
    .limit(options.limit);
  const snapshots = await snapshotsOf(
    deps.db,
    rows.map((r) => r.trackedPost.id),
  );
  return rows.map((r) => {
    const view = trackedPostView(r.trackedPost, snapshots.get(r.trackedPost.id) ?? [], {
      platform: r.platform,
      postId: r.postId,
    });
    const { snapshots: series, ...rest } = view;
    return { ...rest, channelName: r.channelName, latestSnapshot: series.at(-1) ?? null };
  });
}

/** Stops checking a tracked post; its snapshots (and what they added to the roll-ups) stay. */
export async function untrackPost(
  deps: Deps,
  options: { workspaceId: string; trackedPostId: string },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(trackedPosts)
      .where(
        and(eq(trackedPosts.id, options.trackedPostId), eq(trackedPosts.workspaceId, options.workspaceId)),
      )
      .for('update');
    if (!row) throw notFound('tracked post');
    if (row.jobId) await deps.queue.cancel(queues.metricsCheck, row.jobId, { db: jobDb(tx) }).catch(() => {});
    if (row.trackingComplete) return;
    await tx
      .update(trackedPosts)
      .set({ trackingComplete: true, stopReason: 'untracked', nextCheckAt: null, jobId: null })
      .where(eq(trackedPosts.id, row.id));
  });
}
