/**
 * A status's replies, at every depth, from `GET /api/v1/statuses/:id/context` (its `descendants`).
 *
 * The context endpoint has no paging: it answers the whole thread every time (with a user token up
 * to 4,096 descendants; anonymously far fewer, which is why Herald sends the connection's token).
 * Herald pages over that list itself (`pageLocally`), oldest first.
 */
import { z } from 'zod';
import type { AdapterContext, CommentPage, Credentials, PlatformComment } from '../types.ts';
import { byCreation, pageLocally } from '../local-pages.ts';
import { call, statusReply } from './api.ts';
import { textOfContent } from './content.ts';

const reply = statusReply.extend({
  account: z.object({
    id: z.string(),
    username: z.string(),
    acct: z.string(),
    display_name: z.string(),
    avatar: z.string().nullable().optional(),
  }),
});
const context = z.object({ ancestors: z.array(z.unknown()), descendants: z.array(reply) });

type Reply = z.infer<typeof reply>;

function commentOf(status: Reply, postId: string): PlatformComment {
  const text = textOfContent(status.content);
  // A content warning is what a reader sees first; the text follows it.
  const warning = status.spoiler_text?.trim();
  const createdAt = new Date(status.created_at);
  return {
    id: status.id,
    parentId: !status.in_reply_to_id || status.in_reply_to_id === postId ? null : status.in_reply_to_id,
    author: {
      id: status.account.id,
      // `acct` is `user` on its own instance and `user@domain` for remote accounts.
      username: status.account.acct,
      displayName: status.account.display_name || status.account.username,
      avatarUrl: status.account.avatar ?? null,
    },
    text: warning ? `${warning}\n\n${text}` : text,
    createdAt: Number.isNaN(createdAt.getTime()) ? null : createdAt,
    likes: status.favourites_count ?? null,
    url: status.url ?? status.uri,
  };
}

export async function readStatusReplies(
  ctx: AdapterContext,
  credentials: Credentials,
  postId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const { data } = await call(ctx, context, {
    what: 'read replies',
    path: `/api/v1/statuses/${encodeURIComponent(postId)}/context`,
    token: credentials.accessToken,
  });
  const comments = data.descendants.map((s) => commentOf(s, postId)).sort(byCreation);
  return pageLocally(comments, page);
}
