/**
 * Edits a post. Changes reach only targets that have not gone out; adding a channel adds a target
 * (scheduled with the post when it is scheduled), removing one removes its target and job. When the
 * post is scheduled, the edited content is validated again before anything is saved, and a new time
 * moves every pending job — all in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { postMedia, posts, postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { cancelJob } from '../publishing/enqueue.ts';
import { contentHash } from './create-post.ts';
import { findPostForUpdate, RESCHEDULABLE } from './find-post-for-update.ts';
import { getPost } from './get-post.ts';
import { extractTags, loadChannels, loadMedia } from './load-post-parts.ts';
import type { PostPatch, PostView } from './posts.schemas.ts';
import { resolveWhen } from './resolve-when.ts';
import { scheduleInTransaction } from './schedule-post.ts';

export async function updatePost(
  deps: Deps,
  options: { workspaceId: string; postId: string; patch: PostPatch },
): Promise<PostView> {
  const { patch } = options;
  const when = resolveWhen(deps.clock, patch);
  await deps.db.transaction(async (tx) => {
    const { post, targets } = await findPostForUpdate(tx, options);
    const pending = targets.filter((t) => RESCHEDULABLE.includes(t.status));
    const touchesContent =
      patch.content !== undefined ||
      patch.title !== undefined ||
      patch.mediaIds !== undefined ||
      patch.overrides !== undefined;
    if (touchesContent && targets.length && !pending.length) {
      throw new AppError(
        'conflict',
        'every target has gone out or is on its way; there is nothing left to edit',
      );
    }

    const content = patch.content ?? post.content;
    const title = patch.title === undefined ? post.title : patch.title;
    const postValues: Partial<typeof posts.$inferInsert> = {};
    if (patch.content !== undefined || patch.title !== undefined) {
      Object.assign(postValues, {
        content,
        title,
        ...extractTags(content),
        contentHash: contentHash(title, content),
      });
    }
    if (patch.contentType) postValues.contentType = patch.contentType;
    if (patch.priority !== undefined) postValues.priority = patch.priority;
    if (Object.keys(postValues).length) await tx.update(posts).set(postValues).where(eq(posts.id, post.id));

    if (patch.mediaIds) {
      const mediaRows = await loadMedia(tx, options.workspaceId, patch.mediaIds);
      await tx.delete(postMedia).where(eq(postMedia.postId, post.id));
      if (mediaRows.length) {
        await tx
          .insert(postMedia)
          .values(mediaRows.map((m, position) => ({ postId: post.id, mediaId: m.id, position })));
      }
    }

    let current = targets;
    if (patch.channelIds) {
      const wanted = new Set(patch.channelIds);
      const removed = targets.filter((t) => !wanted.has(t.channelId));
      const stuck = removed.find((t) => !RESCHEDULABLE.includes(t.status));
      if (stuck) {
        throw new AppError(
          'conflict',
          `channelIds: the target on channel ${stuck.channelId} is ${stuck.status} and cannot be removed`,
        );
      }
      for (const t of removed) if (t.jobId) await cancelJob(deps, tx, t.jobId);
      if (removed.length)
        await tx.delete(postTargets).where(
          inArray(
            postTargets.id,
            removed.map((t) => t.id),
          ),
        );
      const have = new Set(targets.map((t) => t.channelId));
      const added = await loadChannels(
        tx,
        options.workspaceId,
        patch.channelIds.filter((id) => !have.has(id)),
      );
      const inserted = added.length
        ? await tx
            .insert(postTargets)
            .values(
              added.map((channel) => {
                const id = randomUUID();
                return {
                  id,
                  postId: post.id,
                  workspaceId: options.workspaceId,
                  channelId: channel.id,
                  platform: channel.platform,
                  status: 'draft' as const,
                  scheduledAt: post.scheduledAt,
                  priority: patch.priority ?? post.priority,
                  idempotencyKey: `herald-${id}`,
                };
              }),
            )
            .returning()
        : [];
      current = [...targets.filter((t) => wanted.has(t.channelId)), ...inserted];
    }

    if (patch.overrides) {
      for (const [channelId, override] of Object.entries(patch.overrides)) {
        const target = current.find((t) => t.channelId === channelId);
        if (!target)
          throw new AppError('invalid', `overrides.${channelId}: the post has no target on this channel`);
        if (!RESCHEDULABLE.includes(target.status)) {
          throw new AppError(
            'conflict',
            `overrides.${channelId}: the target is ${target.status} and can no longer change`,
          );
        }
        if (override.mediaIds)
          await loadMedia(tx, options.workspaceId, override.mediaIds, `overrides.${channelId}.mediaIds`);
        await tx
          .update(postTargets)
          .set({
            contentOverride: override.content ?? null,
            mediaOverride: override.mediaIds ?? null,
            options: override.options ?? {},
          })
          .where(eq(postTargets.id, target.id));
      }
    }

    // A scheduled post stays scheduled (at the new time if one was given), re-validated as edited.
    const refreshedPost = (await tx.select().from(posts).where(eq(posts.id, post.id)))[0]!;
    const refreshedTargets = await tx.select().from(postTargets).where(eq(postTargets.postId, post.id));
    const wasScheduled = targets.some((t) => ['scheduled', 'retrying', 'deferred'].includes(t.status));
    const schedule =
      when ??
      (wasScheduled && refreshedPost.scheduledAt
        ? { at: laterOf(refreshedPost.scheduledAt, deps.clock.now()), timezone: refreshedPost.timezone }
        : null);
    if (
      schedule &&
      refreshedTargets.some(
        (t) => RESCHEDULABLE.includes(t.status) && t.status !== 'cancelled' && t.status !== 'missed',
      )
    ) {
      await scheduleInTransaction(deps, tx, {
        workspaceId: options.workspaceId,
        post: refreshedPost,
        targets: refreshedTargets.filter((t) => t.status !== 'cancelled' && t.status !== 'missed'),
        when: schedule,
      });
    }
  });
  return getPost(deps.db, options);
}

const laterOf = (a: Date, b: Date) => (a > b ? a : b);
