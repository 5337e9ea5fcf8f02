import { z } from 'zod';
import type { AdapterContext, CommentPage, Credentials } from '../types.ts';
import { call } from './api.ts';

/** The most comments the sandbox answers at once (its documented page limit). */
const MAX_COMMENTS_PAGE = 100;

const commentsReply = z.object({
  comments: z.array(
    z.object({
      id: z.string(),
      url: z.string(),
      text: z.string(),
      reply_to_id: z.string().nullable(),
      author: z.object({
        id: z.string(),
        username: z.string(),
        display_name: z.string(),
        avatar_url: z.string().nullable(),
      }),
      likes: z.number(),
      created_at: z.string(),
    }),
  ),
  next_cursor: z.string().nullable(),
});

/** The post's replies at every depth, any account's (its own thread parts too), oldest first. */
export async function readComments(
  ctx: AdapterContext,
  credentials: Credentials,
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const { data } = await call(ctx, commentsReply, {
    what: 'read comments',
    path: `/api/posts/${encodeURIComponent(remoteId)}/comments`,
    query: {
      limit: String(Math.min(Math.max(1, Math.floor(page.limit)), MAX_COMMENTS_PAGE)),
      cursor: page.cursor ?? undefined,
    },
    token: credentials.accessToken,
  });
  return {
    comments: data.comments.map((c) => ({
      id: c.id,
      // A reply to the post itself answers no comment.
      parentId: c.reply_to_id === remoteId ? null : c.reply_to_id,
      author: {
        id: c.author.id,
        username: c.author.username,
        displayName: c.author.display_name,
        avatarUrl: c.author.avatar_url,
      },
      text: c.text,
      createdAt: new Date(c.created_at),
      likes: c.likes,
      url: c.url,
    })),
    nextCursor: data.next_cursor,
  };
}
