/**
 * Reading a Page post's comments: `GET /{post-id}/comments` with `filter=stream` (every comment,
 * replies included, each naming its `parent`) and `order=chronological` (oldest first), so one
 * cursor walks the whole discussion.
 *
 * The Page's token, not the user's: Meta returns a Page post's comments, their ids and their
 * authors (`from`) only to a Page token of someone who may moderate the Page; read with a user token
 * the edge comes back empty. The Page token is fetched when needed and not kept, as for publishing
 * (see `pageApi`). Needs `pages_read_engagement` and `pages_read_user_content`. Meta still leaves
 * `from` out for some commenters, whose author then reads as unknown.
 */
import { z } from 'zod';
import { graphDate, parentOf, readCommentEdge } from '../meta/comments.ts';
import type { AdapterContext, CommentPage } from '../types.ts';
import { absoluteUrl, type PageApi } from './publish.ts';

const commentItem = z.object({
  id: z.string(),
  message: z.string().optional(),
  from: z
    .object({
      id: z.string(),
      name: z.string().optional(),
      picture: z.object({ data: z.object({ url: z.string().optional() }).optional() }).optional(),
    })
    .optional(),
  created_time: z.string().optional(),
  like_count: z.number().optional(),
  parent: z.object({ id: z.string() }).optional(),
  permalink_url: z.string().optional(),
});

export async function readPageComments(
  ctx: AdapterContext,
  api: PageApi,
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const { items, nextCursor } = await readCommentEdge(ctx, commentItem, {
    what: 'read comments',
    base: api.base,
    path: `/${encodeURIComponent(remoteId)}/comments`,
    token: api.token,
    params: {
      fields: 'id,message,from{id,name,picture},created_time,like_count,parent{id},permalink_url',
      filter: 'stream',
      order: 'chronological',
    },
    page,
  });
  return {
    comments: items.map((comment) => ({
      id: comment.id,
      parentId: parentOf(comment.parent?.id, remoteId),
      author: {
        id: comment.from?.id ?? null,
        username: null,
        displayName: comment.from?.name ?? null,
        avatarUrl: comment.from?.picture?.data?.url ?? null,
      },
      text: comment.message ?? '',
      createdAt: graphDate(comment.created_time),
      likes: comment.like_count ?? null,
      url: absoluteUrl(comment.permalink_url),
    })),
    nextCursor,
  };
}
