/**
 * Publishing to the sandbox. It is idempotent: the post carries `Idempotency-Key: <request key>` and
 * each thread reply `<request key>:<n>` (n from 1), so a retry after any failure replays what already
 * exists and creates only what is missing.
 */
import { z } from 'zod';
import type {
  AdapterContext,
  Credentials,
  PublishOutcome,
  PublishRequest,
  ReconcileOutcome,
} from '../types.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { call } from './api.ts';
import { threadOf, validate } from './validate.ts';

const postReply = z.object({ id: z.string(), url: z.string() });
const mediaReply = z.object({ id: z.string() });
const postsReply = z.object({ posts: z.array(postReply) });

async function createPost(
  ctx: AdapterContext,
  token: string,
  options: { text: string; mediaIds: string[]; replyToId: string | null; idempotencyKey: string },
) {
  const body: Record<string, unknown> = { text: options.text };
  if (options.mediaIds.length) body.media_ids = options.mediaIds;
  if (options.replyToId) body.reply_to_id = options.replyToId;
  return call(ctx, postReply, {
    what: 'publish',
    method: 'POST',
    path: '/api/posts',
    token,
    headers: { 'idempotency-key': options.idempotencyKey },
    json: body,
  });
}

async function findByKey(ctx: AdapterContext, token: string, key: string) {
  const { data } = await call(ctx, postsReply, {
    what: 'reconcile',
    path: `/api/posts?idempotency_key=${encodeURIComponent(key)}`,
    token,
  });
  return data.posts[0] ?? null;
}

const replyKey = (key: string, n: number) => `${key}:${n}`;

export async function publish(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  const token = credentials.accessToken;
  const mediaIds: string[] = [];
  for (const item of request.media) {
    const query = item.altText ? `?alt_text=${encodeURIComponent(item.altText)}` : '';
    const { data } = await call(ctx, mediaReply, {
      what: 'upload media',
      method: 'POST',
      path: `/api/media${query}`,
      token,
      headers: { 'content-type': item.mimeType },
      // Copied into a fresh ArrayBuffer-backed view, which is what fetch's types accept.
      body: new Uint8Array(await item.read()),
    });
    mediaIds.push(data.id);
  }
  const root = await createPost(ctx, token, {
    text: request.text,
    mediaIds,
    replyToId: null,
    idempotencyKey: request.idempotencyKey,
  });
  let rateLimit = root.rateLimit;
  const partIds: string[] = [];
  const thread = threadOf(request.options) as string[];
  for (const [i, text] of thread.entries()) {
    const reply = await createPost(ctx, token, {
      text,
      mediaIds: [],
      // Each part answers the one before it.
      replyToId: partIds.at(-1) ?? root.data.id,
      idempotencyKey: replyKey(request.idempotencyKey, i + 1),
    });
    partIds.push(reply.data.id);
    rateLimit = reply.rateLimit ?? rateLimit;
  }
  return {
    status: 'published',
    remoteId: root.data.id,
    remoteUrl: root.data.url,
    rateLimit: rateLimit ?? undefined,
    ...(partIds.length ? { partIds } : {}),
  };
}

export async function reconcile(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<ReconcileOutcome> {
  const token = credentials.accessToken;
  const root = await findByKey(ctx, token, request.idempotencyKey);
  if (!root) return { status: 'not_found' };
  // A thread cut short counts as not found: publishing again replays the posts that exist (same
  // keys) and adds the missing ones, which is exactly what finishing it needs.
  const thread = threadOf(request.options);
  const partIds: string[] = [];
  for (let n = 1; n <= thread.length; n++) {
    const part = await findByKey(ctx, token, replyKey(request.idempotencyKey, n));
    if (!part) return { status: 'not_found' };
    partIds.push(part.id);
  }
  return {
    status: 'found',
    remoteId: root.id,
    remoteUrl: root.url,
    ...(partIds.length ? { partIds } : {}),
  };
}
