/** A post as the API shows it: with its targets, each with its attempt log. */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { channels, postMedia, posts, postTargets, publishAttempts } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import type { PostView } from './posts.schemas.ts';

type PostRow = typeof posts.$inferSelect;

/** Shapes posts with their targets; attempt logs only when asked (the list view leaves them out). */
export async function viewPosts(
  db: Queryable,
  rows: PostRow[],
  options: { attempts: boolean },
): Promise<PostView[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const targets = await db
    .select({ target: postTargets, channelName: channels.name })
    .from(postTargets)
    .innerJoin(channels, eq(channels.id, postTargets.channelId))
    .where(inArray(postTargets.postId, ids))
    .orderBy(asc(postTargets.createdAt), asc(postTargets.id));
  const mediaRows = await db
    .select()
    .from(postMedia)
    .where(inArray(postMedia.postId, ids))
    .orderBy(asc(postMedia.position));
  const attempts =
    options.attempts && targets.length
      ? await db
          .select()
          .from(publishAttempts)
          .where(
            inArray(
              publishAttempts.targetId,
              targets.map((t) => t.target.id),
            ),
          )
          .orderBy(desc(publishAttempts.startedAt))
      : [];
  return rows.map((post) => ({
    id: post.id,
    title: post.title,
    content: post.content,
    contentType: post.contentType,
    status: post.status,
    scheduledAt: post.scheduledAt,
    timezone: post.timezone,
    publishedAt: post.publishedAt,
    priority: post.priority,
    hashtags: post.hashtags,
    mentions: post.mentions,
    mediaIds: mediaRows.filter((m) => m.postId === post.id).map((m) => m.mediaId),
    targetCount: post.targetCount,
    publishedCount: post.publishedCount,
    failedCount: post.failedCount,
    authorId: post.authorId,
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
    targets: targets
      .filter((t) => t.target.postId === post.id)
      .map(({ target: t, channelName }) => ({
        id: t.id,
        channelId: t.channelId,
        channelName,
        platform: t.platform,
        status: t.status,
        contentOverride: t.contentOverride,
        mediaOverride: t.mediaOverride ?? null,
        options: t.options,
        scheduledAt: t.scheduledAt,
        nextAttemptAt: t.nextAttemptAt,
        attempts: t.attempts,
        maxAttempts: t.maxAttempts,
        remoteId: t.remoteId,
        remoteUrl: t.remoteUrl,
        remotePartIds: t.remotePartIds,
        publishedAt: t.publishedAt,
        errorCode: t.errorCode,
        errorMessage: t.errorMessage,
        attemptsLog: attempts
          .filter((a) => a.targetId === t.id)
          .map((a) => ({
            id: a.id,
            attemptNumber: a.attemptNumber,
            startedAt: a.startedAt,
            finishedAt: a.finishedAt,
            durationMs: a.durationMs,
            outcome: a.outcome,
            errorCode: a.errorCode,
            errorMessage: a.errorMessage,
            workerId: a.workerId,
            rateLimit: a.rateLimit ?? null,
          })),
      })),
  }));
}

export async function getPost(
  db: Queryable,
  options: { workspaceId: string; postId: string },
): Promise<PostView> {
  const [row] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.workspaceId, options.workspaceId), eq(posts.id, options.postId)));
  if (!row) throw notFound('post');
  const [view] = await viewPosts(db, [row], { attempts: true });
  return view!;
}
