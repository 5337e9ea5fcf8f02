/**
 * Starts following a remote post on the check-back schedule, in the caller's transaction: the
 * publish that produced it (settle-target), or a member tracking a post by URL. The first check's
 * job is created in that same transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Tx } from '../../db/client.ts';
import { trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';
import { checkDueTimes, firstCheckIndex } from './check-schedule.ts';
import { enqueueCheck } from './enqueue-check.ts';

export type StartTracking = {
  workspaceId: string;
  channelId: string;
  remoteId: string;
  remoteUrl: string | null;
  publishedAt: Date;
  /** The Herald target that published it; absent for posts tracked by URL. */
  targetId?: string | undefined;
  createdBy?: string | null | undefined;
  /** Offsets in minutes; the workspace's schedule when absent. */
  scheduleMinutes?: number[] | undefined;
};

/** Returns the tracked post's id, or null when that remote post is already tracked on the channel. */
export async function startTracking(deps: Deps, tx: Tx, options: StartTracking): Promise<string | null> {
  const offsetsMinutes =
    options.scheduleMinutes ?? (await getAnalyticsSettings(tx, options.workspaceId)).checkScheduleMinutes;
  const id = randomUUID();
  const now = deps.clock.now();
  const dueAt = checkDueTimes({ id, publishedAt: options.publishedAt, offsetsMinutes });
  const index = firstCheckIndex(dueAt, now);
  const inserted = await tx
    .insert(trackedPosts)
    .values({
      id,
      workspaceId: options.workspaceId,
      channelId: options.channelId,
      targetId: options.targetId ?? null,
      source: options.targetId ? 'published' : 'external',
      remoteId: options.remoteId,
      remoteUrl: options.remoteUrl,
      publishedAt: options.publishedAt,
      checkScheduleMinutes: offsetsMinutes,
      checkDueAt: dueAt,
      nextCheckIndex: index,
      trackingStartedAt: now,
      createdBy: options.createdBy ?? null,
    })
    // Already tracked (tracked by URL before Herald's own publish was recorded, say): keep the first.
    .onConflictDoNothing()
    .returning({ id: trackedPosts.id });
  if (!inserted.length) return null;
  const due = dueAt[index]!;
  await enqueueCheck(deps, tx, { trackedPostId: id, at: due > now ? due : now });
  return id;
}
