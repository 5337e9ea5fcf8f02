/**
 * Reading the replies to a post: `GET /2/tweets/search/recent` with `conversation_id:<id>`, which
 * finds every reply in the post's conversation at any depth (a reply to a reply included).
 *
 * Limits X sets:
 * - Recent search covers only the last 7 days: replies older than that are not found, and a post
 *   older than a week reads as having none. The full archive (`/2/tweets/search/all`) needs a plan
 *   Herald cannot assume.
 * - Search sorts by `recency` (newest first) or `relevancy`; there is no oldest-first order, so the
 *   pages come newest first.
 * - `max_results` is 10–100: a smaller `limit` still reads 10.
 * - Replies the author made (a thread's own parts among them) are part of the conversation and are
 *   listed like anyone else's.
 */
import { z } from 'zod';
import type { AdapterContext, CommentPage, Credentials, PlatformComment } from '../types.ts';
import { xCall } from './api.ts';

const MIN_RESULTS = 10;
const MAX_RESULTS = 100;

const searchReply = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        text: z.string(),
        author_id: z.string().optional(),
        created_at: z.string().optional(),
        referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
        public_metrics: z.record(z.string(), z.number()).optional(),
      }),
    )
    .optional(),
  includes: z
    .object({
      users: z
        .array(
          z.object({
            id: z.string(),
            username: z.string().optional(),
            name: z.string().optional(),
            profile_image_url: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  meta: z.object({ next_token: z.string().optional() }).optional(),
});

/** X escapes `&`, `<` and `>` in post text as HTML entities; comments are plain text. */
const plainText = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function dateOf(value: string | undefined): Date | null {
  const at = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? null : new Date(at);
}

export async function readReplies(
  ctx: AdapterContext,
  credentials: Credentials,
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const query = new URLSearchParams({
    query: `conversation_id:${remoteId}`,
    sort_order: 'recency',
    max_results: String(Math.min(MAX_RESULTS, Math.max(MIN_RESULTS, Math.floor(page.limit)))),
    'tweet.fields': 'author_id,created_at,in_reply_to_user_id,referenced_tweets,public_metrics',
    expansions: 'author_id',
    'user.fields': 'username,name,profile_image_url',
  });
  if (page.cursor) query.set('next_token', page.cursor);
  const { data } = await xCall(ctx, searchReply, {
    what: 'read replies',
    bucket: 'search-recent',
    path: `/2/tweets/search/recent?${query}`,
    token: credentials.accessToken,
  });
  const users = new Map((data.includes?.users ?? []).map((u) => [u.id, u]));
  const comments = (data.data ?? []).map((post): PlatformComment => {
    const user = post.author_id ? users.get(post.author_id) : undefined;
    const repliedTo = post.referenced_tweets?.find((r) => r.type === 'replied_to')?.id ?? null;
    return {
      id: post.id,
      parentId: repliedTo === remoteId ? null : repliedTo,
      author: {
        id: post.author_id ?? null,
        username: user?.username ?? null,
        displayName: user?.name ?? null,
        avatarUrl: user?.profile_image_url ?? null,
      },
      text: plainText(post.text),
      createdAt: dateOf(post.created_at),
      likes: post.public_metrics?.like_count ?? null,
      url: user?.username
        ? `https://x.com/${user.username}/status/${post.id}`
        : `https://x.com/i/status/${post.id}`,
    };
  });
  return { comments, nextCursor: data.meta?.next_token ?? null };
}
