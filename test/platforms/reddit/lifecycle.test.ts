/**
 * The Reddit adapter's whole lifecycle against a local server speaking Reddit's API: OAuth with
 * Basic client auth and permanent refresh tokens, text/link/image submissions (the image through
 * the media lease and an S3-style upload, found after processing across runs), errors inside 200s,
 * rate limits, duplicates, reconcile by title, delete and score.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redditAdapter } from '../../../src/platforms/reddit/index.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { type RedditServer, startRedditServer } from './server.ts';

const REDIRECT_URI = 'https://herald.example/connections/callback';
let clock = new Date('2030-01-01T12:00:00Z');
const now = () => clock;
let server: RedditServer;
let ctx: AdapterContext;
let credentials: Credentials;

function image(overrides: Partial<MediaItem> = {}): MediaItem {
  const bytes = randomBytes(300);
  return {
    id: randomBytes(6).toString('hex'),
    kind: 'image',
    mimeType: 'image/png',
    sizeBytes: bytes.length,
    altText: null,
    width: 100,
    height: 100,
    durationSeconds: null,
    read: async () => bytes,
    publicUrl: null,
    ...overrides,
  };
}

function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: `herald-${randomBytes(8).toString('hex')}`,
    channel: { externalId: 'abc123', kind: 'account', metadata: {} },
    text: 'Body in **markdown**',
    title: `A Herald post ${randomBytes(3).toString('hex')}`,
    media: [],
    options: { subreddit: 'herald' },
    state: null,
    ...overrides,
  };
}

async function caught(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error('expected a PlatformError');
}

async function publishToEnd(req: PublishRequest): Promise<{ outcome: PublishOutcome; runs: number }> {
  let outcome = await redditAdapter.publish(ctx, credentials, req);
  let runs = 1;
  while (outcome.status === 'pending') {
    clock = new Date(clock.getTime() + outcome.retryAfterMs);
    outcome = await redditAdapter.publish(ctx, credentials, {
      ...req,
      state: { ...outcome.state, pending: true },
    });
    if (++runs > 30) throw new Error('never finished');
  }
  return { outcome, runs };
}

beforeAll(async () => {
  server = await startRedditServer({ now, clientId: 'client-id', clientSecret: 'client-secret' });
  ctx = {
    app: {
      clientId: 'client-id',
      clientSecret: 'client-secret',
      baseUrl: server.url,
      scopes: [],
      settings: { developer: 'herald_dev' },
    },
    fetch,
    now,
  };
});
afterAll(() => server.close());

describe('connecting', () => {
  it('authorises with duration=permanent and Basic client auth, then lists the account', async () => {
    const url = new URL(
      redditAdapter.authorizeUrl(ctx, {
        redirectUri: REDIRECT_URI,
        state: 'st',
        codeChallenge: 'unused',
        scopes: [],
      }),
    );
    expect(url.searchParams.get('duration')).toBe('permanent');
    expect(url.searchParams.get('scope')).toBe('identity submit read edit history');
    const back = new URL(
      (await fetch(url, { redirect: 'manual', headers: { 'user-agent': 'browser' } })).headers.get(
        'location',
      )!,
    );
    const code = back.searchParams.get('code')!;
    const tokens = await redditAdapter.exchangeCode(ctx, {
      code,
      codeVerifier: 'unused',
      redirectUri: REDIRECT_URI,
    });
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt?.getTime()).toBe(clock.getTime() + 3600_000);
    // A used code comes back as invalid_grant inside a 200.
    expect(
      await caught(redditAdapter.exchangeCode(ctx, { code, codeVerifier: '', redirectUri: REDIRECT_URI })),
    ).toMatchObject({
      kind: 'auth',
      code: 'invalid_grant',
    });
    const profile = await redditAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({
      externalId: 'abc123',
      username: 'herald_tester',
      avatarUrl: 'https://styles.redditmedia.com/icon.png?a=1&b=2',
    });
    credentials = { ...tokens, accountId: profile.externalId, metadata: profile.metadata ?? {} };
    expect(await redditAdapter.discoverChannels(ctx, credentials)).toEqual([
      expect.objectContaining({
        externalId: 'abc123',
        kind: 'account',
        url: 'https://www.reddit.com/user/herald_tester',
      }),
    ]);
    expect(server.requests.at(-1)!.headers['user-agent']).toBe(
      'server:client-id:herald-0.1 (by /u/herald_dev)',
    );
  });

  it('a wrong client secret is an auth error', async () => {
    const wrong = { ...ctx, app: { ...ctx.app, clientSecret: 'nope' } };
    expect((await caught(redditAdapter.refresh(wrong, credentials))).kind).toBe('auth');
  });
});

describe('validating', () => {
  it('requires a subreddit and a title, and fits media to the kind', () => {
    expect(
      redditAdapter.validate({ text: 'x', title: '', media: [], options: {} }).map((i) => i.field),
    ).toEqual(['options.subreddit', 'title']);
    expect(
      redditAdapter.validate({
        text: '',
        title: 't',
        media: [],
        options: { subreddit: 'r/herald', kind: 'link', url: 'ftp://x' },
      }),
    ).toEqual([{ field: 'options.url', message: expect.any(String) }]);
    const issues = redditAdapter.validate({
      text: '',
      title: 'x'.repeat(301),
      media: [image(), image({ kind: 'video', mimeType: 'video/mp4' })],
      options: { subreddit: 'herald' },
    });
    expect(issues.map((i) => i.field)).toEqual(['title', 'media', 'media.1']);
  });
});

describe('publishing', () => {
  it('submits a text post and reports the rate-limit headers', async () => {
    const req = request({ options: { subreddit: '/r/Herald', flairId: 'flair-1', nsfw: true } });
    const outcome = await redditAdapter.publish(ctx, credentials, req);
    if (outcome.status !== 'published') throw new Error('not published');
    expect(outcome.remoteId).toMatch(/^t3_/);
    const stored = server.submissions.get(outcome.remoteId.slice(3))!;
    expect(stored).toMatchObject({
      kind: 'self',
      text: 'Body in **markdown**',
      subreddit: 'herald',
      flairId: 'flair-1',
    });
    expect(outcome.rateLimit).toMatchObject({ bucket: 'api', limit: 100 });
    expect(outcome.rateLimit!.resetAt!.getTime()).toBeGreaterThan(clock.getTime());
  });

  it('submits a link post; the same link again is a duplicate unless resubmitting', async () => {
    const options = { subreddit: 'herald', url: 'https://example.com/article' };
    const outcome = await redditAdapter.publish(ctx, credentials, request({ options }));
    expect(outcome.status).toBe('published');
    expect(await caught(redditAdapter.publish(ctx, credentials, request({ options })))).toMatchObject({
      kind: 'duplicate',
      code: 'ALREADY_SUB',
    });
    const again = await redditAdapter.publish(
      ctx,
      credentials,
      request({ options: { ...options, resubmit: true } }),
    );
    expect(again.status).toBe('published');
  });

  it('uploads an image through the media lease and finds the post once Reddit has processed it', async () => {
    server.state.imageProcessingRuns = 2;
    const req = request({ media: [image()], options: { subreddit: 'pics' } });
    const { outcome, runs } = await publishToEnd(req);
    expect(runs).toBeGreaterThan(1);
    if (outcome.status !== 'published') throw new Error('not published');
    const stored = server.submissions.get(outcome.remoteId.slice(3))!;
    expect(stored.kind).toBe('image');
    expect(stored.url).toMatch(/^https:\/\/reddit-uploaded-media\.s3-accelerate\.amazonaws\.com\/rte_images/);
    expect([...server.uploads.values()].at(-1)!.size).toBe(300);
  });

  it('gives up on an image post that never appears (processing failed)', async () => {
    server.state.imageProcessingFails = true;
    try {
      const error = await caught(publishToEnd(request({ media: [image()], options: { subreddit: 'pics' } })));
      expect(error).toMatchObject({ kind: 'invalid', code: 'media_processing_failed' });
    } finally {
      server.state.imageProcessingFails = false;
    }
  });
});

describe('errors and limits', () => {
  it('maps errors inside a 200: RATELIMIT with its wait, SUBREDDIT_NOEXIST and NO_LINKS as invalid', async () => {
    server.state.postsBeforeThrottle = 0;
    const limited = await caught(redditAdapter.publish(ctx, credentials, request()));
    server.state.postsBeforeThrottle = Number.POSITIVE_INFINITY;
    expect(limited).toMatchObject({ kind: 'rate_limited', code: 'RATELIMIT' });
    expect(limited.retryAfter!.getTime()).toBe(clock.getTime() + 118_500);
    expect(
      (await caught(redditAdapter.publish(ctx, credentials, request({ options: { subreddit: 'nowhere' } }))))
        .code,
    ).toBe('SUBREDDIT_NOEXIST');
    const noLinks = await caught(
      redditAdapter.publish(
        ctx,
        credentials,
        request({ options: { subreddit: 'textonly', url: 'https://example.com/y' } }),
      ),
    );
    expect(noLinks).toMatchObject({ kind: 'invalid', code: 'NO_LINKS' });
  });

  it('maps HTTP 429 with X-Ratelimit-Reset, 5xx and network failures', async () => {
    server.fail({
      path: /^\/api\/submit$/,
      status: 429,
      body: { message: 'Too Many Requests', error: 429 },
      headers: { 'x-ratelimit-remaining': '0.0', 'x-ratelimit-used': '100', 'x-ratelimit-reset': '42' },
    });
    const limited = await caught(redditAdapter.publish(ctx, credentials, request()));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfter!.getTime()).toBe(clock.getTime() + 42_000);
    expect(limited.rateLimit).toMatchObject({ remaining: 0, limit: 100 });
    server.fail({ path: /^\/api\/submit$/, status: 503 });
    expect((await caught(redditAdapter.publish(ctx, credentials, request()))).kind).toBe('transient');
    server.fail({
      path: /^\/api\/submit$/,
      status: 403,
      body: { message: 'Forbidden', error: 403, reason: 'banned' },
    });
    expect((await caught(redditAdapter.publish(ctx, credentials, request()))).kind).toBe('invalid');
  });

  it('an expired token is an auth error; refreshing keeps the refresh token Reddit did not replace', async () => {
    clock = new Date(clock.getTime() + 2 * 3600_000);
    server.expireTokens();
    expect((await caught(redditAdapter.publish(ctx, credentials, request()))).kind).toBe('auth');
    const tokens = await redditAdapter.refresh(ctx, credentials);
    expect(tokens.refreshToken).toBeNull();
    credentials = { ...credentials, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
    expect((await redditAdapter.publish(ctx, credentials, request())).status).toBe('published');
  });
});

describe('reconcile after a crash', () => {
  it('finds a submission whose answer was lost by its title and subreddit', async () => {
    const req = request();
    expect(await redditAdapter.reconcile(ctx, credentials, req)).toEqual({ status: 'not_found' });
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/api/submit')) throw new TypeError('fetch failed');
      return response;
    };
    expect((await caught(redditAdapter.publish({ ...ctx, fetch: lossy }, credentials, req))).kind).toBe(
      'transient',
    );
    const found = await redditAdapter.reconcile(ctx, credentials, req);
    expect(found).toMatchObject({ status: 'found', remoteId: expect.stringMatching(/^t3_/) });
    expect((found as { remoteUrl: string }).remoteUrl).toMatch(
      /^https:\/\/www\.reddit\.com\/r\/herald\/comments\//,
    );
    // The same title in another subreddit is another post.
    expect(
      await redditAdapter.reconcile(ctx, credentials, { ...req, options: { subreddit: 'pics' } }),
    ).toEqual({
      status: 'not_found',
    });
  });
});

describe('after publishing', () => {
  it('reads score and comments, then deletes', async () => {
    const outcome = await redditAdapter.publish(ctx, credentials, request());
    if (outcome.status !== 'published') throw new Error('not published');
    Object.assign(server.submissions.get(outcome.remoteId.slice(3))!, { score: 12, comments: 4 });
    expect(await redditAdapter.readMetrics(ctx, credentials, outcome.remoteId)).toMatchObject({
      likes: 12,
      comments: 4,
      shares: null,
      impressions: null,
    });
    await redditAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect(server.submissions.get(outcome.remoteId.slice(3))!.deleted).toBe(true);
    await redditAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect((await caught(redditAdapter.readMetrics(ctx, credentials, 't3_missing'))).kind).toBe('invalid');
  });
});

describe('reading comments', () => {
  const read = (remoteId: string, cursor: string | null, limit = 3) =>
    redditAdapter.readComments!(ctx, credentials, remoteId, { cursor, limit });
  /** A comment a minute after the previous one, so `sort=old` has an order to keep. */
  function comment(parentId: string, body: string, author = 'commenter') {
    clock = new Date(clock.getTime() + 60_000);
    return server.comment({ parentId, author, body, score: 3 });
  }
  async function publishPost() {
    const outcome = await redditAdapter.publish(ctx, credentials, request());
    if (outcome.status !== 'published') throw new Error('not published');
    return outcome.remoteId;
  }

  it('reads the first comments as a tree, then what the `more` stub hid, with parents', async () => {
    const post = await publishPost();
    const c1 = comment(post, 'First, in **markdown** & <angle brackets>', 'alice_r');
    const c1a = comment(c1, 'a reply');
    const c1a1 = comment(c1a, 'a reply to the reply');
    const c2 = comment(post, 'second');
    const c3 = comment(post, 'third');
    const c4 = comment(post, 'fourth');
    const c4a = comment(c4, 'under the fourth');
    const c5 = comment(post, 'soon deleted');
    server.comments.get(c5.slice(3))!.deleted = true;

    const first = await read(post, null);
    expect(first.comments.map((c) => [c.id, c.parentId])).toEqual([
      [c1, null],
      [c1a, c1],
      [c1a1, c1a],
    ]);
    expect(first.comments[0]).toEqual({
      id: c1,
      parentId: null,
      author: { id: 't2_7alice_r', username: 'alice_r', displayName: null, avatarUrl: null },
      text: 'First, in **markdown** & <angle brackets>',
      createdAt: new Date(server.comments.get(c1.slice(3))!.createdUtc * 1000),
      likes: 3,
      url: `https://www.reddit.com/r/herald/comments/${post.slice(3)}/x/${c1.slice(3)}/`,
    });
    expect(first.nextCursor).not.toBeNull();
    // The next page asks morechildren for the hidden ids, and gets their replies with them.
    const second = await read(post, first.nextCursor);
    expect(second.comments.map((c) => [c.id, c.parentId])).toEqual([
      [c2, null],
      [c3, null],
      [c4, null],
      [c4a, c4],
    ]);
    const asked = server.requests.findLast((r) => r.path.startsWith('/api/morechildren'))!;
    expect(new URL(asked.path, 'http://x').searchParams.get('children')).toBe(
      [c2, c3, c4].map((id) => id.slice(3)).join(','),
    );
    const third = await read(post, second.nextCursor);
    expect(third.comments).toEqual([
      expect.objectContaining({
        id: c5,
        text: '[deleted]',
        author: expect.objectContaining({ username: null }),
      }),
    ]);
    expect(third.nextCursor).toBeNull();
  });

  it('continues a thread deeper than one answer goes', async () => {
    const post = await publishPost();
    const chain = [comment(post, 'level 0')];
    for (let level = 1; level < 12; level++) chain.push(comment(chain.at(-1)!, `level ${level}`));
    const first = await read(post, null, 50);
    expect(first.comments.map((c) => c.id)).toEqual(chain.slice(0, 10));
    const second = await read(post, first.nextCursor, 50);
    expect(second.comments.map((c) => [c.id, c.parentId])).toEqual([
      [chain[10], chain[9]],
      [chain[11], chain[10]],
    ]);
    expect(second.nextCursor).toBeNull();
  });

  it('answers an empty page for a post without comments, and refuses a cursor it did not make', async () => {
    const post = await publishPost();
    expect(await read(post, null)).toEqual({ comments: [], nextCursor: null });
    expect((await caught(read(post, 'not-a-cursor'))).kind).toBe('invalid');
    expect((await caught(read('t3_missing', null))).kind).toBe('invalid');
  });

  it('maps a 429 to rate_limited, an error inside a 200 to its kind, and an expired token to auth', async () => {
    const post = await publishPost();
    for (let i = 0; i < 4; i++) comment(post, `comment ${i}`);
    server.fail({
      path: /^\/comments\//,
      status: 429,
      body: { message: 'Too Many Requests', error: 429 },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '100', 'x-ratelimit-reset': '30' },
    });
    const limited = await caught(read(post, null));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfter!.getTime()).toBe(clock.getTime() + 30_000);
    const first = await read(post, null);
    server.fail({
      path: /^\/api\/morechildren$/,
      status: 200,
      body: {
        json: { errors: [['RATELIMIT', 'you are doing that too much. try again in 9 seconds.', null]] },
      },
    });
    const inside = await caught(read(post, first.nextCursor));
    expect(inside).toMatchObject({ kind: 'rate_limited', code: 'RATELIMIT' });
    expect(inside.retryAfter!.getTime()).toBe(clock.getTime() + 9_000);

    server.expireTokens();
    expect((await caught(read(post, null))).kind).toBe('auth');
    const tokens = await redditAdapter.refresh(ctx, credentials);
    credentials = { ...credentials, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
    expect((await read(post, null)).comments).toHaveLength(3);
    expect(redditAdapter.capabilities.comments).toBe(true);
  });
});
