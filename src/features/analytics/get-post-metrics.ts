/**
 * A post's metrics: for each of its published targets, the check-back schedule (done / next) and
 * every snapshot. Also answers for a tracked post's own id (posts tracked by URL have no Herald post).
 */
import { and, asc, eq, or } from 'drizzle-orm';
import { channels, postTargets, trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { runCheck } from './run-check.ts';
import { snapshotsOf, type TrackedPostView, trackedPostView } from './tracked-post-view.ts';

export async function loadTrackedPosts(deps: Deps, options: { workspaceId: string; id: string }) {
  return deps.db
    .select({ trackedPost: trackedPosts, platform: channels.platform, postId: postTargets.postId })
    .from(trackedPosts)
    .innerJoin(channels, eq(channels.id, trackedPosts.channelId))
    .leftJoin(postTargets, eq(postTargets.id, trackedPosts.targetId))
    .where(
      and(
        eq(trackedPosts.workspaceId, options.workspaceId),
        or(eq(postTargets.postId, options.id), eq(trackedPosts.id, options.id)),
      ),
    )
    .orderBy(asc(channels.platform), asc(trackedPosts.createdAt));
}

export async function getPostMetrics(
  deps: Deps,
  options: { workspaceId: string; postId: string },
): Promise<{ postId: string; tracked: TrackedPostView[] }> {
  const rows = await loadTrackedPosts(deps, { workspaceId: options.workspaceId, id: options.postId });
  if (!rows.length) {
    // A post of this workspace that nothing published yet has no metrics, which is not an error.
    const [target] = await deps.db
      .select({ id: postTargets.id })
      .from(postTargets)
      .where(and(eq(postTargets.postId, options.postId), eq(postTargets.workspaceId, options.workspaceId)))
      .limit(1);
    if (!target) throw notFound('post');
    return { postId: options.postId, tracked: [] };
  }
  const snapshots = await snapshotsOf(
    deps.db,
    rows.map((r) => r.trackedPost.id),
  );
  return {
    postId: options.postId,
    tracked: rows.map((r) =>
      trackedPostView(r.trackedPost, snapshots.get(r.trackedPost.id) ?? [], {
        platform: r.platform,
        postId: r.postId,
      }),
    ),
  };
}

/** Takes a snapshot of each of the post's tracked targets now (the same rules as a scheduled check). */
export async function refreshPostMetrics(deps: Deps, options: { workspaceId: string; postId: string }) {
  const rows = await loadTrackedPosts(deps, { workspaceId: options.workspaceId, id: options.postId });
  if (!rows.length) throw notFound('tracked post');
  for (const row of rows) await runCheck(deps, { trackedPostId: row.trackedPost.id, kind: 'manual' });
  return getPostMetrics(deps, options);
}
