/**
 * The Mastodon adapter's whole lifecycle against a local server speaking Mastodon's API: register
 * an app on the instance, connect with PKCE, publish every content type, wait out media processing
 * across runs, rate limits, faults, duplicates, reconcile after a crash, delete and metrics.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mastodonAdapter } from '../../../src/platforms/mastodon/index.ts';
import { registerMastodonApp } from '../../../src/platforms/mastodon/register-app.ts';
import { countStatusLength } from '../../../src/platforms/mastodon/validate.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { type MastodonServer, startMastodonServer } from './server.ts';

const REDIRECT_URI = 'https://herald.example/connections/callback';
let clock = new Date('2030-01-01T12:00:00Z');
const now = () => clock;

let server: MastodonServer;
let ctx: AdapterContext;
let credentials: Credentials;

function mediaItem(overrides: Partial<MediaItem> = {}): MediaItem {
  const bytes = randomBytes(64);
  return {
    id: randomBytes(6).toString('hex'),
    kind: 'image',
    mimeType: 'image/png',
    sizeBytes: bytes.length,
    altText: 'a test image',
    width: 10,
    height: 10,
    durationSeconds: null,
    read: async () => bytes,
    publicUrl: null,
    ...overrides,
  };
}

function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: `herald-${randomBytes(8).toString('hex')}`,
    channel: { externalId: credentials?.accountId ?? '', kind: 'profile', metadata: {} },
    text: 'Hello from Herald',
    title: null,
    media: [],
    options: {},
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

/** Runs publish until it stops answering `pending`, as the worker would across job runs. */
async function publishToEnd(req: PublishRequest): Promise<{ outcome: PublishOutcome; runs: number }> {
  let outcome = await mastodonAdapter.publish(ctx, credentials, req);
  let runs = 1;
  while (outcome.status === 'pending') {
    expect(outcome.retryAfterMs).toBeGreaterThan(0);
    outcome = await mastodonAdapter.publish(ctx, credentials, {
      ...req,
      state: { ...outcome.state, pending: true },
    });
    runs++;
    if (runs > 20) throw new Error('never finished');
  }
  return { outcome, runs };
}

beforeAll(async () => {
  server = await startMastodonServer({ now });
});
afterAll(() => server.close());
beforeEach(() => {
  server.state.processingPolls = 0;
  server.state.processingFails = false;
  server.state.limits.maxCharacters = 500;
});

describe('connecting', () => {
  it('registers an app on the instance, authorises with PKCE and lists the profile as the channel', async () => {
    const app = await registerMastodonApp({ fetch, instanceUrl: server.url, redirectUri: REDIRECT_URI });
    expect(app.supportsPkce).toBe(true);
    ctx = {
      app: {
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        baseUrl: server.url,
        scopes: app.scopes,
        settings: {},
      },
      fetch,
      now,
    };
    const verifier = randomBytes(32).toString('base64url');
    const authorizeUrl = mastodonAdapter.authorizeUrl(ctx, {
      redirectUri: REDIRECT_URI,
      state: 'st4te',
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      scopes: app.scopes,
    });
    expect(authorizeUrl.startsWith(`${server.url}/oauth/authorize?`)).toBe(true);
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code')!;

    // A wrong verifier is refused as an authorisation problem.
    const wrong = await caught(
      mastodonAdapter.exchangeCode(ctx, {
        code,
        codeVerifier: 'not-the-verifier',
        redirectUri: REDIRECT_URI,
      }),
    );
    expect(wrong.kind).toBe('auth');

    const second = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
    const tokens = await mastodonAdapter.exchangeCode(ctx, {
      code: second.searchParams.get('code')!,
      codeVerifier: verifier,
      redirectUri: REDIRECT_URI,
    });
    expect(tokens.refreshToken).toBeNull();
    expect(tokens.expiresAt).toBeNull();
    expect(tokens.scopes).toContain('write:statuses');

    const profile = await mastodonAdapter.profile(ctx, tokens);
    const host = new URL(server.url).host;
    expect(profile).toMatchObject({
      externalId: `1@${host}`,
      username: `alice@${host}`,
      displayName: 'Alice',
    });
    credentials = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: profile.metadata ?? {},
    };
    const channels = await mastodonAdapter.discoverChannels(ctx, credentials);
    expect(channels).toEqual([
      expect.objectContaining({ externalId: `1@${host}`, kind: 'profile', followersCount: 42 }),
    ]);
  });
});

describe('validating with Mastodon counting', () => {
  it('counts URLs as 23 characters and mentions without their domain', () => {
    expect(countStatusLength(`see https://example.com/${'a'.repeat(100)}`)).toBe(4 + 23);
    expect(countStatusLength('hi @bob@very.long.domain.example')).toBe('hi @bob'.length);
    expect(countStatusLength('👩‍👩‍👧 ok', { spoilerText: 'cw' })).toBe(2 + 4);
    const long = `${'x'.repeat(470)} https://example.com/${'y'.repeat(200)}`;
    expect(mastodonAdapter.validate({ text: long, title: null, media: [], options: {} })).toEqual([]);
  });

  it('refuses what the default instance would refuse', () => {
    const issues = mastodonAdapter.validate({
      text: 'x'.repeat(501),
      title: null,
      media: [mediaItem({ kind: 'video', mimeType: 'video/mp4' }), mediaItem()],
      options: { thread: 'not a list', visibility: 'everyone' },
    });
    const fields = issues.map((i) => i.field).sort();
    expect(fields).toEqual(['media', 'options.thread', 'options.visibility', 'text']);
  });

  it('checks the instance’s own limits at publish time', async () => {
    server.state.limits.maxCharacters = 100;
    const req = request({ text: 'y'.repeat(150) });
    expect(mastodonAdapter.validate(req)).toEqual([]);
    const error = await caught(mastodonAdapter.publish(ctx, credentials, req));
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/at most 100 characters/);
  });
});

describe('publishing', () => {
  it('posts text with the Idempotency-Key and reports the rate limit', async () => {
    const req = request({ text: 'Plain text', options: { visibility: 'unlisted', spoilerText: 'cw' } });
    const outcome = await mastodonAdapter.publish(ctx, credentials, req);
    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published') return;
    const status = server.statuses.get(outcome.remoteId)!;
    expect(status).toMatchObject({ text: 'Plain text', visibility: 'unlisted', spoilerText: 'cw' });
    expect(outcome.remoteUrl).toBe(`https://social.example/@alice/${outcome.remoteId}`);
    const sent = server.requests.findLast((r) => r.path === '/api/v1/statuses')!;
    expect(sent.headers['idempotency-key']).toBe(req.idempotencyKey);
    expect(outcome.rateLimit).toMatchObject({ bucket: 'statuses', limit: 300 });
    expect(outcome.rateLimit?.resetAt).toBeInstanceOf(Date);
  });

  it('uploads images processed at once, with their descriptions', async () => {
    const images = [
      mediaItem({ altText: 'first' }),
      mediaItem({ altText: 'second', mimeType: 'image/jpeg' }),
    ];
    const { outcome, runs } = await publishToEnd(request({ media: images }));
    expect(runs).toBe(1);
    if (outcome.status !== 'published') throw new Error('not published');
    const status = server.statuses.get(outcome.remoteId)!;
    expect(status.mediaIds).toHaveLength(2);
    expect(status.mediaIds.map((id) => server.media.get(id)!.description)).toEqual(['first', 'second']);
  });

  it('waits for a video across runs instead of sleeping, polling the same upload', async () => {
    server.state.processingPolls = 3;
    const uploadsBefore = server.media.size;
    const video = mediaItem({ kind: 'video', mimeType: 'video/mp4', durationSeconds: 12 });
    const { outcome, runs } = await publishToEnd(request({ media: [video], text: '' }));
    expect(runs).toBeGreaterThan(1);
    expect(server.media.size).toBe(uploadsBefore + 1);
    if (outcome.status !== 'published') throw new Error('not published');
    expect(server.statuses.get(outcome.remoteId)!.mediaIds).toHaveLength(1);
  });

  it('refuses a post whose attachment failed processing', async () => {
    server.state.processingFails = true;
    const error = await caught(
      publishToEnd(request({ media: [mediaItem({ kind: 'gif', mimeType: 'image/gif' })] })),
    );
    expect(error.kind).toBe('invalid');
    expect(error.code).toBe('media_processing_failed');
  });

  it('posts a thread as replies, each with its own key', async () => {
    const req = request({ text: 'Thread 1/3', options: { thread: ['Thread 2/3', 'Thread 3/3'] } });
    const outcome = await mastodonAdapter.publish(ctx, credentials, req);
    if (outcome.status !== 'published') throw new Error('not published');
    expect(outcome.partIds).toHaveLength(2);
    const [second, third] = outcome.partIds!.map((id) => server.statuses.get(id)!);
    expect(second!.inReplyToId).toBe(outcome.remoteId);
    expect(third!.inReplyToId).toBe(second!.id);
    const keys = server.requests.filter((r) => r.path === '/api/v1/statuses').slice(-3);
    expect(keys.map((r) => r.headers['idempotency-key'])).toEqual([
      req.idempotencyKey,
      `${req.idempotencyKey}:1`,
      `${req.idempotencyKey}:2`,
    ]);
  });

  it('publishing again with the same key returns the same status (no duplicate)', async () => {
    const req = request({ text: 'Only once', options: { thread: ['and its reply'] } });
    const first = await mastodonAdapter.publish(ctx, credentials, req);
    const count = server.statuses.size;
    const again = await mastodonAdapter.publish(ctx, credentials, req);
    expect(again).toMatchObject({ status: 'published', remoteId: (first as { remoteId: string }).remoteId });
    expect(server.statuses.size).toBe(count);
  });
});

describe('errors and limits', () => {
  it('maps 429 to rate_limited with the ISO reset as retryAfter', async () => {
    const reset = new Date(clock.getTime() + 90_000);
    server.fail({
      method: 'POST',
      path: /^\/api\/v1\/statuses$/,
      status: 429,
      body: { error: 'Too many requests' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset.toISOString() },
    });
    const error = await caught(mastodonAdapter.publish(ctx, credentials, request()));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfter?.toISOString()).toBe(reset.toISOString());
    expect(error.rateLimit).toMatchObject({ remaining: 0 });
  });

  it('maps server errors to transient, validation to invalid, and network failures to transient', async () => {
    server.fail({ path: /^\/api\/v1\/statuses$/, status: 503, body: { error: 'Service unavailable' } });
    expect((await caught(mastodonAdapter.publish(ctx, credentials, request()))).kind).toBe('transient');
    server.fail({
      path: /^\/api\/v1\/statuses$/,
      status: 422,
      body: { error: "Validation failed: Text can't be blank" },
    });
    const invalid = await caught(mastodonAdapter.publish(ctx, credentials, request()));
    expect(invalid.kind).toBe('invalid');
    expect(invalid.message).toContain("Text can't be blank");
    const offline = { ...ctx, app: { ...ctx.app, baseUrl: 'http://127.0.0.1:1' } };
    expect((await caught(mastodonAdapter.publish(offline, credentials, request()))).kind).toBe('transient');
  });

  it('a revoked token is an auth error, and there is nothing to refresh', async () => {
    server.fail({
      path: /^\/api\/v1\/statuses$/,
      status: 401,
      body: { error: 'The access token is invalid' },
    });
    expect((await caught(mastodonAdapter.publish(ctx, credentials, request()))).kind).toBe('auth');
    expect((await caught(mastodonAdapter.refresh(ctx, credentials))).kind).toBe('auth');
  });

  it('refreshes with rotation on an instance that issues refresh tokens', async () => {
    server.state.issueRefreshTokens = true;
    try {
      const verifier = randomBytes(32).toString('base64url');
      const url = mastodonAdapter.authorizeUrl(ctx, {
        redirectUri: REDIRECT_URI,
        state: 's',
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
        scopes: [],
      });
      const code = new URL(
        (await fetch(url, { redirect: 'manual' })).headers.get('location')!,
      ).searchParams.get('code')!;
      const tokens = await mastodonAdapter.exchangeCode(ctx, {
        code,
        codeVerifier: verifier,
        redirectUri: REDIRECT_URI,
      });
      expect(tokens.refreshToken).not.toBeNull();
      expect(tokens.expiresAt?.getTime()).toBe(clock.getTime() + 3600_000);
      const withRefresh = { ...credentials, ...tokens };
      const rotated = await mastodonAdapter.refresh(ctx, withRefresh);
      expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
      // The old refresh token was used up.
      expect((await caught(mastodonAdapter.refresh(ctx, withRefresh))).kind).toBe('auth');
      const outcome = await mastodonAdapter.publish(
        ctx,
        { ...credentials, ...rotated },
        request({ text: 'after refresh' }),
      );
      expect(outcome.status).toBe('published');
    } finally {
      server.state.issueRefreshTokens = false;
    }
  });
});

describe('reconcile after a crash', () => {
  it('finds a post whose reply never reached Herald, and reports a never-sent post as not found', async () => {
    const req = request({
      text: 'Crash test with a link https://example.com/path?q=1 and @bob@other.example & <tags>',
    });
    const published = await mastodonAdapter.publish(ctx, credentials, req);
    // The worker died before recording the outcome.
    const found = await mastodonAdapter.reconcile(ctx, credentials, req);
    expect(found).toEqual({
      status: 'found',
      remoteId: (published as { remoteId: string }).remoteId,
      remoteUrl: (published as { remoteUrl: string }).remoteUrl,
    });
    expect(await mastodonAdapter.reconcile(ctx, credentials, request({ text: 'never sent' }))).toEqual({
      status: 'not_found',
    });
  });

  it('still finds the post by its text after the idempotency key expired', async () => {
    const req = request({ text: 'Line one\nLine two\n\nSecond paragraph' });
    await mastodonAdapter.publish(ctx, credentials, req);
    clock = new Date(clock.getTime() + 2 * 3600_000);
    expect((await mastodonAdapter.reconcile(ctx, credentials, req)).status).toBe('found');
  });

  it('a thread cut short is replayed while the key window is open, and left to the user after', async () => {
    const req = request({ text: 'Cut short 1/2', options: { thread: ['Cut short 2/2'] } });
    const root = await mastodonAdapter.publish(ctx, credentials, { ...req, options: {} });
    expect(await mastodonAdapter.reconcile(ctx, credentials, req)).toEqual({ status: 'not_found' });
    const finished = await mastodonAdapter.publish(ctx, credentials, req);
    expect(finished).toMatchObject({ remoteId: (root as { remoteId: string }).remoteId });
    expect((await mastodonAdapter.reconcile(ctx, credentials, req)).status).toBe('found');

    const late = request({ text: 'Late 1/2', options: { thread: ['Late 2/2'] } });
    await mastodonAdapter.publish(ctx, credentials, { ...late, options: {} });
    clock = new Date(clock.getTime() + 2 * 3600_000);
    expect(await mastodonAdapter.reconcile(ctx, credentials, late)).toEqual({ status: 'unknowable' });
  });
});

describe('after publishing', () => {
  it('reads favourites, reblogs and replies, then deletes (twice is fine)', async () => {
    const outcome = await mastodonAdapter.publish(ctx, credentials, request({ text: 'Measure me' }));
    if (outcome.status !== 'published') throw new Error('not published');
    Object.assign(server.statuses.get(outcome.remoteId)!, { favourites: 7, reblogs: 3, replies: 2 });
    expect(await mastodonAdapter.readMetrics(ctx, credentials, outcome.remoteId)).toMatchObject({
      likes: 7,
      shares: 3,
      comments: 2,
      impressions: null,
    });
    await mastodonAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect(server.statuses.has(outcome.remoteId)).toBe(false);
    await mastodonAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect((await caught(mastodonAdapter.readMetrics(ctx, credentials, outcome.remoteId))).kind).toBe(
      'invalid',
    );
  });
});

describe('reading comments', () => {
  const bob = { id: '2', username: 'bob', displayName: 'Bob', followers: 3 };
  const carol = { id: '3', username: 'carol', displayName: '', followers: 0 };
  const read = (remoteId: string, cursor: string | null, limit = 2) =>
    mastodonAdapter.readComments!(ctx, credentials, remoteId, { cursor, limit });

  /** Replies a minute apart, so oldest first is a real order. */
  function reply(options: Parameters<MastodonServer['reply']>[0]) {
    clock = new Date(clock.getTime() + 60_000);
    return server.reply(options);
  }

  it('reads every reply, at every depth, oldest first, across pages, as plain text', async () => {
    const outcome = await mastodonAdapter.publish(ctx, credentials, request({ text: 'Talk to me' }));
    if (outcome.status !== 'published') throw new Error('not published');
    const first = reply({ account: bob, inReplyToId: outcome.remoteId, text: 'First!', favourites: 4 });
    const nested = reply({
      account: carol,
      inReplyToId: first.id,
      text: "Line one\nLine two & <more>\n\nIt's https://example.com/a?b=1",
    });
    const second = reply({
      account: bob,
      inReplyToId: outcome.remoteId,
      text: 'behind a warning',
      spoilerText: 'spoilers',
    });
    const deeper = reply({ account: bob, inReplyToId: nested.id, text: 'deeper' });
    const elsewhere = await mastodonAdapter.publish(ctx, credentials, request({ text: 'Another post' }));
    reply({ account: bob, inReplyToId: (elsewhere as { remoteId: string }).remoteId, text: 'not here' });

    const pages = [await read(outcome.remoteId, null)];
    while (pages.at(-1)!.nextCursor) pages.push(await read(outcome.remoteId, pages.at(-1)!.nextCursor));
    expect(pages.map((p) => p.comments.length)).toEqual([2, 2]);
    expect(pages[0]!.nextCursor).toBe('2');
    expect(pages[1]!.nextCursor).toBeNull();
    const comments = pages.flatMap((p) => p.comments);
    expect(comments.map((c) => [c.id, c.parentId])).toEqual([
      [first.id, null],
      [nested.id, first.id],
      [second.id, null],
      [deeper.id, nested.id],
    ]);
    expect(comments[0]).toEqual({
      id: first.id,
      parentId: null,
      author: {
        id: '2',
        username: 'bob',
        displayName: 'Bob',
        avatarUrl: 'http://avatars.example/2.png',
      },
      text: 'First!',
      createdAt: first.createdAt,
      likes: 4,
      url: `https://social.example/@bob/${first.id}`,
    });
    expect(comments[1]!.text).toBe("Line one\nLine two & <more>\n\nIt's https://example.com/a?b=1");
    expect(comments[1]!.author.displayName).toBe('carol');
    expect(comments[2]!.text).toBe('spoilers\n\nbehind a warning');
    // The post's own context was asked with the connection's token.
    const asked = server.requests.findLast((r) => r.path.endsWith('/context'))!;
    expect(asked.headers.authorization).toBe(`Bearer ${credentials.accessToken}`);
  });

  it('answers an empty page for a post without replies, and refuses a cursor it did not make', async () => {
    const outcome = await mastodonAdapter.publish(ctx, credentials, request({ text: 'Nobody answers' }));
    if (outcome.status !== 'published') throw new Error('not published');
    expect(await read(outcome.remoteId, null)).toEqual({ comments: [], nextCursor: null });
    expect((await caught(read(outcome.remoteId, 'abc'))).kind).toBe('invalid');
    expect((await caught(read('999999', null))).kind).toBe('invalid');
  });

  it('maps a revoked token to auth and a 429 to rate_limited with the reset', async () => {
    const outcome = await mastodonAdapter.publish(ctx, credentials, request({ text: 'Limits' }));
    if (outcome.status !== 'published') throw new Error('not published');
    server.fail({ path: /\/context$/, status: 401, body: { error: 'The access token is invalid' } });
    expect((await caught(read(outcome.remoteId, null))).kind).toBe('auth');
    const reset = new Date(clock.getTime() + 120_000);
    server.fail({
      path: /\/context$/,
      status: 429,
      body: { error: 'Too many requests' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset.toISOString() },
    });
    const limited = await caught(read(outcome.remoteId, null));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfter?.toISOString()).toBe(reset.toISOString());
    expect(mastodonAdapter.capabilities.comments).toBe(true);
  });
});
