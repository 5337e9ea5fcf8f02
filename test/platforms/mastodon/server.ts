/**
 * A Mastodon instance as its documentation describes it, for the adapter's tests: dynamic app
 * registration, OAuth with optional PKCE (S256) and non-expiring tokens, `/api/v2/instance`
 * limits, v2 media upload answering 200 or 202 then 206 / 200 / 422 on polling, statuses with
 * `Idempotency-Key` kept for an hour, Mastodon-style HTML content, `X-RateLimit-*` headers with an
 * ISO reset, and Mastodon's `{"error": …}` bodies. Knobs let tests inject faults.
 *
 * A status's context (`/api/v1/statuses/:id/context`) answers its ancestors and all its descendants
 * at once, depth first, each status's replies oldest first, as Mastodon does; `reply()` lets tests
 * add other accounts' replies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Account = { id: string; username: string; displayName: string; followers: number };
type Status = {
  id: string;
  accountId: string;
  text: string;
  spoilerText: string;
  inReplyToId: string | null;
  mediaIds: string[];
  createdAt: Date;
  favourites: number;
  reblogs: number;
  replies: number;
  visibility: string;
};
type Media = {
  id: string;
  accountId: string;
  mimeType: string;
  description: string | null;
  pollsLeft: number;
  fails: boolean;
};
type Fault = {
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times: number;
};

export type MastodonServer = Awaited<ReturnType<typeof startMastodonServer>>;

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** Mastodon's rendering of plain text: paragraphs, <br />, linkified URLs with invisible spans, h-card mentions. */
function render(text: string): string {
  const inline = (line: string) =>
    escapeHtml(line)
      .replace(/https?:\/\/[^\s<]+/g, (url) => {
        const [, scheme, rest] = /^(https?:\/\/)(.*)$/.exec(url)!;
        return `<a href="${url}" rel="nofollow noopener" target="_blank"><span class="invisible">${scheme}</span><span class="">${rest}</span><span class="invisible"></span></a>`;
      })
      .replace(
        /(^|\s)@([a-z0-9_]+)(?:@[a-z0-9.-]+)?/gi,
        (_m, pre, user) =>
          `${pre}<span class="h-card"><a href="https://remote.example/@${user}" class="u-url mention">@<span>${user}</span></a></span>`,
      );
  return text
    .split(/\n\n+/)
    .map((p) => `<p>${p.split('\n').map(inline).join('<br />')}</p>`)
    .join('');
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const graphemes = (s: string) => [...segmenter.segment(s)].length;

export async function startMastodonServer(options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  let nextId = 110_000_000_000_000_000n;
  const newId = () => String(nextId++);
  const apps = new Map<string, { secret: string; redirectUris: string[]; scopes: string[] }>();
  const codes = new Map<
    string,
    { clientId: string; redirectUri: string; challenge: string | null; scopes: string[]; accountId: string }
  >();
  const tokens = new Map<string, { accountId: string; scopes: string[]; clientId: string }>();
  const refreshTokens = new Map<string, { accountId: string; scopes: string[]; clientId: string }>();
  const accounts = new Map<string, Account>();
  const statuses = new Map<string, Status>();
  const media = new Map<string, Media>();
  const idempotency = new Map<string, { statusId: string; at: Date }>();
  const faults: Fault[] = [];
  const requests: { method: string; path: string; headers: IncomingMessage['headers'] }[] = [];

  const state = {
    /** Which account the next authorisation signs in as. */
    signedInAs: '1',
    /** `/api/v2/instance` configuration. */
    limits: { maxCharacters: 500, maxMedia: 4, imageSizeLimit: 16 * 1024 * 1024 },
    /** How many 206 polls a 202 upload answers before it is ready (0 = processed at once, 200). */
    processingPolls: 0,
    /** Every upload fails processing (422 on polling). */
    processingFails: false,
    /** Issue refresh tokens that rotate (Mastodon does not; some forks do). */
    issueRefreshTokens: false,
    /** Requires the PKCE verifier whenever a challenge was sent (Mastodon ≥ 4.3). */
    pkce: true,
    rateLimit: { limit: 300, remaining: 300, resetAt: new Date(now().getTime() + 5 * 60_000) },
    /**
     * What happens to the reply of a status once it is stored: `drop` closes the connection without
     * answering (once; the client sees a network failure for a post that exists), `hold` keeps every
     * reply until `releaseHeld()` (a client killed meanwhile never learns its post went out).
     */
    afterCommit: null as null | 'drop' | 'hold',
  };
  const held = new Set<() => void>();

  accounts.set('1', { id: '1', username: 'alice', displayName: 'Alice', followers: 42 });

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  function accountJson(a: Account) {
    return {
      id: a.id,
      username: a.username,
      acct: a.username,
      display_name: a.displayName,
      avatar: `http://avatars.example/${a.id}.png`,
      url: `https://social.example/@${a.username}`,
      followers_count: a.followers,
    };
  }

  function statusJson(s: Status) {
    const account = accounts.get(s.accountId)!;
    return {
      id: s.id,
      uri: `https://social.example/users/${account.username}/statuses/${s.id}`,
      url: `https://social.example/@${account.username}/${s.id}`,
      created_at: s.createdAt.toISOString(),
      content: render(s.text),
      spoiler_text: s.spoilerText,
      visibility: s.visibility,
      in_reply_to_id: s.inReplyToId,
      media_attachments: s.mediaIds.map((id) => ({ id, type: 'image', url: `https://files.example/${id}` })),
      replies_count: s.replies,
      reblogs_count: s.reblogs,
      favourites_count: s.favourites,
      account: accountJson(account),
    };
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function parseBody(req: IncomingMessage, raw: Buffer): Promise<Record<string, unknown> | FormData> {
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/json')) return JSON.parse(raw.toString('utf8') || '{}');
    if (type.startsWith('application/x-www-form-urlencoded'))
      return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    if (type.startsWith('multipart/form-data')) {
      return new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': type },
        body: new Uint8Array(raw),
      }).formData();
    }
    return {};
  }

  function authed(req: IncomingMessage) {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match ? (tokens.get(match[1]!) ?? null) : null;
  }

  function rateLimitHeaders(): Record<string, string> {
    if (state.rateLimit.resetAt < now()) {
      state.rateLimit.remaining = state.rateLimit.limit;
      state.rateLimit.resetAt = new Date(now().getTime() + 5 * 60_000);
    }
    return {
      'x-ratelimit-limit': String(state.rateLimit.limit),
      'x-ratelimit-remaining': String(Math.max(0, state.rateLimit.remaining)),
      'x-ratelimit-reset': state.rateLimit.resetAt.toISOString(),
    };
  }

  function issueToken(accountId: string, scopes: string[], clientId: string) {
    const token = randomBytes(16).toString('hex');
    tokens.set(token, { accountId, scopes, clientId });
    const body: Record<string, unknown> = {
      access_token: token,
      token_type: 'Bearer',
      scope: scopes.join(' '),
      created_at: Math.floor(now().getTime() / 1000),
    };
    if (state.issueRefreshTokens) {
      const refresh = randomBytes(16).toString('hex');
      refreshTokens.set(refresh, { accountId, scopes, clientId });
      body.refresh_token = refresh;
      body.expires_in = 3600;
    }
    return body;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    requests.push({ method, path: `${path}${url.search}`, headers: req.headers });
    const raw = await readBody(req);

    const fault = faults.find((f) => f.times > 0 && f.path.test(path) && (!f.method || f.method === method));
    if (fault) {
      fault.times--;
      return json(res, fault.status, fault.body ?? { error: 'injected fault' }, {
        ...rateLimitHeaders(),
        ...fault.headers,
      });
    }

    // --- OAuth -------------------------------------------------------------------------------
    if (method === 'POST' && path === '/api/v1/apps') {
      const body = (await parseBody(req, raw)) as Record<string, unknown>;
      if (typeof body.client_name !== 'string' || !body.redirect_uris) {
        return json(res, 422, { error: "Validation failed: Application name can't be blank" });
      }
      const clientId = randomBytes(12).toString('hex');
      const secret = randomBytes(16).toString('hex');
      const redirectUris = ([] as string[]).concat(body.redirect_uris as string | string[]);
      const scopes = String(body.scopes ?? 'read').split(/\s+/);
      apps.set(clientId, { secret, redirectUris, scopes });
      return json(res, 200, {
        id: newId(),
        name: body.client_name,
        client_id: clientId,
        client_secret: secret,
        redirect_uri: redirectUris.join('\n'),
        redirect_uris: redirectUris,
        scopes,
      });
    }
    if (method === 'GET' && path === '/.well-known/oauth-authorization-server') {
      return json(res, 200, { issuer: 'http://social.example', code_challenge_methods_supported: ['S256'] });
    }
    if (method === 'GET' && path === '/oauth/authorize') {
      // The user is signed in and approves: redirect back with a code.
      const q = url.searchParams;
      const app = apps.get(q.get('client_id') ?? '');
      const redirectUri = q.get('redirect_uri') ?? '';
      if (!app?.redirectUris.includes(redirectUri)) return json(res, 400, { error: 'invalid_client' });
      const scopes = (q.get('scope') ?? 'read').split(/\s+/);
      if (scopes.some((s) => !app.scopes.includes(s))) return json(res, 400, { error: 'invalid_scope' });
      if (q.get('code_challenge') && q.get('code_challenge_method') !== 'S256') {
        return json(res, 400, { error: 'invalid_request', error_description: 'only S256' });
      }
      const code = randomBytes(12).toString('hex');
      codes.set(code, {
        clientId: q.get('client_id')!,
        redirectUri,
        challenge: q.get('code_challenge'),
        scopes,
        accountId: state.signedInAs,
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      if (q.get('state')) back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (method === 'POST' && path === '/oauth/token') {
      const body = (await parseBody(req, raw)) as Record<string, string>;
      const app = apps.get(body.client_id ?? '');
      if (!app || app.secret !== body.client_secret) {
        return json(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      }
      if (body.grant_type === 'authorization_code') {
        const grant = codes.get(body.code ?? '');
        codes.delete(body.code ?? '');
        if (!grant || grant.clientId !== body.client_id || grant.redirectUri !== body.redirect_uri) {
          return json(res, 400, {
            error: 'invalid_grant',
            error_description: 'The provided authorization grant is invalid',
          });
        }
        if (state.pkce && grant.challenge) {
          const computed = createHash('sha256')
            .update(body.code_verifier ?? '')
            .digest('base64url');
          if (computed !== grant.challenge) {
            return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
          }
        }
        return json(res, 200, issueToken(grant.accountId, grant.scopes, grant.clientId));
      }
      if (body.grant_type === 'refresh_token') {
        const grant = refreshTokens.get(body.refresh_token ?? '');
        if (!grant)
          return json(res, 400, {
            error: 'invalid_grant',
            error_description: 'The refresh token is invalid',
          });
        refreshTokens.delete(body.refresh_token ?? '');
        return json(res, 200, issueToken(grant.accountId, grant.scopes, grant.clientId));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }

    // --- Public --------------------------------------------------------------------------------
    if (method === 'GET' && path === '/api/v2/instance') {
      return json(res, 200, {
        domain: 'social.example',
        configuration: {
          urls: { streaming: 'wss://social.example' },
          statuses: {
            max_characters: state.limits.maxCharacters,
            max_media_attachments: state.limits.maxMedia,
            characters_reserved_per_url: 23,
          },
          media_attachments: {
            supported_mime_types: [
              'image/jpeg',
              'image/png',
              'image/gif',
              'image/webp',
              'video/mp4',
              'audio/mpeg',
            ],
            image_size_limit: state.limits.imageSizeLimit,
            image_matrix_limit: 33_177_600,
            video_size_limit: 103_809_024,
            description_limit: 1500,
          },
        },
      });
    }

    // --- Authenticated API ------------------------------------------------------------------------
    const token = authed(req);
    if (!token) return json(res, 401, { error: 'The access token is invalid' });
    const headers = rateLimitHeaders();
    state.rateLimit.remaining--;
    if (state.rateLimit.remaining < 0) return json(res, 429, { error: 'Too many requests' }, headers);

    if (method === 'GET' && path === '/api/v1/accounts/verify_credentials') {
      return json(res, 200, accountJson(accounts.get(token.accountId)!), headers);
    }
    if (method === 'POST' && path === '/api/v2/media') {
      if (!token.scopes.some((s) => s === 'write' || s === 'write:media')) {
        return json(res, 403, { error: 'This action is outside the authorized scopes' }, headers);
      }
      const form = (await parseBody(req, raw)) as FormData;
      const file = form.get('file');
      if (!(file instanceof Blob))
        return json(res, 422, { error: "Validation failed: File can't be blank" }, headers);
      if (file.size > state.limits.imageSizeLimit && file.type.startsWith('image/')) {
        return json(
          res,
          422,
          { error: 'Validation failed: File file size must be less than 16 MB' },
          headers,
        );
      }
      const id = newId();
      const description = form.get('description');
      const item: Media = {
        id,
        accountId: token.accountId,
        mimeType: file.type,
        description: typeof description === 'string' ? description : null,
        pollsLeft: state.processingPolls,
        fails: state.processingFails,
      };
      media.set(id, item);
      const processing = item.pollsLeft > 0 || item.fails;
      return json(
        res,
        processing ? 202 : 200,
        {
          id,
          type: file.type.split('/')[0],
          url: processing ? null : `https://files.example/${id}`,
          description: item.description,
        },
        headers,
      );
    }
    const mediaMatch = /^\/api\/v1\/media\/(\d+)$/.exec(path);
    if (method === 'GET' && mediaMatch) {
      const item = media.get(mediaMatch[1]!);
      if (!item || item.accountId !== token.accountId)
        return json(res, 404, { error: 'Record not found' }, headers);
      if (item.fails)
        return json(res, 422, { error: 'Error processing thumbnail for uploaded media' }, headers);
      if (item.pollsLeft > 0) {
        item.pollsLeft--;
        return json(res, 206, { id: item.id, url: null }, headers);
      }
      return json(res, 200, { id: item.id, url: `https://files.example/${item.id}` }, headers);
    }
    if (method === 'POST' && path === '/api/v1/statuses') {
      const body = (await parseBody(req, raw)) as Record<string, unknown>;
      const key = req.headers['idempotency-key'];
      const dedupeKey = typeof key === 'string' ? `${token.accountId}:${key}` : null;
      if (dedupeKey) {
        const seen = idempotency.get(dedupeKey);
        if (seen && now().getTime() - seen.at.getTime() < 3600_000 && statuses.has(seen.statusId)) {
          return json(res, 200, statusJson(statuses.get(seen.statusId)!), headers);
        }
      }
      const text = typeof body.status === 'string' ? body.status : '';
      const mediaIds = Array.isArray(body.media_ids) ? (body.media_ids as string[]) : [];
      const spoilerText = typeof body.spoiler_text === 'string' ? body.spoiler_text : '';
      if (!text.trim() && mediaIds.length === 0)
        return json(res, 422, { error: "Validation failed: Text can't be blank" }, headers);
      const countable = text.replace(/https?:\/\/\S+/g, 'x'.repeat(23)).replace(/@(\w+)@[\w.-]+/g, '@$1');
      if (graphemes(spoilerText + countable) > state.limits.maxCharacters) {
        return json(
          res,
          422,
          { error: `Validation failed: Text character limit of ${state.limits.maxCharacters} exceeded` },
          headers,
        );
      }
      if (mediaIds.length > state.limits.maxMedia)
        return json(res, 422, { error: 'Validation failed: too many attachments' }, headers);
      for (const id of mediaIds) {
        const item = media.get(id);
        if (!item) return json(res, 422, { error: 'Validation failed: media could not be found' }, headers);
        if (item.pollsLeft > 0 || item.fails) {
          return json(
            res,
            422,
            { error: 'Cannot attach files that have not finished processing. Try again in a moment!' },
            headers,
          );
        }
      }
      const inReplyToId = typeof body.in_reply_to_id === 'string' ? body.in_reply_to_id : null;
      if (inReplyToId && !statuses.has(inReplyToId))
        return json(res, 404, { error: 'Record not found' }, headers);
      const status: Status = {
        id: newId(),
        accountId: token.accountId,
        text,
        spoilerText,
        inReplyToId,
        mediaIds,
        createdAt: now(),
        favourites: 0,
        reblogs: 0,
        replies: 0,
        visibility: typeof body.visibility === 'string' ? body.visibility : 'public',
      };
      statuses.set(status.id, status);
      if (inReplyToId) statuses.get(inReplyToId)!.replies++;
      if (dedupeKey) idempotency.set(dedupeKey, { statusId: status.id, at: now() });
      if (state.afterCommit === 'drop') {
        state.afterCommit = null;
        req.socket.destroy();
        return;
      }
      if (state.afterCommit === 'hold') {
        await new Promise<void>((resolve) => held.add(resolve));
        if (req.socket.destroyed) return;
      }
      return json(res, 200, statusJson(status), headers);
    }
    const contextMatch = /^\/api\/v1\/statuses\/(\d+)\/context$/.exec(path);
    if (method === 'GET' && contextMatch) {
      const status = statuses.get(contextMatch[1]!);
      if (!status) return json(res, 404, { error: 'Record not found' }, headers);
      const ancestors: Status[] = [];
      for (let up = status.inReplyToId; up && statuses.has(up); up = statuses.get(up)!.inReplyToId) {
        ancestors.unshift(statuses.get(up)!);
      }
      const descendants: Status[] = [];
      const walk = (id: string) => {
        const children = [...statuses.values()]
          .filter((s) => s.inReplyToId === id)
          .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
        for (const child of children) {
          descendants.push(child);
          walk(child.id);
        }
      };
      walk(status.id);
      return json(
        res,
        200,
        { ancestors: ancestors.map(statusJson), descendants: descendants.map(statusJson) },
        headers,
      );
    }
    const statusMatch = /^\/api\/v1\/statuses\/(\d+)$/.exec(path);
    if (statusMatch) {
      const status = statuses.get(statusMatch[1]!);
      if (!status) return json(res, 404, { error: 'Record not found' }, headers);
      if (method === 'GET') return json(res, 200, statusJson(status), headers);
      if (method === 'DELETE') {
        if (status.accountId !== token.accountId)
          return json(res, 403, { error: 'This action is not allowed' }, headers);
        statuses.delete(status.id);
        return json(res, 200, { ...statusJson(status), text: status.text }, headers);
      }
    }
    const listMatch = /^\/api\/v1\/accounts\/(\d+)\/statuses$/.exec(path);
    if (method === 'GET' && listMatch) {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 20), 40);
      const list = [...statuses.values()]
        .filter((s) => s.accountId === listMatch[1])
        .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
        .slice(0, limit)
        .map(statusJson);
      return json(res, 200, list, headers);
    }
    return json(res, 404, { error: 'Record not found' }, headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    statuses,
    media,
    accounts,
    requests,
    /** The next `times` requests matching `path` (and `method`) answer `status` with `body`. */
    fail(fault: Omit<Fault, 'times'> & { times?: number }) {
      faults.push({ times: 1, ...fault });
    },
    /** Stores a reply by `accountId` (added to `accounts` first if new), as if posted on the instance. */
    reply(options: {
      account: Account;
      inReplyToId: string;
      text: string;
      spoilerText?: string;
      favourites?: number;
    }): Status {
      if (!accounts.has(options.account.id)) accounts.set(options.account.id, options.account);
      const status: Status = {
        id: newId(),
        accountId: options.account.id,
        text: options.text,
        spoilerText: options.spoilerText ?? '',
        inReplyToId: options.inReplyToId,
        mediaIds: [],
        createdAt: now(),
        favourites: options.favourites ?? 0,
        reblogs: 0,
        replies: 0,
        visibility: 'public',
      };
      statuses.set(status.id, status);
      const parent = statuses.get(options.inReplyToId);
      if (parent) parent.replies++;
      return status;
    },
    revokeAll() {
      tokens.clear();
    },
    /** Sends the replies `afterCommit: 'hold'` kept back (to clients still listening). */
    releaseHeld() {
      for (const release of held) release();
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const release of held) release();
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
