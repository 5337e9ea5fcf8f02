/**
 * Reddit as its API documentation (and, for media, its own clients) describe it, for the adapter's
 * tests: authorize + Basic-auth token endpoint (`duration=permanent` refresh tokens, `invalid_grant`
 * inside a 200), bearer calls that need a real `User-Agent`, `X-Ratelimit-*` headers (reset in
 * seconds), `/api/submit` errors inside a 200 (`RATELIMIT`, `ALREADY_SUB`, `SUBREDDIT_NOEXIST`,
 * `NO_SELFS`), the media asset lease with an S3-style form upload answering XML, image posts that
 * appear only after processing, listings, `/api/info`, `/api/del`. Knobs inject faults.
 *
 * Comments: `/comments/{article}` answers `[post listing, comment listing]`, the comments as a tree
 * in `sort` order holding at most `limit` comments and `depth` levels; the siblings past `limit`
 * become a `more` stub listing their ids, and replies past `depth` a "continue this thread" stub (id
 * `_`, no children). `/api/morechildren` answers the comments a stub listed with their replies,
 * flat, in a `{"json": …}` envelope; `?comment=<id>` roots the tree at one comment.
 *
 * Collection: application-only tokens (`grant_type=client_credentials`, read-only: no `submit`),
 * subreddit listings `/r/{sub}/hot|new|top|rising` (`limit`, `t` for `top`; `+` joins subreddits),
 * posts seeded with `seed()` (score, comment count, flair). A deleted post stays in `/api/info` as
 * Reddit shows it: author and text `[deleted]`, `removed_by_category: "deleted"`.
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
  flairText?: string | null;
};
type Comment = {
  id: string;
  submissionId: string;
  /** `t3_…` for the post, `t1_…` for a comment. */
  parentId: string;
  author: string;
  body: string;
  createdUtc: number;
  score: number;
  deleted: boolean;
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
  const comments = new Map<string, Comment>();
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
      removed_by_category: s.deleted ? 'deleted' : null,
      link_flair_text: s.flairText ?? null,
      stickied: false,
      permalink: `/r/${s.subreddit}/comments/${s.id}/${s.title.toLowerCase().replace(/\W+/g, '_').slice(0, 40)}/`,
      url: s.url ?? `https://www.reddit.com/r/${s.subreddit}/comments/${s.id}/`,
      created_utc: s.createdUtc,
      is_self: s.kind === 'self',
      selftext: s.deleted ? '[deleted]' : (s.text ?? ''),
      score: s.score,
      ups: s.score,
      upvote_ratio: 1,
      num_comments: s.comments,
    },
  });

  type Thing = { kind: string; data: Record<string, unknown> };
  const listingOf = (children: Thing[]) => ({
    kind: 'Listing',
    data: { after: null, before: null, dist: children.length, children },
  });
  const childrenOf = (parentId: string, sort: string) =>
    [...comments.values()]
      .filter((c) => c.parentId === parentId)
      .sort((a, b) =>
        sort === 'old'
          ? a.createdUtc - b.createdUtc
          : sort === 'new'
            ? b.createdUtc - a.createdUtc
            : b.score - a.score || b.createdUtc - a.createdUtc,
      );
  const descendantsCount = (id: string): number =>
    [...comments.values()]
      .filter((c) => c.parentId === `t1_${id}`)
      .reduce((n, c) => n + 1 + descendantsCount(c.id), 0);
  const commentThing = (c: Comment, depth: number, replies: Thing[] | null): Thing => {
    const s = submissions.get(c.submissionId)!;
    return {
      kind: 't1',
      data: {
        id: c.id,
        name: `t1_${c.id}`,
        parent_id: c.parentId,
        link_id: `t3_${c.submissionId}`,
        author: c.deleted ? '[deleted]' : c.author,
        ...(c.deleted ? {} : { author_fullname: `t2_${c.author.length}${c.author}` }),
        body: c.deleted ? '[deleted]' : c.body,
        created_utc: c.createdUtc,
        score: c.score,
        ups: c.score,
        depth,
        permalink: `/r/${s.subreddit}/comments/${s.id}/x/${c.id}/`,
        replies: replies?.length ? listingOf(replies) : '',
      },
    };
  };
  const moreThing = (parentId: string, depth: number, hidden: Comment[]): Thing => ({
    kind: 'more',
    data: {
      count: hidden.reduce((n, c) => n + 1 + descendantsCount(c.id), 0),
      name: `t1_${hidden[0]!.id}`,
      id: hidden[0]!.id,
      parent_id: parentId,
      depth,
      children: hidden.map((c) => c.id),
    },
  });
  const continueThing = (parentId: string, depth: number): Thing => ({
    kind: 'more',
    data: { count: 0, name: 't1__', id: '_', parent_id: parentId, depth, children: [] },
  });

  /** The replies to `parentId` as Reddit nests them, spending `budget.left` comments at most. */
  function commentTree(
    parentId: string,
    options: { level: number; maxLevel: number; sort: string; budget: { left: number } },
  ): Thing[] {
    const kids = childrenOf(parentId, options.sort);
    if (kids.length && options.level >= options.maxLevel) return [continueThing(parentId, options.level)];
    const out: Thing[] = [];
    for (const [i, c] of kids.entries()) {
      if (options.budget.left <= 0) {
        out.push(moreThing(parentId, options.level, kids.slice(i)));
        break;
      }
      options.budget.left--;
      const replies = commentTree(`t1_${c.id}`, { ...options, level: options.level + 1 });
      out.push(commentThing(c, options.level, replies));
    }
    return out;
  }

  /** `morechildren`'s answer: each comment asked for, then its replies, flat (`replies` empty). */
  function flatTree(c: Comment, options: { level: number; maxLevel: number; sort: string }): Thing[] {
    const out: Thing[] = [commentThing(c, options.level, null)];
    const kids = childrenOf(`t1_${c.id}`, options.sort);
    if (kids.length && options.level + 1 >= options.maxLevel) {
      return [...out, continueThing(`t1_${c.id}`, options.level + 1)];
    }
    for (const kid of kids) out.push(...flatTree(kid, { ...options, level: options.level + 1 }));
    return out;
  }

  const depthOf = (c: Comment): number =>
    c.parentId.startsWith('t1_') ? 1 + depthOf(comments.get(c.parentId.slice(3))!) : 0;

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
      if (form?.get('grant_type') === 'client_credentials') {
        // Application-only: no user, no refresh token, nothing that needs an account.
        return send(
          res,
          200,
          issue(
            (form.get('scope') ?? 'read').split(' ').filter((x) => x !== 'submit'),
            null,
          ),
        );
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
    const subListing = /^\/r\/([\w+]+)\/(hot|new|top|rising)\/?$/.exec(path);
    if (method === 'GET' && subListing) {
      const names = subListing[1]!.toLowerCase().split('+');
      const kind = subListing[2]!;
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 25), 100);
      const window = {
        hour: 3600,
        day: 86_400,
        week: 604_800,
        month: 2_678_400,
        year: 31_536_000,
        all: Infinity,
      }[(url.searchParams.get('t') ?? 'day') as 'day'];
      const nowSeconds = now().getTime() / 1000;
      const children = [...submissions.values()]
        .filter((s) => names.includes(s.subreddit) && !s.deleted)
        .filter((s) => kind !== 'top' || nowSeconds - s.createdUtc <= (window ?? 86_400))
        .sort((a, b) =>
          kind === 'new'
            ? b.createdUtc - a.createdUtc
            : kind === 'rising'
              ? b.comments - a.comments || b.createdUtc - a.createdUtc
              : b.score - a.score || b.createdUtc - a.createdUtc,
        )
        .slice(0, limit)
        .map(thing);
      return send(res, 200, listingOf(children), headers);
    }
    const article = /^\/comments\/(\w+)\/?$/.exec(path);
    if (method === 'GET' && article) {
      const submission = submissions.get(article[1]!);
      if (!submission || submission.deleted)
        return send(res, 404, { message: 'Not Found', error: 404 }, headers);
      const q = url.searchParams;
      const sort = q.get('sort') ?? 'confidence';
      const maxLevel = Math.min(Number(q.get('depth') ?? 10), 10);
      const budget = { left: Math.min(Number(q.get('limit') ?? 200), 500) };
      const focus = q.get('comment');
      let children: Thing[];
      if (focus) {
        const root = comments.get(focus);
        if (!root || root.submissionId !== submission.id)
          return send(res, 404, { message: 'Not Found', error: 404 }, headers);
        const replies = commentTree(`t1_${root.id}`, {
          level: depthOf(root) + 1,
          maxLevel: depthOf(root) + maxLevel,
          sort,
          budget,
        });
        children = [commentThing(root, depthOf(root), replies)];
      } else {
        children = commentTree(`t3_${submission.id}`, { level: 0, maxLevel, sort, budget });
      }
      return send(res, 200, [listingOf([thing(submission)]), listingOf(children)], headers);
    }
    if (method === 'GET' && path === '/api/morechildren') {
      const q = url.searchParams;
      const submission = submissions.get((q.get('link_id') ?? '').replace(/^t3_/, ''));
      if (q.get('api_type') !== 'json')
        return send(res, 400, { message: 'Bad Request', error: 400 }, headers);
      if (!submission)
        return send(res, 200, { json: { errors: [['NO_THING_ID', 'id not found', 'link_id']] } }, headers);
      const ids = (q.get('children') ?? '').split(',').filter(Boolean);
      if (ids.length > 100)
        return send(
          res,
          200,
          { json: { errors: [['TOO_MANY', 'at most 100 children', 'children']] } },
          headers,
        );
      const sort = q.get('sort') ?? 'confidence';
      const onlyThese = q.get('limit_children') === 'true';
      const asked = ids
        .map((id) => comments.get(id))
        .filter((c): c is Comment => c !== undefined && c.submissionId === submission.id);
      const things = asked.flatMap((c) => {
        const level = depthOf(c);
        if (onlyThese) return [commentThing(c, level, null)];
        return flatTree(c, { level, maxLevel: level + Math.min(Number(q.get('depth') ?? 10), 10), sort });
      });
      return send(res, 200, { json: { errors: [], data: { things } } }, headers);
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
    comments,
    /** Stores `author`'s comment under `parentId` (`t3_…` or `t1_…`), now; returns its fullname. */
    comment(options: { parentId: string; author: string; body: string; score?: number }): string {
      const parent = options.parentId.startsWith('t1_') ? comments.get(options.parentId.slice(3)) : null;
      const submissionId = parent ? parent.submissionId : options.parentId.replace(/^t3_/, '');
      const c: Comment = {
        id: newId(),
        submissionId,
        parentId: options.parentId,
        author: options.author,
        body: options.body,
        createdUtc: now().getTime() / 1000,
        score: options.score ?? 1,
        deleted: false,
      };
      comments.set(c.id, c);
      submissions.get(submissionId)!.comments++;
      return `t1_${c.id}`;
    },
    /** Stores a post someone else made in `subreddit`, as collection would find it; returns its id. */
    seed(post: {
      subreddit: string;
      title: string;
      text?: string;
      author?: string;
      score?: number;
      flair?: string;
      ageSeconds?: number;
    }): string {
      subreddits.add(post.subreddit.toLowerCase());
      const submission: Submission = {
        id: newId(),
        title: post.title,
        subreddit: post.subreddit.toLowerCase(),
        kind: 'self',
        text: post.text ?? '',
        url: null,
        author: post.author ?? 'someone_else',
        createdUtc: now().getTime() / 1000 - (post.ageSeconds ?? 60),
        score: post.score ?? 1,
        comments: 0,
        deleted: false,
        flairId: null,
        flairText: post.flair ?? null,
      };
      submissions.set(submission.id, submission);
      return submission.id;
    },
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    fail(fault: Omit<Fault, 'times'> & { times?: number }) {
      faults.push({ times: 1, ...fault });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
