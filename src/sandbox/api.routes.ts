/**
 * The sandbox's REST API (`/sandbox/api/*`), for clients holding an access token. Every call goes
 * through one pipeline: authenticate the bearer token, apply the account's fault knobs (latency,
 * hang, injected failure), and stamp the posting bucket's X-RateLimit-* headers on the reply.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import type { Routes } from '../http/plugin.ts';
import { describeAccount, type SandboxAccount } from './accounts.ts';
import { createPost, idempotencyKeySchema } from './create-post.ts';
import { invalidRequest, invalidToken, sendSandboxError } from './errors.ts';
import { drawRandomFault, type Knobs, readKnobs, takeInjectedFailure, takeInjectedTimeout } from './knobs.ts';
import { mediaUrl, storeMedia } from './media.ts';
import { metricsAt } from './metrics.ts';
import { accountStats } from './account-stats.ts';
import { accountForAccessToken } from './oauth-grants.ts';
import { deletePost, describePosts, findPost, listPosts, postUrl } from './posts.ts';
import { type Bucket, rateLimitHeaders, readPostBucket, takePostSlot } from './rate-limit.ts';
import { listReplies, REPLIES_LIMIT } from './replies.ts';
import { MAX_MEDIA_BYTES } from './rules.ts';
import { isUuid, type Site, sleep } from './site.ts';

/** How long an injected hang lasts if the client never gives up. */
const HANG_MS = 120_000;

/**
 * `bucket` is filled by `POST /posts` when it takes a slot, else read when the reply is sent.
 * `hangAfterCommit`: a random timeout drawn for `POST /posts`, which stores the post first.
 */
type Caller = { account: SandboxAccount; knobs: Knobs; bucket: Bucket | null; hangAfterCommit: boolean };

const callers = new WeakMap<FastifyRequest, Caller>();

function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw new AppError('internal', 'sandbox API route without a caller');
  return caller;
}

async function authenticate(deps: Deps, header: string | undefined): Promise<SandboxAccount> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) {
    throw invalidToken('send an access token as Authorization: Bearer <token>', { missing: !header });
  }
  const account = await accountForAccessToken(deps, match[1]!);
  if (!account) throw invalidToken('the access token is unknown, expired or revoked');
  return account;
}

/** Resolves true when the client hangs up, false after `ms` or when the server shuts down. */
function waitForClientToLeave(reply: FastifyReply, ms: number, pending: Set<() => void>): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (left: boolean) => {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
      pending.delete(release);
      resolve(left);
    };
    const onClose = () => finish(true);
    const release = () => finish(false);
    const timer = setTimeout(release, ms);
    pending.add(release);
    reply.raw.once('close', onClose);
    if (reply.raw.destroyed) finish(true);
  });
}

function sendInjectedFailure(
  reply: FastifyReply,
  failure: { status: number; retryAfterSeconds: number },
  message = 'failure injected by the failNext knob',
) {
  if (failure.status === 401) {
    reply.header('www-authenticate', 'Bearer realm="sandbox", error="invalid_token"');
    return sendSandboxError(reply, { status: 401, code: 'invalid_token', message });
  }
  if (failure.status === 429) {
    reply.header('retry-after', String(failure.retryAfterSeconds));
    return sendSandboxError(reply, { status: 429, code: 'rate_limited', message });
  }
  return sendSandboxError(reply, {
    status: failure.status,
    code: failure.status === 503 ? 'unavailable' : 'server_error',
    message,
  });
}

const postParams = z.object({ id: z.string() });
const commentsQuery = z.object({
  cursor: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(REPLIES_LIMIT.max).default(REPLIES_LIMIT.default),
});

export function apiRoutes(deps: Deps, site: Site): Routes {
  return async (app) => {
    const hangs = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const release of [...hangs]) release();
    });

    app.addHook('onRequest', async (request, reply) => {
      const account = await authenticate(deps, request.headers.authorization);
      const knobs = readKnobs(account.knobs);
      const caller: Caller = { account, knobs, bucket: null, hangAfterCommit: false };
      callers.set(request, caller);
      if (knobs.latencyMs) await sleep(knobs.latencyMs);
      const fault = drawRandomFault(knobs, Math.random());
      if (fault === 'server_error') {
        return sendInjectedFailure(
          reply,
          { status: Math.random() < 0.5 ? 500 : 503, retryAfterSeconds: 0 },
          'failure injected by the randomFaults knob',
        );
      }
      if (fault === 'rate_limited') {
        return sendInjectedFailure(
          reply,
          { status: 429, retryAfterSeconds: knobs.retryAfterSeconds ?? 2 },
          'failure injected by the randomFaults knob',
        );
      }
      const creatingPost = request.method === 'POST' && request.routeOptions.url?.endsWith('/posts');
      if (fault === 'timeout' && creatingPost) caller.hangAfterCommit = true;
      const hang =
        (fault === 'timeout' && !creatingPost) ||
        (knobs.timeoutNext !== undefined &&
          knobs.timeoutNext > 0 &&
          (await takeInjectedTimeout(deps, account.id)));
      if (hang) {
        if (await waitForClientToLeave(reply, HANG_MS, hangs)) {
          reply.hijack();
          return reply;
        }
        return sendSandboxError(reply, { status: 504, code: 'timeout', message: 'injected hang ran out' });
      }
      if (knobs.failNext?.count) {
        const failure = await takeInjectedFailure(deps, account.id);
        if (failure) return sendInjectedFailure(reply, failure);
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const caller = callers.get(request);
      if (!caller) return payload;
      // Headers are best effort: a failing count must not turn the reply itself into a failure.
      caller.bucket ??= await readPostBucket(deps, {
        accountId: caller.account.id,
        knobs: caller.knobs,
      }).catch(() => null);
      if (caller.bucket) reply.headers(rateLimitHeaders(caller.bucket));
      return payload;
    });

    app.get('/me', async (request) => describeAccount(callerOf(request).account, site.base(request)));
    app.get('/me/stats', async (request) => accountStats(deps, callerOf(request).account));

    const uploadRoutes: Routes = async (uploads) => {
      // Raw bodies of any type reach the handler, which answers 415 in the sandbox's own shape.
      uploads.removeAllContentTypeParsers();
      uploads.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      uploads.post(
        '/media',
        {
          bodyLimit: MAX_MEDIA_BYTES,
          schema: { querystring: z.object({ alt_text: z.string().optional() }) },
        },
        async (request, reply) => {
          const { account } = callerOf(request);
          const media = await storeMedia(deps, {
            accountId: account.id,
            contentType: request.headers['content-type'],
            bytes: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
            altText: request.query.alt_text,
          });
          return reply.status(201).send({
            id: media.id,
            url: mediaUrl(site.base(request), media.id),
            mime_type: media.mimeType,
            size_bytes: media.sizeBytes,
            alt_text: media.altText,
          });
        },
      );
    };
    await app.register(uploadRoutes);

    app.post('/posts', async (request, reply) => {
      const caller = callerOf(request);
      const slot = await takePostSlot(deps, { accountId: caller.account.id, knobs: caller.knobs });
      caller.bucket = slot.bucket;
      if (!slot.allowed) {
        const retryAfterSeconds = Math.max(
          1,
          Math.ceil((slot.bucket.resetAt.getTime() - deps.clock.now().getTime()) / 1000),
        );
        throw new AppError('rate_limited', `posting limit of ${slot.bucket.limit} reached`, {
          retryAfterSeconds,
        });
      }
      const rawKey = request.headers['idempotency-key'];
      let key: string | undefined;
      if (rawKey !== undefined) {
        const parsed = idempotencyKeySchema.safeParse(rawKey);
        if (!parsed.success)
          throw invalidRequest('Idempotency-Key', parsed.error.issues[0]?.message ?? 'invalid');
        key = parsed.data;
      }
      const { post, replayed } = await createPost(deps, {
        accountId: caller.account.id,
        body: request.body,
        idempotencyKey: key,
        allowDuplicates: caller.knobs.allowDuplicates,
      });
      // The post is stored; a test can now kill the caller before it hears back.
      if (!replayed && caller.knobs.latencyAfterCommitMs) await sleep(caller.knobs.latencyAfterCommitMs);
      if (caller.hangAfterCommit) {
        if (await waitForClientToLeave(reply, HANG_MS, hangs)) {
          reply.hijack();
          return reply;
        }
        return sendSandboxError(reply, { status: 504, code: 'timeout', message: 'injected hang ran out' });
      }
      const [described] = await describePosts(deps, [post], {
        base: site.base(request),
        username: caller.account.username,
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(replayed ? 200 : 201).send(described);
    });

    app.get(
      '/posts',
      { schema: { querystring: z.object({ idempotency_key: z.string().optional() }) } },
      async (request) => {
        const { account } = callerOf(request);
        const posts = await listPosts(deps, {
          accountId: account.id,
          idempotencyKey: request.query.idempotency_key,
        });
        return {
          posts: await describePosts(deps, posts, { base: site.base(request), username: account.username }),
        };
      },
    );

    app.get('/posts/:id', { schema: { params: postParams } }, async (request) => {
      const found = isUuid(request.params.id) ? await findPost(deps, request.params.id) : null;
      if (!found) throw notFound('post');
      const [described] = await describePosts(deps, [found.post], {
        base: site.base(request),
        username: found.username,
      });
      return described;
    });

    app.delete('/posts/:id', { schema: { params: postParams } }, async (request, reply) => {
      const { account } = callerOf(request);
      const deleted =
        isUuid(request.params.id) &&
        (await deletePost(deps, { accountId: account.id, id: request.params.id }));
      if (!deleted) throw notFound('post');
      return reply.status(204).send();
    });

    // Comments are public, as the post is: any account may read them.
    app.get(
      '/posts/:id/comments',
      { schema: { params: postParams, querystring: commentsQuery } },
      async (request) => {
        const found = isUuid(request.params.id) ? await findPost(deps, request.params.id) : null;
        if (!found) throw notFound('post');
        const { replies, nextCursor } = await listReplies(deps, {
          postId: found.post.id,
          cursor: request.query.cursor,
          limit: request.query.limit,
        });
        const base = site.base(request);
        const now = deps.clock.now();
        return {
          comments: replies.map(({ post, author }) => ({
            id: post.id,
            url: postUrl(base, author.username, post.id),
            text: post.text,
            reply_to_id: post.replyToId,
            author: {
              id: author.id,
              username: author.username,
              display_name: author.displayName,
              avatar_url: describeAccount(author, base).avatar_url,
            },
            likes: metricsAt({ postId: post.id, createdAt: post.createdAt, now }).likes,
            created_at: post.createdAt.toISOString(),
          })),
          next_cursor: nextCursor,
        };
      },
    );

    app.get('/posts/:id/metrics', { schema: { params: postParams } }, async (request) => {
      const { account } = callerOf(request);
      const found = isUuid(request.params.id) ? await findPost(deps, request.params.id) : null;
      // Only the author sees a post's numbers.
      if (!found || found.post.accountId !== account.id) throw notFound('post');
      const timeScale = readKnobs(account.knobs).timeScale ?? 1;
      return metricsAt({
        postId: found.post.id,
        createdAt: found.post.createdAt,
        now: deps.clock.now(),
        timeScale,
      });
    });
  };
}
