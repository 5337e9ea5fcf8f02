/**
 * Reddit as its API documentation (and, for media, its own clients) describe it, for the adapter's
 * tests: authorize + Basic-auth token endpoint (`duration=permanent` refresh tokens, `invalid_grant`
 * inside a 200), bearer calls that need a real `User-Agent`, `X-Ratelimit-*` headers (reset in
 * seconds), `/api/submit` errors inside a 200 (`RATELIMIT`, `ALREADY_SUB`, `SUBREDDIT_NOEXIST`,
 * `NO_SELFS`), the media asset lease with an S3-style form upload answering XML, image posts that
 * appear only after processing, listings, `/api/info`, `/api/del`. Knobs inject faults.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Submission = {
  id: string;
  title: string;
  subreddit: string;
  kind: string;
  text: string | null;
  url: string | null;
  author: string;
  createdUtc: number;
  score: number;
  comments: number;
  deleted: boolean;
  flairId: string | null;
};
type Fault = {
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times: number;
};

export type RedditServer = Awaited<ReturnType<typeof startRedditServer>>;

export async function startRedditServer(options: {
  now?: () => Date;
  clientId: string;
  clientSecret: string;
}) {
  const now = options.now ?? (() => new Date());
  const codes = new Map<string, { redirectUri: string; permanent: boolean; scopes: string[] }>();
  const tokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  const refreshTokens = new Set<string>();
  const submissions = new Map<string, Submission>();
  const uploads = new Map<string, { key: string; type: string; size: number }>();
  const pendingImagePosts: { submission: Submission; runsLeft: number }[] = [];
  const faults: Fault[] = [];
  const requests: { method: string; path: string; headers: IncomingMessage['headers'] }[] = [];
  const subreddits = new Set(['herald', 'pics', 'textonly']);
  const state = {
    /** Submissions before Reddit says RATELIMIT (the per-account anti-spam throttle). */
    postsBeforeThrottle: Number.POSITIVE_INFINITY,
    /** How many listing calls pass before an image post appears (processing time). */
    imageProcessingRuns: 1,
    /** Image posts never appear (the image failed processing). */
    imageProcessingFails: false,
    used: 0,
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'application/xml' : 'application/json',
      ...headers,
    });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const rateHeaders = () => {
    state.used++;
    return {
      'x-ratelimit-used': String(state.used),
      'x-ratelimit-remaining': Math.max(0, 100 - state.used).toFixed(1),
      'x-ratelimit-reset': String(600 - (Math.floor(now().getTime() / 1000) % 600)),
    };
  };
  const newId = () => randomBytes(4).toString('hex').slice(0, 7);
  const thing = (s: Submission) => ({
    kind: 't3',
    data: {
      id: s.id,
      name: `t3_${s.id}`,
      title: s.title,
      subreddit: s.subreddit,
      author: s.deleted ? '[deleted]' : s.author,
      permalink: `/r/${s.subreddit}/comments/${s.id}/${s.title.toLowerCase().replace(/\W+/g, '_').slice(0, 40)}/`,
      url: s.url ?? `https://www.reddit.com/r/${s.subreddit}/comments/${s.id}/`,
      created_utc: s.createdUtc,
      is_self: s.kind === 'self',
      selftext: s.text ?? '',
      score: s.score,
      ups: s.score,
      upvote_ratio: 1,
      num_comments: s.comments,
    },
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    requests.push({ method, path: `${path}${url.search}`, headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    const form = type.startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(raw.toString('utf8'))
      : null;

    const ua = req.headers['user-agent'] ?? '';
    if (!ua || /^(node|undici|curl)/i.test(ua)) {
      return send(res, 429, { message: 'Too Many Requests', error: 429 }, { 'retry-after': '60' });
    }
    const fault = faults.find((f) => f.times > 0 && f.path.test(path));
    if (fault) {
      fault.times--;
      return send(
        res,
        fault.status,
        fault.body ?? { message: 'Internal Server Error', error: fault.status },
        { ...rateHeaders(), ...fault.headers },
      );
    }

    // --- www.reddit.com: OAuth ---------------------------------------------------------------
    if (method === 'GET' && path === '/api/v1/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== options.clientId || q.get('response_type') !== 'code') {
        return send(res, 400, { error: 'invalid_request' });
      }
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        redirectUri: q.get('redirect_uri') ?? '',
        permanent: q.get('duration') === 'permanent',
        scopes: (q.get('scope') ?? '').split(' '),
      });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('state', q.get('state') ?? '');
      back.searchParams.set('code', code);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (method === 'POST' && path === '/api/v1/access_token') {
      const expected = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected)
        return send(res, 401, { message: 'Unauthorized', error: 401 });
      const issue = (scopes: string[], refresh: string | null) => {
        const token = randomBytes(12).toString('hex');
        tokens.set(token, { expiresAt: now().getTime() + 3600_000, scopes });
        return {
          access_token: token,
          token_type: 'bearer',
          expires_in: 3600,
          scope: scopes.join(' '),
          ...(refresh ? { refresh_token: refresh } : {}),
        };
      };
      if (form?.get('grant_type') === 'authorization_code') {
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        // Reddit reports a bad code inside a 200.
        if (!grant || grant.redirectUri !== form.get('redirect_uri'))
          return send(res, 200, { error: 'invalid_grant' });
        const refresh = grant.permanent ? randomBytes(12).toString('hex') : null;
        if (refresh) refreshTokens.add(refresh);
        return send(res, 200, issue(grant.scopes, refresh));
      }
      if (form?.get('grant_type') === 'refresh_token') {
        if (!refreshTokens.has(form.get('refresh_token') ?? ''))
          return send(res, 400, { error: 'invalid_grant' });
        // No new refresh token: the old one stays valid.
        return send(res, 200, issue(['identity', 'submit', 'read', 'edit', 'history'], null));
      }
      return send(res, 400, { error: 'unsupported_grant_type' });
    }

    // --- The media store (S3 form POST) ---------------------------------------------------------
    if (method === 'POST' && path === '/media-store') {
      const data = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': type },
        body: new Uint8Array(raw),
      }).formData();
      const key = String(data.get('key') ?? '');
      const upload = uploads.get(key);
      const file = data.get('file');
      if (!upload || !(file instanceof Blob) || data.get('x-amz-signature') !== `sig-${key}`) {
        return send(res, 403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>');
      }
      upload.size = file.size;
      const location = `https://reddit-uploaded-media.s3-accelerate.amazonaws.com/${encodeURIComponent(key)}`;
      return send(
        res,
        201,
        `<?xml version="1.0" encoding="UTF-8"?><PostResponse><Location>${location.replace(/&/g, '&amp;')}</Location><Bucket>reddit-uploaded-media</Bucket><Key>${key}</Key></PostResponse>`,
      );
    }

    // --- oauth.reddit.com ---------------------------------------------------------------------
    const token = /^bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = token ? tokens.get(token) : undefined;
    if (!grant || grant.expiresAt < now().getTime())
      return send(res, 401, { message: 'Unauthorized', error: 401 }, rateHeaders());
    const headers = rateHeaders();

    if (method === 'GET' && path === '/api/v1/me') {
      return send(
        res,
        200,
        {
          id: 'abc123',
          name: 'herald_tester',
          icon_img: 'https://styles.redditmedia.com/icon.png?a=1&b=2',
          total_karma: 10,
        },
        headers,
      );
    }
    if (method === 'POST' && path === '/api/media/asset.json') {
      const key = `rte_images/${randomBytes(6).toString('hex')}/${form?.get('filepath')}`;
      uploads.set(key, { key, type: form?.get('mimetype') ?? '', size: 0 });
      const port = (server.address() as AddressInfo).port;
      return send(
        res,
        200,
        {
          args: {
            action: `//127.0.0.1:${port}/media-store`,
            fields: [
              { name: 'acl', value: 'public-read' },
              { name: 'key', value: key },
              { name: 'Content-Type', value: form?.get('mimetype') ?? '' },
              { name: 'x-amz-signature', value: `sig-${key}` },
              { name: 'success_action_status', value: '201' },
            ],
          },
          asset: { asset_id: randomBytes(6).toString('hex'), websocket_url: 'wss://ws.example/asset' },
        },
        headers,
      );
    }
    if (method === 'POST' && path === '/api/submit') {
      if (!grant.scopes.includes('submit'))
        return send(
          res,
          403,
          { message: 'Forbidden', error: 403 },
          { ...headers, 'www-authenticate': 'Bearer realm="reddit", error="insufficient_scope"' },
        );
      const f = form!;
      const sr = f.get('sr') ?? '';
      const errors: [string, string, string][] = [];
      if (state.postsBeforeThrottle <= 0) {
        return send(
          res,
          200,
          {
            json: {
              ratelimit: 118.5,
              errors: [
                [
                  'RATELIMIT',
                  "Looks like you've been doing that a lot. Take a break for 2 minutes before trying again.",
                  'ratelimit',
                ],
              ],
            },
          },
          headers,
        );
      }
      if (!subreddits.has(sr.toLowerCase()))
        errors.push(['SUBREDDIT_NOEXIST', "that subreddit doesn't exist", 'sr']);
      if (sr === 'textonly' && f.get('kind') !== 'self')
        errors.push(['NO_LINKS', "that subreddit doesn't allow link posts", 'sr']);
      if (!f.get('title')) errors.push(['NO_TEXT', 'we need something here', 'title']);
      const kind = f.get('kind') ?? '';
      const link = f.get('url');
      if (
        kind === 'link' &&
        f.get('resubmit') !== 'true' &&
        [...submissions.values()].some((s) => s.url === link && s.subreddit === sr)
      ) {
        errors.push(['ALREADY_SUB', 'that link has already been submitted', 'url']);
      }
      if (kind === 'image' && !/^https:\/\/reddit-uploaded-media\./.test(link ?? ''))
        errors.push(['BAD_URL', 'you should check that url', 'url']);
      if (errors.length) return send(res, 200, { json: { errors } }, headers);
      state.postsBeforeThrottle--;
      const submission: Submission = {
        id: newId(),
        title: f.get('title')!,
        subreddit: [...subreddits].find((s) => s === sr.toLowerCase())!,
        kind,
        text: f.get('text'),
        url: kind === 'self' ? null : link,
        author: 'herald_tester',
        createdUtc: now().getTime() / 1000,
        score: 1,
        comments: 0,
        deleted: false,
        flairId: f.get('flair_id'),
      };
      if (kind === 'image') {
        // The post appears after processing; the answer has no id, only a websocket to wait on.
        if (!state.imageProcessingFails)
          pendingImagePosts.push({ submission, runsLeft: state.imageProcessingRuns });
        return send(
          res,
          200,
          {
            json: {
              errors: [],
              data: {
                user_submitted_page: 'https://www.reddit.com/user/herald_tester/submitted/',
                websocket_url: 'wss://ws.example/rte_images/x',
              },
            },
          },
          headers,
        );
      }
      submissions.set(submission.id, submission);
      return send(
        res,
        200,
        {
          json: {
            errors: [],
            data: {
              url: `https://www.reddit.com/r/${sr}/comments/${submission.id}/x/`,
              drafts_count: 0,
              id: submission.id,
              name: `t3_${submission.id}`,
            },
          },
        },
        headers,
      );
    }
    const submitted = /^\/user\/([\w-]+)\/submitted$/.exec(path);
    if (method === 'GET' && submitted) {
      for (const pending of [...pendingImagePosts]) {
        if (pending.runsLeft-- <= 0) {
          submissions.set(pending.submission.id, pending.submission);
          pendingImagePosts.splice(pendingImagePosts.indexOf(pending), 1);
        }
      }
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 25), 100);
      const children = [...submissions.values()]
        .filter((s) => s.author === submitted[1] && !s.deleted)
        .sort((a, b) => b.createdUtc - a.createdUtc)
        .slice(0, limit)
        .map(thing);
      return send(
        res,
        200,
        { kind: 'Listing', data: { after: null, before: null, dist: children.length, children } },
        headers,
      );
    }
    if (method === 'GET' && path === '/api/info') {
      const ids = (url.searchParams.get('id') ?? '').split(',').map((id) => id.replace(/^t3_/, ''));
      const children = ids.flatMap((id) => (submissions.has(id) ? [thing(submissions.get(id)!)] : []));
      return send(res, 200, { kind: 'Listing', data: { children } }, headers);
    }
    if (method === 'POST' && path === '/api/del') {
      const id = (form?.get('id') ?? '').replace(/^t3_/, '');
      const s = submissions.get(id);
      if (s) s.deleted = true;
      return send(res, 200, {}, headers);
    }
    return send(res, 404, { message: 'Not Found', error: 404 }, headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error), error: 500 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    submissions,
    uploads,
    requests,
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    fail(fault: Omit<Fault, 'times'> & { times?: number }) {
      faults.push({ times: 1, ...fault });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
