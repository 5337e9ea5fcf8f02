/**
 * Reading a post's comments: `GET /{ig-media-id}/comments`, which lists the top-level comments, with
 * each one's replies expanded in the same call (`replies{…}`) and flattened right after it with the
 * comment as their `parentId` (Instagram nests one level only). Replies past the first page of the
 * expansion are read from `GET /{ig-comment-id}/replies`, so a page holds `limit` top-level comments
 * and all of their replies.
 *
 * Instagram offers no order to choose: it lists top-level comments newest first, and that is the
 * order of the pages. A comment has no address of its own (`url` null). Comments on ads and live
 * videos are not part of this edge. Needs `instagram_manage_comments` (and `pages_read_engagement`),
 * which connections made before Herald asked for it lack: Meta refuses with a permission error
 * (`auth`, reconnect).
 */
import { z } from 'zod';
import { edgePage, graphDate, nextCursorOf, readCommentEdge } from '../meta/comments.ts';
import type { AdapterContext, CommentPage, PlatformComment } from '../types.ts';
import type { InstagramApi } from './publish.ts';

/** How many further pages of one comment's replies are read before the rest is left out. */
const MAX_REPLY_PAGES = 10;
const REPLY_FIELDS = 'id,text,username,from{id,username},timestamp,like_count';

const replyItem = z.object({
  id: z.string(),
  text: z.string().optional(),
  username: z.string().optional(),
  from: z.object({ id: z.string(), username: z.string().optional() }).optional(),
  timestamp: z.string().optional(),
  like_count: z.number().optional(),
});
const commentItem = replyItem.extend({ replies: edgePage(replyItem).optional() });

type Reply = z.infer<typeof replyItem>;

function commentOf(item: Reply, parentId: string | null): PlatformComment {
  return {
    id: item.id,
    parentId,
    author: {
      id: item.from?.id ?? null,
      username: item.username ?? item.from?.username ?? null,
      displayName: null,
      avatarUrl: null,
    },
    text: item.text ?? '',
    createdAt: graphDate(item.timestamp),
    likes: item.like_count ?? null,
    url: null,
  };
}

export async function readMediaComments(
  ctx: AdapterContext,
  api: InstagramApi,
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const { items, nextCursor } = await readCommentEdge(ctx, commentItem, {
    what: 'read comments',
    base: api.base,
    path: `/${encodeURIComponent(remoteId)}/comments`,
    token: api.token,
    params: { fields: `${REPLY_FIELDS},replies{${REPLY_FIELDS}}` },
    page,
  });
  const comments: PlatformComment[] = [];
  for (const item of items) {
    comments.push(commentOf(item, null));
    const replies = [...(item.replies?.data ?? [])];
    let after = nextCursorOf(item.replies?.paging);
    for (let i = 0; after && i < MAX_REPLY_PAGES; i++) {
      const more = await readCommentEdge(ctx, replyItem, {
        what: 'read replies',
        base: api.base,
        path: `/${encodeURIComponent(item.id)}/replies`,
        token: api.token,
        params: { fields: REPLY_FIELDS },
        page: { cursor: after, limit: 100 },
      });
      replies.push(...more.items);
      after = more.nextCursor;
    }
    comments.push(...replies.map((reply) => commentOf(reply, item.id)));
  }
  return { comments, nextCursor };
}
