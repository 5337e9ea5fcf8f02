/**
 * Reading a post's replies: `GET /{media-id}/conversation` with `reverse=false` (oldest first).
 *
 * Why `/conversation` and not `/replies`: `/replies` lists only the direct replies, so every deeper
 * level would need one more paged call per reply, each with its own cursor, which one page cursor
 * cannot carry. `/conversation` lists the replies of every depth as one flat, cursor-paged stream,
 * and each names the post it answers (`replied_to`), which becomes `parentId`. It works on the
 * top-level post, which is what `publish` returns as the remote id.
 *
 * What Threads does not give: a reply's like count (only through insights, one call per reply) and
 * the replier's user id, so `likes` and `author.id` are null. Needs `threads_read_replies`.
 */
import { z } from 'zod';
import { graphDate, parentOf, readCommentEdge } from '../meta/comments.ts';
import type { AdapterContext, CommentPage } from '../types.ts';

const replyItem = z.object({
  id: z.string(),
  text: z.string().optional(),
  username: z.string().optional(),
  timestamp: z.string().optional(),
  permalink: z.string().optional(),
  replied_to: z.object({ id: z.string() }).optional(),
});

export async function readConversation(
  ctx: AdapterContext,
  api: { base: string; token: string },
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const { items, nextCursor } = await readCommentEdge(ctx, replyItem, {
    what: 'read replies',
    base: api.base,
    path: `/${encodeURIComponent(remoteId)}/conversation`,
    token: api.token,
    params: { fields: 'id,text,username,timestamp,permalink,has_replies,replied_to', reverse: 'false' },
    page,
  });
  return {
    comments: items.map((reply) => ({
      id: reply.id,
      parentId: parentOf(reply.replied_to?.id, remoteId),
      author: { id: null, username: reply.username ?? null, displayName: null, avatarUrl: null },
      text: reply.text ?? '',
      createdAt: graphDate(reply.timestamp),
      likes: null,
      url: reply.permalink ?? null,
    })),
    nextCursor,
  };
}
