/**
 * Herald's adapter for the sandbox network (served by src/sandbox/ under `/sandbox`). It is written
 * exactly as for an outside platform: it speaks HTTP to the platform app's base URL with the fetch
 * and signal it is given, and knows the platform's rules only as its documentation states them.
 *
 * Publishing is idempotent: the post carries `Idempotency-Key: <request key>` and each thread reply
 * `<request key>:<n>` (n from 1), so a retry after any failure replays what already exists and
 * creates only what is missing.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Capabilities,
  type CommentPage,
  type Credentials,
  type OAuthAdapter,
  PlatformError,
  type PublishRequest,
  type RateLimitInfo,
  type ValidationIssue,
} from './types.ts';
import { sendToPlatform } from './http.ts';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshAccessToken,
} from './oauth2.ts';

// The sandbox's documented limits (src/sandbox/rules.ts; test/sandbox/rules.test.ts keeps them equal).
const MAX_TEXT_GRAPHEMES = 500;
const MAX_MEDIA_PER_POST = 4;
const MAX_MEDIA_BYTES = 8 * 1024 * 1024;
const MAX_ALT_TEXT_GRAPHEMES = 1500;
const MEDIA_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'video/mp4']);
/** When a 429 says neither Retry-After nor X-RateLimit-Reset. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

const capabilities: Capabilities = {
  text: true,
  images: MAX_MEDIA_PER_POST,
  video: true,
  threads: true,
  maxTextLength: MAX_TEXT_GRAPHEMES,
  idempotentPublish: true,
  canDelete: true,
  metrics: true,
  comments: true,
};

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

function checkText(text: string, mediaCount: number): string | null {
  if (text.trim() === '' && mediaCount === 0) return 'must not be empty unless the post has media';
  const length = countGraphemes(text);
  return length > MAX_TEXT_GRAPHEMES
    ? `must be at most ${MAX_TEXT_GRAPHEMES} characters (has ${length})`
    : null;
}

// --- HTTP -------------------------------------------------------------------------------------

const accountReply = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  avatar_url: z.string().nullable(),
  followers: z.number(),
  url: z.string().optional(),
});
const postReply = z.object({ id: z.string(), url: z.string() });
const mediaReply = z.object({ id: z.string() });
const postsReply = z.object({ posts: z.array(postReply) });
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
/** The most comments the sandbox answers at once (its documented page limit). */
const MAX_COMMENTS_PAGE = 100;
const metricsReply = z.object({
  likes: z.number(),
  comments: z.number(),
  shares: z.number(),
  impressions: z.number(),
});

function baseUrl(ctx: AdapterContext): string {
  const base = ctx.app.baseUrl?.replace(/\/+$/, '');
  if (!base)
    throw new PlatformError({ kind: 'invalid', message: 'the Sandbox platform app has no base URL' });
  return base;
}

const int = (value: string | null) => {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value);
};

function parseRateLimit(headers: Headers): RateLimitInfo | null {
  const limit = int(headers.get('x-ratelimit-limit'));
  const remaining = int(headers.get('x-ratelimit-remaining'));
  const reset = int(headers.get('x-ratelimit-reset'));
  if (limit === null && remaining === null && reset === null) return null;
  return { bucket: 'posts', limit, remaining, resetAt: reset === null ? null : new Date(reset * 1000) };
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3), else the bucket's reset. */
function retryAfterOf(headers: Headers, rateLimit: RateLimitInfo | null): Date {
  const header = headers.get('retry-after');
  const seconds = int(header);
  if (seconds !== null) return new Date(Date.now() + seconds * 1000);
  const date = header ? Date.parse(header) : Number.NaN;
  if (!Number.isNaN(date)) return new Date(date);
  return rateLimit?.resetAt ?? new Date(Date.now() + DEFAULT_RETRY_AFTER_MS);
}

/** The API's error code and message (`{"error": {"code", "message"}}`); token errors are oauth2.ts's. */
function describeFailure(body: unknown): { code: string | null; message: string | null } {
  const e = (body as { error?: unknown } | null)?.error as { code?: unknown; message?: unknown } | undefined;
  return {
    code: typeof e?.code === 'string' ? e.code : null,
    message: typeof e?.message === 'string' ? e.message : null,
  };
}

function failureFor(options: {
  what: string;
  status: number;
  headers: Headers;
  body: unknown;
  rateLimit: RateLimitInfo | null;
}): PlatformError {
  const { status, rateLimit } = options;
  const { code, message } = describeFailure(options.body);
  const text = `${options.what}: the sandbox answered ${status}${message ? `: ${message}` : ''}`;
  const common = { message: text, code, status, rateLimit };
  if (status === 401 || status === 403) return new PlatformError({ kind: 'auth', ...common });
  if (status === 429) {
    return new PlatformError({
      kind: 'rate_limited',
      retryAfter: retryAfterOf(options.headers, rateLimit),
      ...common,
    });
  }
  if (status === 409 && code === 'duplicate') return new PlatformError({ kind: 'duplicate', ...common });
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

type Call = {
  /** Names the call in error messages (never includes a token). */
  what: string;
  method?: string;
  path: string;
  token?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  /** Statuses that are not failures for this call (e.g. 404 when deleting). */
  accept?: number[];
};

async function call<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  options: Call,
): Promise<{ data: T; status: number; rateLimit: RateLimitInfo | null }> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const { response, body } = await sendToPlatform(ctx, options.what, `${baseUrl(ctx)}${options.path}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body ?? null,
  });
  const rateLimit = parseRateLimit(response.headers);
  const accepted = options.accept?.includes(response.status) ?? false;
  if (!response.ok && !accepted) {
    throw failureFor({
      what: options.what,
      status: response.status,
      headers: response.headers,
      body,
      rateLimit,
    });
  }
  if (!schema || accepted) return { data: undefined as T, status: response.status, rateLimit };
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new PlatformError({
      kind: 'transient',
      message: `${options.what}: unexpected reply from the sandbox`,
      status: response.status,
      rateLimit,
    });
  }
  return { data: parsed.data, status: response.status, rateLimit };
}

// --- OAuth ---------------------------------------------------------------------------------

/** The sandbox's authorization server: a confidential client authenticates with Basic, a public one sends its id. */
function oauthServer(ctx: AdapterContext): OAuth2Server {
  return {
    name: 'the sandbox',
    authorizationEndpoint: `${baseUrl(ctx)}/oauth/authorize`,
    tokenEndpoint: `${baseUrl(ctx)}/oauth/token`,
    clientAuthentication: ctx.app.clientSecret ? 'client_secret_basic' : 'none',
  };
}

// --- Publishing -------------------------------------------------------------------------------

/** Extra posts of a thread, from `options.thread` (an array of texts). */
function threadOf(options: Record<string, unknown>): unknown[] {
  const thread = options.thread;
  return Array.isArray(thread) ? thread : [];
}

function validate(request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const textProblem = checkText(request.text, request.media.length);
  if (textProblem) issues.push({ field: 'text', message: textProblem });
  if (request.media.length > MAX_MEDIA_PER_POST) {
    issues.push({ field: 'media', message: `at most ${MAX_MEDIA_PER_POST} media per post` });
  }
  request.media.forEach((m, i) => {
    if (!MEDIA_TYPES.has(m.mimeType)) {
      issues.push({
        field: `media.${i}`,
        message: `${m.mimeType} is not accepted; use PNG, JPEG, GIF, WebP or MP4`,
      });
    }
    if (m.sizeBytes > MAX_MEDIA_BYTES) {
      issues.push({ field: `media.${i}`, message: `must be at most ${MAX_MEDIA_BYTES / 1024 / 1024} MB` });
    }
    if (m.altText && countGraphemes(m.altText) > MAX_ALT_TEXT_GRAPHEMES) {
      issues.push({
        field: `media.${i}.altText`,
        message: `must be at most ${MAX_ALT_TEXT_GRAPHEMES} characters`,
      });
    }
  });
  const thread = request.options.thread;
  if (thread !== undefined && !Array.isArray(thread)) {
    issues.push({ field: 'options.thread', message: 'must be a list of texts' });
  }
  threadOf(request.options).forEach((item, i) => {
    const problem = typeof item === 'string' ? checkText(item, 0) : 'must be a text';
    if (problem) issues.push({ field: `options.thread.${i}`, message: problem });
  });
  return issues;
}

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
    headers: { 'content-type': 'application/json', 'idempotency-key': options.idempotencyKey },
    body: JSON.stringify(body),
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

async function readProfile(ctx: AdapterContext, accessToken: string) {
  const { data } = await call(ctx, accountReply, {
    what: 'read profile',
    path: '/api/me',
    token: accessToken,
  });
  return data;
}

export const sandboxAdapter: OAuthAdapter = {
  id: 'sandbox',
  displayName: 'Sandbox',
  capabilities,

  authorizeUrl: (ctx, request) =>
    authorizationUrl(ctx, oauthServer(ctx), {
      ...request,
      ...(request.loginHint ? { params: { login_hint: request.loginHint } } : {}),
    }),

  exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, oauthServer(ctx), request),

  refresh(ctx, credentials: Credentials) {
    if (!credentials.refreshToken) {
      return Promise.reject(
        new PlatformError({ kind: 'auth', message: 'refresh: the connection has no refresh token' }),
      );
    }
    return refreshAccessToken(ctx, oauthServer(ctx), credentials.refreshToken);
  },

  async profile(ctx, tokens) {
    const me = await readProfile(ctx, tokens.accessToken);
    return {
      externalId: me.id,
      username: me.username,
      displayName: me.display_name,
      avatarUrl: me.avatar_url,
      metadata: { followers: me.followers },
    };
  },

  async discoverChannels(ctx, credentials) {
    const me = await readProfile(ctx, credentials.accessToken);
    return [
      {
        externalId: me.id,
        kind: 'profile',
        name: me.display_name,
        username: me.username,
        avatarUrl: me.avatar_url,
        url: me.url ?? `${baseUrl(ctx)}/@${me.username}`,
        followersCount: me.followers,
      },
    ];
  },

  validate,

  async publish(ctx, credentials, request) {
    const issues = validate(request);
    if (issues.length) {
      throw new PlatformError({
        kind: 'invalid',
        message: issues.map((i) => `${i.field}: ${i.message}`).join('; '),
      });
    }
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
  },

  async reconcile(ctx, credentials, request) {
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
  },

  async deletePost(ctx, credentials, remoteId) {
    // 404: already gone, which is what deleting wants.
    await call(ctx, null, {
      what: 'delete post',
      method: 'DELETE',
      path: `/api/posts/${encodeURIComponent(remoteId)}`,
      token: credentials.accessToken,
      accept: [404],
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const { data } = await call(ctx, metricsReply, {
      what: 'read metrics',
      path: `/api/posts/${encodeURIComponent(remoteId)}/metrics`,
      token: credentials.accessToken,
    });
    return { ...data, raw: data };
  },

  /** The post's replies at every depth, any account's (its own thread parts too), oldest first. */
  async readComments(ctx, credentials, remoteId, page): Promise<CommentPage> {
    const query = new URLSearchParams({
      limit: String(Math.min(Math.max(1, Math.floor(page.limit)), MAX_COMMENTS_PAGE)),
    });
    if (page.cursor) query.set('cursor', page.cursor);
    const { data } = await call(ctx, commentsReply, {
      what: 'read comments',
      path: `/api/posts/${encodeURIComponent(remoteId)}/comments?${query}`,
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
  },
};
