/**
 * Creating posts and finding them again. X has no idempotency key, so after an interrupted create
 * the only way to know whether it went out is to look for it among the account's recent posts.
 */
import { z } from 'zod';
import type { AdapterContext, RateLimitInfo } from '../types.ts';
import { xCall } from './api.ts';

const createReply = z.object({ data: z.object({ id: z.string(), text: z.string().optional() }) });
const timelineReply = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        text: z.string(),
        created_at: z.string().optional(),
        referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
      }),
    )
    .optional(),
});

export type TimelinePost = NonNullable<z.infer<typeof timelineReply>['data']>[number];

export async function createPost(
  ctx: AdapterContext,
  token: string,
  post: {
    text: string;
    mediaIds: string[];
    replyTo: string | null;
    replySettings: string | null;
    poll: { options: string[]; durationMinutes: number } | null;
  },
): Promise<{ id: string; rateLimit: RateLimitInfo | null }> {
  // `POST /2/tweets` rejects unknown fields (additionalProperties: false): send only what is set.
  const body: Record<string, unknown> = {};
  if (post.text) body.text = post.text;
  if (post.mediaIds.length) body.media = { media_ids: post.mediaIds };
  if (post.replyTo) body.reply = { in_reply_to_tweet_id: post.replyTo };
  if (post.replySettings) body.reply_settings = post.replySettings;
  if (post.poll) body.poll = { options: post.poll.options, duration_minutes: post.poll.durationMinutes };
  const { data, rateLimit } = await xCall(ctx, createReply, {
    what: post.replyTo ? 'publish thread reply' : 'publish',
    bucket: 'posts',
    method: 'POST',
    path: '/2/tweets',
    token,
    json: body,
  });
  return { id: data.data.id, rateLimit };
}

/** The account's latest posts (one page of 100, newest first), replies included. */
export async function recentPosts(
  ctx: AdapterContext,
  token: string,
  userId: string,
): Promise<TimelinePost[]> {
  const query = new URLSearchParams({
    max_results: '100',
    'tweet.fields': 'created_at,referenced_tweets',
    exclude: 'retweets',
  });
  const { data } = await xCall(ctx, timelineReply, {
    what: 'list recent posts',
    bucket: 'user-timeline',
    path: `/2/users/${encodeURIComponent(userId)}/tweets?${query}`,
    token,
  });
  return data.data ?? [];
}

/**
 * Text as X stores it, reduced to what survives the round trip: X rewrites links to t.co, appends a
 * media link, escapes `&<>` as entities and normalises to NFC.
 */
export function comparableText(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/https?:\/\/\S+/g, ' ')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The newest post with this text that replies to `replyTo` (or replies to nothing when null). */
export function findPost(posts: TimelinePost[], text: string, replyTo: string | null): TimelinePost | null {
  const wanted = comparableText(text);
  return (
    posts.find((p) => {
      const parent = p.referenced_tweets?.find((r) => r.type === 'replied_to')?.id ?? null;
      return parent === replyTo && comparableText(p.text) === wanted;
    }) ?? null
  );
}
