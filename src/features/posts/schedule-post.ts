/**
 * Schedules (or reschedules, or publishes now) a post's targets that have not gone out. Old jobs are
 * cancelled and new ones created in one transaction; a target already published or publishing is
 * left alone.
 */
import { asc, eq } from 'drizzle-orm';
import type { Queryable, Tx } from '../../db/client.ts';
import { postMedia, posts, postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { enqueueTarget } from '../publishing/enqueue.ts';
import { findPostForUpdate, RESCHEDULABLE } from './find-post-for-update.ts';
import { getPost } from './get-post.ts';
import { loadChannels, loadMedia, rejectIssues, validateTargets } from './load-post-parts.ts';
import type { PostView } from './posts.schemas.ts';
import { resolveWhen } from './resolve-when.ts';

export async function schedulePost(
  deps: Deps,
  options: {
    workspaceId: string;
    postId: string;
    scheduledAt?: string | undefined;
    schedule?: { localTime: string; timezone: string } | undefined;
    publishNow?: boolean | undefined;
  },
): Promise<PostView> {
  const when = resolveWhen(deps.clock, options);
  if (!when) throw new AppError('invalid', 'scheduledAt: give scheduledAt or schedule (or use publish-now)');
  await deps.db.transaction(async (tx) => {
    const { post, targets } = await findPostForUpdate(tx, options);
    await scheduleInTransaction(deps, tx, { workspaceId: options.workspaceId, post, targets, when });
  });
  return getPost(deps.db, options);
}

/** Validates and (re)schedules a locked post's pending targets inside the caller's transaction. */
export async function scheduleInTransaction(
  deps: Deps,
  tx: Tx,
  options: {
    workspaceId: string;
    post: typeof posts.$inferSelect;
    targets: (typeof postTargets.$inferSelect)[];
    when: { at: Date; timezone: string | null };
  },
): Promise<void> {
  const { post, targets, when } = options;
  const movable = targets.filter((t) => RESCHEDULABLE.includes(t.status));
  if (!movable.length) {
    throw new AppError(
      'conflict',
      targets.length
        ? `no target of this post can be scheduled: they are ${[...new Set(targets.map((t) => t.status))].join(', ')}`
        : 'the post has no channels: add channelIds first',
    );
  }
  const channelRows = await loadChannels(
    tx,
    options.workspaceId,
    movable.map((t) => t.channelId),
  );
  const mediaRows = await loadMedia(tx, options.workspaceId, await postMediaIds(tx, post.id));
  const overrideMedia = await loadMedia(
    tx,
    options.workspaceId,
    movable.flatMap((t) => t.mediaOverride ?? []),
  );
  rejectIssues(
    validateTargets(deps, {
      title: post.title,
      content: post.content,
      media: mediaRows,
      channels: channelRows,
      overrides: Object.fromEntries(
        movable.map((t) => [
          t.channelId,
          {
            content: t.contentOverride ?? undefined,
            mediaIds: t.mediaOverride ?? undefined,
            options: t.options,
          },
        ]),
      ),
      mediaById: new Map([...mediaRows, ...overrideMedia].map((m) => [m.id, m])),
    }),
  );
  await tx.update(posts).set({ scheduledAt: when.at, timezone: when.timezone }).where(eq(posts.id, post.id));
  for (const target of movable) {
    await tx
      .update(postTargets)
      .set({ scheduledAt: when.at, attempts: 0, errorCode: null, errorMessage: null, publishState: null })
      .where(eq(postTargets.id, target.id));
    await enqueueTarget(deps, tx, {
      targetId: target.id,
      at: when.at,
      priority: post.priority,
      status: 'scheduled',
      previousJobId: target.jobId,
    });
  }
}

export async function postMediaIds(tx: Queryable, postId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: postMedia.mediaId })
    .from(postMedia)
    .where(eq(postMedia.postId, postId))
    .orderBy(asc(postMedia.position));
  return rows.map((r) => r.id);
}
