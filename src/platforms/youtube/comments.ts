/**
 * A video's comments: `commentThreads.list` (1 quota unit a page), each top-level comment followed
 * by its replies.
 *
 * What YouTube allows: threads come newest first (`order=time`; there is no oldest-first order) and
 * the cursor is YouTube's `pageToken`. A thread carries only some of its replies; when it says it
 * has more (`totalReplyCount`), Herald reads them with `comments.list?parentId=` (1 unit more per
 * such thread), up to the first 100 replies of a comment. YouTube replies are one level deep: every
 * reply's parent is the top-level comment.
 */
import { z } from 'zod';
import type { AdapterContext, CommentPage, Credentials, PlatformComment } from '../types.ts';
import { youtubeCall } from './api.ts';

const MAX_RESULTS = 100;

const comment = z.object({
  id: z.string(),
  snippet: z.object({
    authorDisplayName: z.string().optional(),
    authorProfileImageUrl: z.string().optional(),
    authorChannelId: z.object({ value: z.string() }).optional(),
    /** Only returned to the comment's author (and not always then): `textDisplay` stands in. */
    textOriginal: z.string().optional(),
    textDisplay: z.string().optional(),
    parentId: z.string().optional(),
    likeCount: z.number().optional(),
    publishedAt: z.string().optional(),
  }),
});
type Comment = z.infer<typeof comment>;

const threadsReply = z.object({
  items: z
    .array(
      z.object({
        id: z.string(),
        snippet: z.object({ topLevelComment: comment, totalReplyCount: z.number().optional() }),
        replies: z.object({ comments: z.array(comment).default([]) }).optional(),
      }),
    )
    .default([]),
  nextPageToken: z.string().optional(),
});
const repliesReply = z.object({ items: z.array(comment).default([]) });

function commentOf(videoId: string, c: Comment, parentId: string | null): PlatformComment {
  const s = c.snippet;
  const publishedAt = s.publishedAt ? new Date(s.publishedAt) : null;
  return {
    id: c.id,
    parentId,
    author: {
      id: s.authorChannelId?.value ?? null,
      // YouTube names commenters by display name (nowadays their @handle) only.
      username: null,
      displayName: s.authorDisplayName ?? null,
      avatarUrl: s.authorProfileImageUrl ?? null,
    },
    // `textFormat=plainText` makes `textDisplay` the text without HTML.
    text: s.textOriginal ?? s.textDisplay ?? '',
    createdAt: publishedAt && !Number.isNaN(publishedAt.getTime()) ? publishedAt : null,
    likes: s.likeCount ?? null,
    url: `https://www.youtube.com/watch?v=${encodeURIComponent(videoId)}&lc=${encodeURIComponent(c.id)}`,
  };
}

const oldestFirst = (a: Comment, b: Comment) =>
  (a.snippet.publishedAt ?? '').localeCompare(b.snippet.publishedAt ?? '');

export async function readVideoComments(
  ctx: AdapterContext,
  credentials: Credentials,
  videoId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const token = credentials.accessToken;
  const query = new URLSearchParams({
    part: 'snippet,replies',
    videoId,
    maxResults: String(Math.min(Math.max(1, Math.floor(page.limit)), MAX_RESULTS)),
    order: 'time',
    textFormat: 'plainText',
  });
  if (page.cursor) query.set('pageToken', page.cursor);
  const { data } = await youtubeCall(ctx, threadsReply, {
    what: 'read comments',
    path: `/youtube/v3/commentThreads?${query}`,
    token,
  });
  const comments: PlatformComment[] = [];
  for (const thread of data.items) {
    const top = thread.snippet.topLevelComment;
    comments.push(commentOf(videoId, top, null));
    let replies = thread.replies?.comments ?? [];
    if ((thread.snippet.totalReplyCount ?? 0) > replies.length) {
      const { data: all } = await youtubeCall(ctx, repliesReply, {
        what: 'read replies',
        path: `/youtube/v3/comments?${new URLSearchParams({
          part: 'snippet',
          parentId: top.id,
          maxResults: String(MAX_RESULTS),
          textFormat: 'plainText',
        })}`,
        token,
      });
      replies = all.items;
    }
    for (const reply of [...replies].sort(oldestFirst)) {
      comments.push(commentOf(videoId, reply, reply.snippet.parentId ?? top.id));
    }
  }
  return { comments, nextCursor: data.nextPageToken ?? null };
}
