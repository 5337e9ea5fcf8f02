/**
 * Recomputes a workspace's roll-ups from its snapshots: needed when its calendar changes (time zone,
 * first day of the week), since every period boundary moves. Runs in the caller's transaction.
 */
import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { metricRollups, metricSnapshots, trackedPosts } from '../../db/schema.ts';
import type { AnalyticsSettings } from './analytics-settings.ts';
import { addToRollups, incrementFor, postIncrement } from './record-snapshot.ts';

export async function rebuildRollups(
  tx: Tx,
  options: { workspaceId: string; settings: AnalyticsSettings },
): Promise<{ snapshots: number }> {
  await tx.delete(metricRollups).where(eq(metricRollups.workspaceId, options.workspaceId));
  const posts = await tx
    .select({ id: trackedPosts.id, channelId: trackedPosts.channelId, publishedAt: trackedPosts.publishedAt })
    .from(trackedPosts)
    .where(eq(trackedPosts.workspaceId, options.workspaceId));
  const snapshots = await tx
    .select()
    .from(metricSnapshots)
    .where(eq(metricSnapshots.workspaceId, options.workspaceId))
    .orderBy(asc(metricSnapshots.trackedPostId), asc(metricSnapshots.takenAt));
  const byPost = Map.groupBy(snapshots, (s) => s.trackedPostId);
  for (const post of posts) {
    const series = byPost.get(post.id) ?? [];
    if (!series.length) continue;
    const increments = series.map((s, i) => ({
      at: s.takenAt,
      increment: incrementFor(s, series[i - 1] ?? null),
    }));
    increments.push({ at: post.publishedAt, increment: postIncrement() });
    await addToRollups(tx, {
      workspaceId: options.workspaceId,
      channelId: post.channelId,
      settings: options.settings,
      increments,
    });
  }
  return { snapshots: snapshots.length };
}
