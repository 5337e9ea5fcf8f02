/**
 * A local server that speaks X API v2 as documented, for adapter tests: OAuth 2.0 with PKCE and
 * rotating refresh tokens, `POST /2/tweets` with its validation (unknown fields, 4 media, poll with
 * media, duplicate text → 403), chunked media upload (initialize/append/finalize/STATUS) with
 * asynchronous processing, the user timeline, lookup with public metrics, delete, recent search
 * by `conversation_id` (7-day window, newest first, `next_token` paging, `author_id` expansion), and
 * `x-rate-limit-*` / `x-user-limit-24hour-*` headers.
 *
 * Knobs let a test inject faults: `faults` answers a matching request with a status (optionally
 * after doing the work, like a reply lost on the way back), `postsPerWindow` caps creations,
 * `processing` decides how video/GIF processing goes, and `holdAfterCommit` keeps the reply of a
 * stored post back (for crash tests that kill the client while it waits). `addReply` puts another
 * account's reply into a conversation; `searchPerWindow` caps recent searches per 15 minutes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twitter from 'twitter-text';

export type Fault = {
  /** `METHOD /path` where a path segment may be `*`. */
  route: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Do the work, then answer with the fault (the client never learns it succeeded). */
  afterCommit?: boolean;
  /** Only requests whose body or query contains this string. */
  when?: string;
  times?: number;
};

type Grant = {
  clientId: string;
  redirectUri: string;
  challenge: string;
  method: string;
  scopes: string[];
  expiresAt: number;
};
type Token = { userId: string; scopes: string[]; expiresAt: number };
type Media = {
  id: string;
  type: string;
  category: string;
  total: number;
  segments: Map<number, Buffer>;
  appendLog: number[];
  finalized: boolean;
  polls: number;
  state: 'pending' | 'in_progress' | 'succeeded' | 'failed' | null;
  altText: string | null;
};
export type Post = {
  id: string;
  authorId: string;
  text: string;
  mediaIds: string[];
  replyTo: string | null;
  replySettings: string | null;
  poll: unknown;
  createdAt: string;
  metrics: Record<string, number>;
};

export type XUser = { id: string; username: string; name: string };

export type XServer = {
  base: string;
  clientId: string;
  clientSecret: string;
  user: XUser;
  posts: Map<string, Post>;
  media: Map<string, Media>;
  faults: Fault[];
  requests: string[];
  knobs: {
    accessTokenTtlSeconds: number;
    postsPerWindow: number | null;
    /** STATUS polls before processing ends, and how it ends. */
    processing: { polls: number; outcome: 'succeeded' | 'failed'; checkAfterSecs: number };
    /** Store created posts but keep their replies until `releaseHeld()` (a client killed meanwhile never hears back). */
    holdAfterCommit: boolean;
    /** Recent searches a token may make per 15-minute window before 429. */
    searchPerWindow: number;
  };
  /** Another account replies to `to` (a post or a reply); returns the reply's id. */
  addReply(reply: { to: string; text: string; author?: XUser; createdAt?: Date; likes?: number }): string;
  /** Sends the replies `holdAfterCommit` kept back (to clients still listening). */
  releaseHeld(): void;
  /** Makes every access token issued so far expire now. */
  expireAccessTokens(): void;
  assembled(mediaId: string): Buffer;
  close(): Promise<void>;
};

const SUPPORTED_MEDIA = new Set([
  'video/mp4',
  'video/quicktime',
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
]);
const POST_FIELDS = new Set([
  'text',
  'media',
  'reply',
  'quote_tweet_id',
  'poll',
  'reply_settings',
  'community_id',
  'share_with_followers',
  'for_super_followers_only',
  'geo',
  'nullcast',
  'made_with_ai',
  'paid_partnership',
  'edit_options',
  'card_uri',
  'direct_message_deep_link',
]);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startXServer(): Promise<XServer> {
  const clientId = 'x-client';
  const clientSecret = 'x-secret';
  const user = { id: '1500000000000000001', username: 'heraldtest', name: 'Herald Test' };
  const grants = new Map<string, Grant & { userId: string }>();
  const tokens = new Map<string, Token>();
  const refreshTokens = new Map<string, { userId: string; scopes: string[]; used: boolean }>();
  const posts = new Map<string, Post>();
  const media = new Map<string, Media>();
  const windows = new Map<string, { count: number; reset: number }>();
  let nextId = 1_800_000_000_000_000_000n;
  const newId = () => String(nextId++);
  const knobs: XServer['knobs'] = {
    accessTokenTtlSeconds: 7200,
    postsPerWindow: null,
    processing: { polls: 1, outcome: 'succeeded', checkAfterSecs: 1 },
    holdAfterCommit: false,
    searchPerWindow: 300,
  };
  const users = new Map<string, XUser>([[user.id, user]]);
  const commenter: XUser = { id: '1500000000000000002', username: 'replyguy', name: 'Reply Guy' };
  users.set(commenter.id, commenter);
  /** What X shows as the text: links through t.co, `&<>` as entities. */
  const storedText = (text: string) =>
    text
      .replace(/https?:\/\/\S+/g, 'https://t.co/abc123')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;');
  /** The first post of the conversation a post belongs to. */
  const conversationOf = (post: Post): string => {
    let at = post;
    while (at.replyTo && posts.has(at.replyTo)) at = posts.get(at.replyTo)!;
    return at.id;
  };
  const SEARCH_WINDOW_MS = 7 * 86_400_000;
  const byIdDesc = (a: Post, b: Post) =>
    BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0;
  const held = new Set<() => void>();
  const faults: Fault[] = [];
  const requests: string[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const problem = (
    res: ServerResponse,
    status: number,
    title: string,
    detail: string,
    type = 'about:blank',
  ) => send(res, status, { title, detail, type, status });

  /** A 15-minute window per token and endpoint, reported the way X reports it. */
  function windowHeaders(key: string, limit: number): { headers: Record<string, string>; exceeded: boolean } {
    const now = Math.floor(Date.now() / 1000);
    let w = windows.get(key);
    if (!w || w.reset <= now) {
      w = { count: 0, reset: now + 900 };
      windows.set(key, w);
    }
    w.count++;
    const remaining = Math.max(0, limit - w.count);
    return {
      headers: {
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(remaining),
        'x-rate-limit-reset': String(w.reset),
      },
      exceeded: w.count > limit,
    };
  }

  function matchFault(method: string, path: string, payload: string): Fault | null {
    for (const fault of faults) {
      const [m, p] = fault.route.split(' ');
      if (m !== method) continue;
      const a = p!.split('/');
      const b = path.split('/');
      if (a.length !== b.length || a.some((seg, i) => seg !== '*' && seg !== b[i])) continue;
      if (fault.when && !payload.includes(fault.when)) continue;
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      }
      return fault;
    }
    return null;
  }

  function authUser(req: IncomingMessage): Token | null {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? tokens.get(header.slice(7)) : undefined;
    if (!token || token.expiresAt <= Date.now()) return null;
    return token;
  }

  function issueTokens(userId: string, scopes: string[]) {
    const access = `xat-${randomBytes(12).toString('hex')}`;
    tokens.set(access, { userId, scopes, expiresAt: Date.now() + knobs.accessTokenTtlSeconds * 1000 });
    const reply: Record<string, unknown> = {
      token_type: 'bearer',
      expires_in: knobs.accessTokenTtlSeconds,
      access_token: access,
      scope: scopes.join(' '),
    };
    if (scopes.includes('offline.access')) {
      const refresh = `xrt-${randomBytes(12).toString('hex')}`;
      refreshTokens.set(refresh, { userId, scopes, used: false });
      reply.refresh_token = refresh;
    }
    return reply;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x.test');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const seg = path.split('/').filter(Boolean);

    if (method === 'GET' && path === '/i/oauth2/authorize') {
      const q = url.searchParams;
      const redirect = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || !redirect) {
        return send(res, 400, { error: 'invalid_request' });
      }
      const challenge = q.get('code_challenge');
      const challengeMethod = q.get('code_challenge_method') ?? 'plain';
      if (!challenge || !['S256', 'plain'].includes(challengeMethod))
        return send(res, 400, { error: 'invalid_request' });
      const code = `code-${randomBytes(8).toString('hex')}`;
      grants.set(code, {
        clientId,
        redirectUri: redirect,
        challenge,
        method: challengeMethod,
        scopes: (q.get('scope') ?? '').split(' ').filter(Boolean),
        expiresAt: Date.now() + 30_000,
        userId: user.id,
      });
      const to = new URL(redirect);
      to.searchParams.set('code', code);
      to.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: to.toString() });
      return void res.end();
    }

    if (method === 'POST' && path === '/2/oauth2/token') {
      const form = new URLSearchParams(raw.toString());
      const basic = req.headers.authorization?.startsWith('Basic ')
        ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString()
        : null;
      if (basic !== `${clientId}:${clientSecret}`) {
        return send(res, 401, {
          error: 'unauthorized_client',
          error_description: 'Missing valid authorization header',
        });
      }
      if (form.get('grant_type') === 'authorization_code') {
        const grant = grants.get(form.get('code') ?? '');
        grants.delete(form.get('code') ?? '');
        if (!grant || grant.expiresAt < Date.now() || grant.redirectUri !== form.get('redirect_uri')) {
          return send(res, 400, {
            error: 'invalid_request',
            error_description: 'Value passed for the authorization code was invalid.',
          });
        }
        const verifier = form.get('code_verifier') ?? '';
        const computed =
          grant.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
        if (computed !== grant.challenge) {
          return send(res, 400, {
            error: 'invalid_request',
            error_description: 'Value passed for the code verifier did not match.',
          });
        }
        return send(res, 200, issueTokens(grant.userId, grant.scopes));
      }
      if (form.get('grant_type') === 'refresh_token') {
        const stored = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!stored || stored.used) {
          return send(res, 400, {
            error: 'invalid_request',
            error_description: 'Value passed for the token was invalid.',
          });
        }
        stored.used = true; // rotation: the old refresh token stops working
        return send(res, 200, issueTokens(stored.userId, stored.scopes));
      }
      return send(res, 400, { error: 'unsupported_grant_type' });
    }

    const token = authUser(req);
    if (!token) return problem(res, 401, 'Unauthorized', 'Unauthorized');

    if (method === 'GET' && path === '/2/users/me') {
      const { headers } = windowHeaders(`${token.userId}:me`, 75);
      return send(
        res,
        200,
        {
          data: {
            ...user,
            ...(url.searchParams.get('user.fields')?.includes('profile_image_url')
              ? { profile_image_url: 'https://pbs.example/avatar.jpg' }
              : {}),
            public_metrics: {
              followers_count: 42,
              following_count: 1,
              tweet_count: posts.size,
              listed_count: 0,
            },
          },
        },
        headers,
      );
    }

    if (path.startsWith('/2/media')) {
      const { headers } = windowHeaders(`${token.userId}:media`, 1875);
      if (!token.scopes.includes('media.write') && method === 'POST') {
        return problem(
          res,
          403,
          'Forbidden',
          'Missing media.write scope',
          'https://api.x.com/2/problems/client-forbidden',
        );
      }
      if (method === 'POST' && path === '/2/media/upload/initialize') {
        const body = JSON.parse(raw.toString() || '{}');
        if (!SUPPORTED_MEDIA.has(body.media_type) || !Number.isInteger(body.total_bytes)) {
          return problem(res, 400, 'Invalid Request', 'One or more parameters to your request was invalid.');
        }
        const id = newId();
        media.set(id, {
          id,
          type: body.media_type,
          category: body.media_category ?? 'tweet_image',
          total: body.total_bytes,
          segments: new Map(),
          appendLog: [],
          finalized: false,
          polls: 0,
          state: null,
          altText: null,
        });
        return send(res, 200, { data: { id, media_key: `3_${id}`, expires_after_secs: 86400 } }, headers);
      }
      const item = seg[3] ? media.get(seg[3]) : undefined;
      if (method === 'POST' && seg[2] === 'upload' && seg[4] === 'append') {
        if (!item) return problem(res, 400, 'Invalid Request', 'media id not found');
        const form = await new Response(new Uint8Array(raw), {
          headers: { 'content-type': String(req.headers['content-type']) },
        }).formData();
        const index = Number(form.get('segment_index'));
        const chunk = form.get('media');
        if (!Number.isInteger(index) || index < 0 || index > 999 || !(chunk instanceof Blob)) {
          return problem(res, 400, 'Invalid Request', 'segment_index and media are required');
        }
        if (chunk.size > 5 * 1024 * 1024) return problem(res, 400, 'Invalid Request', 'segment too large');
        item.segments.set(index, Buffer.from(await chunk.arrayBuffer()));
        item.appendLog.push(index);
        return send(res, 200, undefined, headers);
      }
      if (method === 'POST' && seg[2] === 'upload' && seg[4] === 'finalize') {
        if (!item) return problem(res, 400, 'Invalid Request', 'media id not found');
        const size = [...item.segments.values()].reduce((n, b) => n + b.length, 0);
        if (size !== item.total) {
          return problem(
            res,
            400,
            'Invalid Request',
            `File size mismatch: expected ${item.total}, got ${size}`,
          );
        }
        item.finalized = true;
        const async = item.category === 'tweet_video' || item.category === 'tweet_gif';
        item.state = async ? 'pending' : 'succeeded';
        return send(
          res,
          200,
          {
            data: {
              id: item.id,
              media_key: `3_${item.id}`,
              size,
              expires_after_secs: 86400,
              ...(async
                ? { processing_info: { state: 'pending', check_after_secs: knobs.processing.checkAfterSecs } }
                : {}),
            },
          },
          headers,
        );
      }
      if (method === 'GET' && path === '/2/media/upload' && url.searchParams.get('command') === 'STATUS') {
        const polled = media.get(url.searchParams.get('media_id') ?? '');
        if (!polled) return problem(res, 404, 'Not Found Error', 'media not found');
        polled.polls++;
        if (polled.state === 'pending' || polled.state === 'in_progress') {
          polled.state = polled.polls > knobs.processing.polls ? knobs.processing.outcome : 'in_progress';
        }
        const info: Record<string, unknown> = { state: polled.state };
        if (polled.state === 'in_progress') {
          info.check_after_secs = knobs.processing.checkAfterSecs;
          info.progress_percent = 50;
        }
        if (polled.state === 'failed') {
          info.error = { code: 1, name: 'InvalidMedia', message: 'Unsupported video format' };
        }
        return send(
          res,
          200,
          { data: { id: polled.id, media_key: `3_${polled.id}`, processing_info: info } },
          headers,
        );
      }
      if (method === 'POST' && path === '/2/media/metadata') {
        const body = JSON.parse(raw.toString() || '{}');
        const target = media.get(body.id);
        const alt = body.metadata?.alt_text?.text;
        if (!target || typeof alt !== 'string' || alt.length > 1000) {
          return problem(res, 400, 'Invalid Request', 'invalid metadata');
        }
        target.altText = alt;
        return send(
          res,
          200,
          { data: { id: target.id, associated_metadata: { alt_text: { text: alt } } } },
          headers,
        );
      }
      return problem(res, 404, 'Not Found', 'no such media route');
    }

    if (method === 'POST' && path === '/2/tweets') {
      const { headers } = windowHeaders(`${token.userId}:tweets`, 100);
      const limit = knobs.postsPerWindow;
      const counted = [...posts.values()].filter((p) => p.authorId === token.userId).length;
      const reset = String(Math.floor(Date.now() / 1000) + 900);
      const daily = {
        'x-user-limit-24hour-limit': String(limit ?? 17),
        'x-user-limit-24hour-remaining': String(Math.max(0, (limit ?? 17) - counted - 1)),
        'x-user-limit-24hour-reset': reset,
      };
      if (limit !== null && counted >= limit) {
        return send(
          res,
          429,
          { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
          { ...headers, ...daily, 'x-user-limit-24hour-remaining': '0' },
        );
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString());
      } catch {
        return problem(res, 400, 'Invalid Request', 'body is not JSON');
      }
      const unknown = Object.keys(body).filter((k) => !POST_FIELDS.has(k));
      if (unknown.length) {
        return problem(
          res,
          400,
          'Invalid Request',
          `unknown fields: ${unknown.join(', ')}`,
          'https://api.x.com/2/problems/invalid-request',
        );
      }
      const text = typeof body.text === 'string' ? body.text : '';
      const mediaIds = ((body.media as { media_ids?: string[] } | undefined)?.media_ids ?? []).map(String);
      if (!text && !mediaIds.length) return problem(res, 400, 'Invalid Request', 'text or media is required');
      if (text && !twitter.parseTweet(text).valid) {
        return problem(res, 400, 'Invalid Request', 'Tweet text is too long.');
      }
      if (mediaIds.length > 4) return problem(res, 400, 'Invalid Request', 'maximum of 4 items');
      if (mediaIds.length && body.poll)
        return problem(res, 400, 'Invalid Request', 'poll and media are mutually exclusive');
      for (const id of mediaIds) {
        const item = media.get(id);
        if (!item?.finalized || item.state !== 'succeeded') {
          return problem(res, 400, 'Invalid Request', `Your media IDs are invalid: ${id}`);
        }
      }
      const replyTo =
        (body.reply as { in_reply_to_tweet_id?: string } | undefined)?.in_reply_to_tweet_id ?? null;
      if (replyTo && !posts.has(replyTo))
        return problem(res, 400, 'Invalid Request', 'reply target not found');
      if (text && [...posts.values()].some((p) => p.authorId === token.userId && p.text === text)) {
        return send(res, 403, {
          detail: 'You are not allowed to create a Tweet with duplicate content.',
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
        });
      }
      const id = newId();
      // X appends a t.co link for attached media and rewrites every link.
      const stored =
        `${text.replace(/https?:\/\/\S+/g, 'https://t.co/abc123')}${mediaIds.length ? ' https://t.co/media1' : ''}`.replace(
          /&/g,
          '&amp;',
        );
      posts.set(id, {
        id,
        authorId: token.userId,
        text,
        mediaIds,
        replyTo,
        replySettings: (body.reply_settings as string) ?? null,
        poll: body.poll ?? null,
        createdAt: new Date().toISOString(),
        metrics: {
          retweet_count: 2,
          reply_count: 3,
          like_count: 5,
          quote_count: 1,
          bookmark_count: 4,
          impression_count: 100,
        },
      });
      (posts.get(id) as Post & { stored: string }).stored = stored;
      if (knobs.holdAfterCommit) {
        await new Promise<void>((resolve) => held.add(resolve));
        if (req.socket.destroyed) return;
      }
      return send(
        res,
        201,
        { data: { id, text: stored, edit_history_tweet_ids: [id] } },
        { ...headers, ...daily },
      );
    }

    if (method === 'GET' && seg[0] === '2' && seg[1] === 'users' && seg[3] === 'tweets') {
      const { headers } = windowHeaders(`${token.userId}:timeline`, 900);
      const list = [...posts.values()]
        .filter((p) => p.authorId === seg[2])
        .reverse()
        .slice(0, Number(url.searchParams.get('max_results') ?? 10))
        .map((p) => ({
          id: p.id,
          text: (p as Post & { stored: string }).stored,
          created_at: p.createdAt,
          ...(p.replyTo ? { referenced_tweets: [{ type: 'replied_to', id: p.replyTo }] } : {}),
        }));
      return send(
        res,
        200,
        list.length ? { data: list, meta: { result_count: list.length } } : { meta: { result_count: 0 } },
        headers,
      );
    }

    if (method === 'GET' && path === '/2/tweets/search/recent') {
      const { headers, exceeded } = windowHeaders(`${token.userId}:search`, knobs.searchPerWindow);
      if (exceeded) {
        return send(
          res,
          429,
          { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
          headers,
        );
      }
      const q = url.searchParams;
      const invalid = (message: string) =>
        send(
          res,
          400,
          {
            errors: [{ message }],
            title: 'Invalid Request',
            detail: 'One or more parameters to your request was invalid.',
            type: 'https://api.x.com/2/problems/invalid-request',
          },
          headers,
        );
      const conversation = /^conversation_id:(\d+)$/.exec(q.get('query') ?? '')?.[1];
      if (!conversation) return invalid('This fake only understands `conversation_id:<id>` queries');
      const max = Number(q.get('max_results') ?? 10);
      if (!Number.isInteger(max) || max < 10 || max > 100) {
        return invalid(
          `The \`max_results\` query parameter value [${q.get('max_results')}] is not between 10 and 100`,
        );
      }
      const sortOrder = q.get('sort_order') ?? 'recency';
      if (!['recency', 'relevancy'].includes(sortOrder))
        return invalid('sort_order must be recency or relevancy');
      const since = Date.now() - SEARCH_WINDOW_MS;
      let found = [...posts.values()]
        .filter(
          (p) =>
            p.id !== conversation && conversationOf(p) === conversation && Date.parse(p.createdAt) >= since,
        )
        .sort(byIdDesc);
      const nextToken = q.get('next_token');
      if (nextToken) {
        const after = Buffer.from(nextToken, 'base64url').toString();
        if (!posts.has(after)) {
          return invalid(`The \`next_token\` query parameter value [${nextToken}] is not valid`);
        }
        found = found.filter((p) => BigInt(p.id) < BigInt(after));
      }
      const slice = found.slice(0, max);
      const fields = new Set((q.get('tweet.fields') ?? '').split(','));
      const data = slice.map((p) => ({
        id: p.id,
        text: (p as Post & { stored: string }).stored,
        edit_history_tweet_ids: [p.id],
        ...(fields.has('author_id') ? { author_id: p.authorId } : {}),
        ...(fields.has('created_at') ? { created_at: p.createdAt } : {}),
        ...(fields.has('conversation_id') ? { conversation_id: conversation } : {}),
        ...(fields.has('in_reply_to_user_id') && p.replyTo
          ? { in_reply_to_user_id: posts.get(p.replyTo)?.authorId }
          : {}),
        ...(fields.has('referenced_tweets') && p.replyTo
          ? { referenced_tweets: [{ type: 'replied_to', id: p.replyTo }] }
          : {}),
        ...(fields.has('public_metrics') ? { public_metrics: p.metrics } : {}),
      }));
      if (!data.length) return send(res, 200, { meta: { result_count: 0 } }, headers);
      const userFields = new Set((q.get('user.fields') ?? '').split(','));
      const authors = [...new Set(slice.map((p) => p.authorId))].map((id) => {
        const u = users.get(id)!;
        // id, name and username come always; other fields only when asked for.
        return {
          id: u.id,
          name: u.name,
          username: u.username,
          ...(userFields.has('profile_image_url')
            ? { profile_image_url: `https://pbs.example/${u.username}.jpg` }
            : {}),
        };
      });
      const more = found.length > slice.length;
      return send(
        res,
        200,
        {
          data,
          ...((q.get('expansions') ?? '').split(',').includes('author_id')
            ? { includes: { users: authors } }
            : {}),
          meta: {
            newest_id: slice[0]!.id,
            oldest_id: slice.at(-1)!.id,
            result_count: slice.length,
            ...(more ? { next_token: Buffer.from(slice.at(-1)!.id).toString('base64url') } : {}),
          },
        },
        headers,
      );
    }

    if (seg[0] === '2' && seg[1] === 'tweets' && seg[2]) {
      const post = posts.get(seg[2]);
      if (method === 'DELETE') {
        const { headers } = windowHeaders(`${token.userId}:delete`, 50);
        if (!post)
          return problem(
            res,
            404,
            'Not Found Error',
            'Could not find tweet',
            'https://api.x.com/2/problems/resource-not-found',
          );
        if (post.authorId !== token.userId)
          return problem(res, 403, 'Forbidden', 'You are not allowed to delete this Tweet.');
        posts.delete(post.id);
        return send(res, 200, { data: { deleted: true } }, headers);
      }
      if (method === 'GET') {
        const { headers } = windowHeaders(`${token.userId}:lookup`, 900);
        if (!post) {
          return send(
            res,
            200,
            {
              errors: [
                {
                  value: seg[2],
                  detail: `Could not find tweet with id: [${seg[2]}].`,
                  title: 'Not Found Error',
                  resource_type: 'tweet',
                  type: 'https://api.x.com/2/problems/resource-not-found',
                },
              ],
            },
            headers,
          );
        }
        return send(
          res,
          200,
          { data: { id: post.id, text: post.text, public_metrics: post.metrics } },
          headers,
        );
      }
    }
    return problem(res, 404, 'Not Found', `no route ${method} ${path}`);
  }

  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://x.test');
      requests.push(`${req.method} ${url.pathname}`);
      const fault = matchFault(req.method ?? 'GET', url.pathname, `${url.search} ${raw.toString('latin1')}`);
      if (fault && !fault.afterCommit) {
        return send(
          res,
          fault.status,
          fault.body ?? { title: 'Service Unavailable', status: fault.status },
          fault.headers,
        );
      }
      if (fault?.afterCommit) {
        // Do the work, throw the answer away, and answer with the fault instead.
        const sink = {
          writeHead: () => sink,
          end: () => sink,
          setHeader: () => sink,
        } as unknown as ServerResponse;
        await handle(req, sink, raw);
        return send(
          res,
          fault.status,
          fault.body ?? { title: 'Service Unavailable', status: fault.status },
          fault.headers,
        );
      }
      await handle(req, res, raw);
    } catch (error) {
      send(res, 500, { title: 'Internal Server Error', detail: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    base: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    user,
    posts,
    media,
    faults,
    requests,
    knobs,
    expireAccessTokens() {
      for (const t of tokens.values()) t.expiresAt = Date.now() - 1;
    },
    addReply(reply) {
      if (!posts.has(reply.to)) throw new Error(`no post ${reply.to} to reply to`);
      const author = reply.author ?? commenter;
      users.set(author.id, author);
      const id = newId();
      posts.set(id, {
        id,
        authorId: author.id,
        text: reply.text,
        mediaIds: [],
        replyTo: reply.to,
        replySettings: null,
        poll: null,
        createdAt: (reply.createdAt ?? new Date()).toISOString(),
        metrics: {
          retweet_count: 0,
          reply_count: 0,
          like_count: reply.likes ?? 0,
          quote_count: 0,
          bookmark_count: 0,
          impression_count: 0,
        },
      });
      (posts.get(id) as Post & { stored: string }).stored = storedText(reply.text);
      return id;
    },
    assembled(mediaId) {
      const item = media.get(mediaId)!;
      return Buffer.concat([...item.segments.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
    },
    releaseHeld() {
      for (const release of held) release();
      held.clear();
    },
    close: () =>
      new Promise((resolve) => {
        for (const release of held) release();
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
