/** Reading and deleting sandbox posts, and their wire shape. */
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { sandboxAccounts, sandboxMedia, sandboxPosts } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { mediaUrl, type SandboxMedia } from './media.ts';

export type SandboxPost = typeof sandboxPosts.$inferSelect;

export const LIST_LIMIT = 50;

export const postUrl = (base: string, username: string, id: string) => `${base}/@${username}/posts/${id}`;

export function describePost(
  post: SandboxPost,
  context: { base: string; username: string; media: Map<string, SandboxMedia> },
) {
  return {
    id: post.id,
    url: postUrl(context.base, context.username, post.id),
    text: post.text,
    media_ids: post.mediaIds,
    media: post.mediaIds.flatMap((id) => {
      const m = context.media.get(id);
      return m ? [{ id, url: mediaUrl(context.base, id), mime_type: m.mimeType, alt_text: m.altText }] : [];
    }),
    reply_to_id: post.replyToId,
    idempotency_key: post.idempotencyKey,
    created_at: post.createdAt.toISOString(),
    deleted_at: post.deletedAt?.toISOString() ?? null,
  };
}

export type PostReply = ReturnType<typeof describePost>;

/** The media rows (without bytes) the posts refer to, in one query. */
export async function mediaOf(deps: Deps, posts: SandboxPost[]): Promise<Map<string, SandboxMedia>> {
  const ids = [...new Set(posts.flatMap((p) => p.mediaIds))];
  if (!ids.length) return new Map();
  const rows = await deps.db
    .select({
      id: sandboxMedia.id,
      accountId: sandboxMedia.accountId,
      mimeType: sandboxMedia.mimeType,
      sizeBytes: sandboxMedia.sizeBytes,
      altText: sandboxMedia.altText,
      createdAt: sandboxMedia.createdAt,
    })
    .from(sandboxMedia)
    .where(inArray(sandboxMedia.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

export async function describePosts(
  deps: Deps,
  posts: SandboxPost[],
  context: { base: string; username: string },
): Promise<PostReply[]> {
  const media = await mediaOf(deps, posts);
  return posts.map((p) => describePost(p, { ...context, media }));
}

/** A visible post of any account, with its author's username. */
export async function findPost(
  deps: Deps,
  id: string,
): Promise<{ post: SandboxPost; username: string } | null> {
  const [row] = await deps.db
    .select({ post: sandboxPosts, username: sandboxAccounts.username })
    .from(sandboxPosts)
    .innerJoin(sandboxAccounts, eq(sandboxAccounts.id, sandboxPosts.accountId))
    .where(and(eq(sandboxPosts.id, id), isNull(sandboxPosts.deletedAt)));
  return row ?? null;
}

/**
 * The account's posts, newest first. By idempotency key this includes a deleted post: the key was
 * spent on it, and reconciliation asks whether the post ever reached the platform.
 */
export async function listPosts(
  deps: Deps,
  options: { accountId: string; idempotencyKey?: string | undefined; limit?: number },
): Promise<SandboxPost[]> {
  return deps.db
    .select()
    .from(sandboxPosts)
    .where(
      options.idempotencyKey !== undefined
        ? and(
            eq(sandboxPosts.accountId, options.accountId),
            eq(sandboxPosts.idempotencyKey, options.idempotencyKey),
          )
        : and(eq(sandboxPosts.accountId, options.accountId), isNull(sandboxPosts.deletedAt)),
    )
    .orderBy(desc(sandboxPosts.createdAt), desc(sandboxPosts.id))
    .limit(options.limit ?? LIST_LIMIT);
}

/** Soft-deletes one of the account's posts; false if there is no such visible post. */
export async function deletePost(deps: Deps, options: { accountId: string; id: string }): Promise<boolean> {
  const rows = await deps.db
    .update(sandboxPosts)
    .set({ deletedAt: deps.clock.now() })
    .where(
      and(
        eq(sandboxPosts.id, options.id),
        eq(sandboxPosts.accountId, options.accountId),
        isNull(sandboxPosts.deletedAt),
      ),
    )
    .returning({ id: sandboxPosts.id });
  return rows.length > 0;
}
