/**
 * The Bluesky adapter's whole lifecycle against a local server speaking the AT Protocol (PDS,
 * AppView `getPosts`, video service): app-password login, channels, posts with facets, images,
 * video processed across runs, threads, token expiry and rotating refresh, rate limits, faults,
 * idempotent creation by record key, exact reconcile, delete and metrics.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { blueskyAdapter, parseAtUri } from '../../../src/platforms/bluesky/index.ts';
import { recordKeyFor, TID_PATTERN } from '../../../src/platforms/bluesky/record-key.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { type BlueskyServer, startBlueskyServer } from './server.ts';

let clock = new Date('2030-01-01T12:00:00Z');
const now = () => clock;

let server: BlueskyServer;
let ctx: AdapterContext;
let credentials: Credentials;
let aliceDid: string;
let bobDid: string;

function mediaItem(overrides: Partial<MediaItem> = {}): MediaItem {
  const bytes = randomBytes(overrides.sizeBytes ?? 256);
  return {
    id: randomBytes(6).toString('hex'),
    kind: 'image',
    mimeType: 'image/jpeg',
    sizeBytes: bytes.length,
    altText: 'alt text',
    width: 800,
    height: 600,
    durationSeconds: null,
    read: async () => bytes,
    publicUrl: null,
    ...overrides,
  };
}

function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: `herald-${randomBytes(8).toString('hex')}`,
    channel: { externalId: aliceDid, kind: 'profile', metadata: {} },
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

async function publishToEnd(req: PublishRequest): Promise<{ outcome: PublishOutcome; runs: number }> {
  let outcome = await blueskyAdapter.publish(ctx, credentials, req);
  let runs = 1;
  while (outcome.status === 'pending') {
    outcome = await blueskyAdapter.publish(ctx, credentials, {
      ...req,
      state: { ...outcome.state, pending: true },
    });
    if (++runs > 20) throw new Error('never finished');
  }
  return { outcome, runs };
}

const recordOf = (uri: string) => server.records.get(uri)!.value as Record<string, unknown>;

beforeAll(async () => {
  server = await startBlueskyServer({ now });
  aliceDid = server.addAccount('alice.test', 'abcd-efgh-ijkl-mnop', 'Alice');
  bobDid = server.addAccount('bob.test', 'bob-pass', 'Bob');
  server.setProfile(aliceDid, {
    $type: 'app.bsky.actor.profile',
    displayName: 'Alice A.',
    avatar: { $type: 'blob', ref: { $link: 'bafkreiavatar' }, mimeType: 'image/png', size: 10 },
  });
  ctx = {
    app: {
      clientId: 'herald',
      clientSecret: null,
      baseUrl: server.url,
      scopes: [],
      settings: { appViewUrl: server.url, videoServiceUrl: server.url },
    },
    fetch,
    now,
  };
});
afterAll(() => server.close());
beforeEach(() => {
  server.state.videoFails = false;
});

describe('connecting with an app password', () => {
  it('asks for a server, a handle and an app password, the password masked', () => {
    expect(blueskyAdapter.auth).toBe('credentials');
    expect(blueskyAdapter.credentialFields.map((f) => [f.name, f.secret, f.required])).toEqual([
      ['service', false, false],
      ['identifier', false, true],
      ['password', true, true],
    ]);
  });

  it('refuses a wrong password or an empty one as it should', async () => {
    expect(
      (await caught(blueskyAdapter.signIn(ctx, { identifier: 'alice.test', password: 'wrong' }))).kind,
    ).toBe('auth');
    expect((await caught(blueskyAdapter.signIn(ctx, { identifier: 'alice.test', password: ' ' }))).kind).toBe(
      'invalid',
    );
  });

  it('logs in, reads the profile record and lists the account as the channel', async () => {
    const tokens = await blueskyAdapter.signIn(ctx, {
      identifier: '@alice.test',
      password: 'abcd-efgh-ijkl-mnop',
    });
    expect(tokens.expiresAt?.getTime()).toBe(clock.getTime() + 2 * 3600_000);
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.scopes).toEqual(['com.atproto.appPass']);
    const profile = await blueskyAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({ externalId: aliceDid, username: 'alice.test', displayName: 'Alice A.' });
    expect(profile.avatarUrl).toContain('com.atproto.sync.getBlob');
    expect(profile.metadata).toMatchObject({
      did: aliceDid,
      handle: 'alice.test',
      pdsUrl: 'https://pds.test',
    });
    credentials = { ...tokens, accountId: profile.externalId, metadata: profile.metadata ?? {} };
    const channels = await blueskyAdapter.discoverChannels(ctx, credentials);
    expect(channels).toEqual([
      expect.objectContaining({
        externalId: aliceDid,
        kind: 'profile',
        url: 'https://bsky.app/profile/alice.test',
      }),
    ]);
  });
});

describe('validating with Bluesky counting', () => {
  it('counts graphemes and bytes', () => {
    const family = '👩‍👩‍👧‍👦';
    expect(
      blueskyAdapter.validate({ text: family.repeat(300), title: null, media: [], options: {} }),
    ).toEqual([{ field: 'text', message: expect.stringMatching(/at most 3000 bytes/) }]);
    expect(blueskyAdapter.validate({ text: 'é'.repeat(300), title: null, media: [], options: {} })).toEqual(
      [],
    );
    expect(
      blueskyAdapter.validate({ text: 'a'.repeat(301), title: null, media: [], options: {} })[0]?.message,
    ).toMatch(/300 characters/);
  });

  it('refuses too many or too large images, mixing video and images, and bad thread parts', () => {
    const issues = blueskyAdapter.validate({
      text: 'media',
      title: null,
      media: [
        ...Array.from({ length: 4 }, () => mediaItem()),
        mediaItem({ sizeBytes: 1_000_001 }),
        mediaItem({ kind: 'video', mimeType: 'video/mp4' }),
      ],
      options: { thread: ['ok', 'x'.repeat(301)] },
    });
    expect(issues.map((i) => i.field).sort()).toEqual(['media', 'media', 'media.4', 'options.thread.1']);
  });
});

describe('publishing', () => {
  it('posts text with link, mention and hashtag facets at UTF-8 byte offsets, under a record key of its own', async () => {
    const text = 'Héllo 🎉 @bob.test read https://example.com/a?b=1. #herald @nobody.test';
    const req = request({ text, options: { langs: ['en'] } });
    const outcome = await blueskyAdapter.publish(ctx, credentials, req);
    if (outcome.status !== 'published') throw new Error('not published');
    const rkey = recordKeyFor(req.idempotencyKey);
    expect(rkey).toMatch(TID_PATTERN);
    expect(outcome.remoteId).toBe(`at://${aliceDid}/app.bsky.feed.post/${rkey}`);
    expect(outcome.remoteUrl).toBe(`https://bsky.app/profile/alice.test/post/${rkey}`);
    expect(outcome.rateLimit).toMatchObject({ bucket: 'writes', limit: 5000 });
    const record = recordOf(outcome.remoteId);
    expect(record.langs).toEqual(['en']);
    const bytes = Buffer.from(text, 'utf8');
    const slices = (
      record.facets as { index: { byteStart: number; byteEnd: number }; features: Record<string, string>[] }[]
    ).map((f) => ({
      text: bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'),
      feature: f.features[0],
    }));
    expect(slices).toEqual([
      { text: '@bob.test', feature: { $type: 'app.bsky.richtext.facet#mention', did: bobDid } },
      {
        text: 'https://example.com/a?b=1',
        feature: { $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/a?b=1' },
      },
      { text: '#herald', feature: { $type: 'app.bsky.richtext.facet#tag', tag: 'herald' } },
    ]);
  });

  it('uploads images as blobs and embeds them with alt text and aspect ratio', async () => {
    const images = [mediaItem({ altText: 'one' }), mediaItem({ altText: null, mimeType: 'image/png' })];
    const outcome = await blueskyAdapter.publish(ctx, credentials, request({ text: '', media: images }));
    if (outcome.status !== 'published') throw new Error('not published');
    const embed = recordOf(outcome.remoteId).embed as {
      $type: string;
      images: { alt: string; aspectRatio: unknown }[];
    };
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images.map((i) => i.alt)).toEqual(['one', '']);
    expect(embed.images[0]!.aspectRatio).toEqual({ width: 800, height: 600 });
  });

  it('hands a video to the video service and waits for it across runs', async () => {
    const video = mediaItem({ kind: 'video', mimeType: 'video/mp4', sizeBytes: 4096, durationSeconds: 20 });
    const { outcome, runs } = await publishToEnd(request({ text: 'a video', media: [video] }));
    expect(runs).toBe(3);
    if (outcome.status !== 'published') throw new Error('not published');
    expect((recordOf(outcome.remoteId).embed as { $type: string }).$type).toBe('app.bsky.embed.video');
    const auth = server.calls.find((c) => c.nsid === 'com.atproto.server.getServiceAuth')!;
    expect(auth.query.get('aud')).toBe('did:web:pds.test');
    // The same file again: the service's 409 names the first job, which is reused.
    const again = await publishToEnd(request({ text: 'same video', media: [video] }));
    expect(again.outcome.status).toBe('published');
  });

  it('refuses a post whose video failed processing', async () => {
    server.state.videoFails = true;
    const video = mediaItem({ kind: 'video', mimeType: 'video/mp4', sizeBytes: 1024 });
    const error = await caught(publishToEnd(request({ media: [video] })));
    expect(error).toMatchObject({ kind: 'invalid', code: 'encoding_failure' });
  });

  it('uploads videos as plain blobs when there is no video service', async () => {
    const plain = { ...ctx, app: { ...ctx.app, settings: { ...ctx.app.settings, videoServiceUrl: null } } };
    const video = mediaItem({ kind: 'video', mimeType: 'video/mp4', sizeBytes: 2048 });
    const outcome = await blueskyAdapter.publish(plain, credentials, request({ media: [video] }));
    expect(outcome.status).toBe('published');
  });

  it('posts a thread with root and parent references', async () => {
    const req = request({ text: 'Thread 1/3', options: { thread: ['Thread 2/3', 'Thread 3/3 #end'] } });
    const outcome = await blueskyAdapter.publish(ctx, credentials, req);
    if (outcome.status !== 'published') throw new Error('not published');
    expect(outcome.partIds).toHaveLength(2);
    const root = server.records.get(outcome.remoteId)!;
    const second = recordOf(outcome.partIds![0]!);
    const third = recordOf(outcome.partIds![1]!);
    expect(second.reply).toEqual({
      root: { uri: root.uri, cid: root.cid },
      parent: { uri: root.uri, cid: root.cid },
    });
    expect((third.reply as { parent: { uri: string } }).parent.uri).toBe(outcome.partIds![0]);
    expect((third.reply as { root: { uri: string } }).root.uri).toBe(root.uri);
  });

  it('publishing again with the same key finds the post instead of duplicating it', async () => {
    const req = request({ text: 'Only once' });
    const first = await blueskyAdapter.publish(ctx, credentials, req);
    const count = server.records.size;
    const again = await blueskyAdapter.publish(ctx, credentials, req);
    expect(again).toMatchObject({ status: 'published', remoteId: (first as { remoteId: string }).remoteId });
    expect(server.records.size).toBe(count);
  });

  it('a record the PDS refuses is invalid', async () => {
    server.fail({
      nsid: 'com.atproto.repo.createRecord',
      status: 400,
      body: {
        error: 'InvalidRequest',
        message: 'Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes',
      },
    });
    const error = await caught(blueskyAdapter.publish(ctx, credentials, request({ text: 'refused' })));
    expect(error).toMatchObject({ kind: 'invalid', code: 'InvalidRequest', status: 400 });
  });
});

describe('sessions, limits and errors', () => {
  it('an expired access token is an auth error; refreshing rotates the refresh token', async () => {
    clock = new Date(clock.getTime() + 3 * 3600_000);
    const expired = await caught(blueskyAdapter.publish(ctx, credentials, request()));
    expect(expired).toMatchObject({ kind: 'auth', code: 'ExpiredToken' });
    const tokens = await blueskyAdapter.refresh(ctx, credentials);
    expect(tokens.refreshToken).not.toBe(credentials.refreshToken);
    expect(tokens.expiresAt!.getTime()).toBe(clock.getTime() + 2 * 3600_000);
    // The old refresh token was used up.
    expect((await caught(blueskyAdapter.refresh(ctx, credentials))).kind).toBe('auth');
    credentials = { ...credentials, ...tokens };
    expect((await blueskyAdapter.publish(ctx, credentials, request({ text: 'fresh' }))).status).toBe(
      'published',
    );
  });

  it('maps 429 RateLimitExceeded with RateLimit-Reset to rate_limited', async () => {
    const reset = Math.floor(clock.getTime() / 1000) + 600;
    server.fail({
      nsid: 'com.atproto.repo.createRecord',
      status: 429,
      body: { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' },
      headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': String(reset) },
    });
    const error = await caught(blueskyAdapter.publish(ctx, credentials, request()));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfter?.getTime()).toBe(reset * 1000);
    expect(error.rateLimit).toMatchObject({ remaining: 0 });
  });

  it('maps upstream failures to transient (after checking the record is really absent)', async () => {
    server.fail({
      nsid: 'com.atproto.repo.createRecord',
      status: 502,
      body: { error: 'UpstreamFailure', message: 'upstream' },
    });
    const error = await caught(blueskyAdapter.publish(ctx, credentials, request()));
    expect(error).toMatchObject({ kind: 'transient', code: 'UpstreamFailure' });
    server.fail({
      nsid: 'com.atproto.repo.uploadBlob',
      status: 413,
      body: { error: 'PayloadTooLarge', message: 'too large' },
    });
    expect(
      (await caught(blueskyAdapter.publish(ctx, credentials, request({ media: [mediaItem()] })))).kind,
    ).toBe('invalid');
  });
});

describe('reconcile after a crash', () => {
  it('is exact: the record key says whether the post exists', async () => {
    const req = request({ text: 'Crash test' });
    expect(await blueskyAdapter.reconcile(ctx, credentials, req)).toEqual({ status: 'not_found' });
    // The PDS commits the record but the answer is lost, as if the worker died right then.
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).includes('createRecord')) throw new TypeError('fetch failed');
      return response;
    };
    // The adapter itself notices: the answer was lost, but the record is at its key.
    const outcome = await blueskyAdapter.publish({ ...ctx, fetch: lossy }, credentials, req);
    expect(outcome).toMatchObject({
      status: 'published',
      remoteId: expect.stringContaining(recordKeyFor(req.idempotencyKey)),
    });
    // And after a worker crash, reconcile answers exactly.
    expect(await blueskyAdapter.reconcile(ctx, credentials, req)).toEqual({
      status: 'found',
      remoteId: `at://${aliceDid}/app.bsky.feed.post/${recordKeyFor(req.idempotencyKey)}`,
      remoteUrl: `https://bsky.app/profile/alice.test/post/${recordKeyFor(req.idempotencyKey)}`,
    });
  });

  it('a thread cut short is not found, and publishing again completes it without duplicates', async () => {
    const req = request({ text: 'Cut 1/3', options: { thread: ['Cut 2/3', 'Cut 3/3'] } });
    // The first attempt dies after the second part.
    let creates = 0;
    const dying: typeof fetch = async (input, init) => {
      if (String(input).includes('createRecord') && ++creates === 3) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const error = await caught(blueskyAdapter.publish({ ...ctx, fetch: dying }, credentials, req));
    expect(error.kind).toBe('transient');
    expect(await blueskyAdapter.reconcile(ctx, credentials, req)).toEqual({ status: 'not_found' });
    const before = server.records.size;
    const outcome = await blueskyAdapter.publish(ctx, credentials, req);
    expect(server.records.size).toBe(before + 1);
    if (outcome.status !== 'published') throw new Error('not published');
    expect((await blueskyAdapter.reconcile(ctx, credentials, req)).status).toBe('found');
  });
});

describe('after publishing', () => {
  it('reads likes, reposts and replies from the AppView, or nothing without one; then deletes', async () => {
    const outcome = await blueskyAdapter.publish(ctx, credentials, request({ text: 'Measure me' }));
    if (outcome.status !== 'published') throw new Error('not published');
    Object.assign(server.records.get(outcome.remoteId)!, { likes: 5, reposts: 2, replies: 1 });
    expect(await blueskyAdapter.readMetrics(ctx, credentials, outcome.remoteId)).toMatchObject({
      likes: 5,
      shares: 2,
      comments: 1,
      impressions: null,
    });
    const noAppView = { ...ctx, app: { ...ctx.app, settings: { appViewUrl: null } } };
    expect(await blueskyAdapter.readMetrics(noAppView, credentials, outcome.remoteId)).toEqual({
      likes: null,
      comments: null,
      shares: null,
      impressions: null,
    });
    await blueskyAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect(server.records.has(outcome.remoteId)).toBe(false);
    await blueskyAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect((await caught(blueskyAdapter.readMetrics(noAppView, credentials, outcome.remoteId))).kind).toBe(
      'invalid',
    );
    expect(parseAtUri(outcome.remoteId).collection).toBe('app.bsky.feed.post');
  });
});

describe('reading comments', () => {
  const read = (remoteId: string, cursor: string | null, context = ctx) =>
    blueskyAdapter.readComments!(context, credentials, remoteId, { cursor, limit: 2 });
  const minutes = (n: number) => new Date(clock.getTime() + n * 60_000);
  const rkeyOf = (uri: string) => uri.split('/').pop();

  it('flattens the AppView thread oldest first with parents, leaving out withheld replies', async () => {
    const carolDid = server.addAccount('carol.test', 'carol-pass', 'Carol');
    const outcome = await blueskyAdapter.publish(ctx, credentials, request({ text: 'Talk to me' }));
    if (outcome.status !== 'published') throw new Error('not published');
    const post = outcome.remoteId;
    const first = server.reply({ did: bobDid, parentUri: post, text: 'First!', createdAt: minutes(1) });
    const nested = server.reply({
      did: carolDid,
      parentUri: first,
      text: 'Agreed 🎉',
      createdAt: minutes(2),
      likes: 5,
    });
    const second = server.reply({
      did: bobDid,
      parentUri: post,
      text: 'Again',
      createdAt: minutes(3),
      likes: 9,
    });
    const blocked = server.reply({ did: carolDid, parentUri: post, text: 'hidden', createdAt: minutes(4) });
    server.reply({ did: bobDid, parentUri: blocked, text: 'under hidden', createdAt: minutes(5) });
    server.withhold(blocked, 'blocked');
    const gone = server.reply({ did: bobDid, parentUri: first, text: 'gone', createdAt: minutes(6) });
    server.withhold(gone, 'notFound');
    const answer = server.reply({ did: aliceDid, parentUri: nested, text: 'Thanks', createdAt: minutes(7) });

    const firstPage = await read(post, null);
    expect(firstPage.nextCursor).toBe('2');
    const secondPage = await read(post, firstPage.nextCursor);
    expect(secondPage.nextCursor).toBeNull();
    const comments = [...firstPage.comments, ...secondPage.comments];
    expect(comments.map((c) => [c.id, c.parentId])).toEqual([
      [first, null],
      [nested, first],
      [second, null],
      [answer, nested],
    ]);
    expect(comments[1]).toEqual({
      id: nested,
      parentId: first,
      author: {
        id: carolDid,
        username: 'carol.test',
        displayName: 'Carol',
        avatarUrl: `https://cdn.test/avatar/${carolDid}`,
      },
      text: 'Agreed 🎉',
      createdAt: minutes(2),
      likes: 5,
      url: `https://bsky.app/profile/carol.test/post/${rkeyOf(nested)}`,
    });
    const asked = server.calls.findLast((c) => c.nsid === 'app.bsky.feed.getPostThread')!;
    expect(asked.query.get('uri')).toBe(post);
    expect(Number(asked.query.get('depth'))).toBeGreaterThan(6);
  });

  it('needs no session: the public AppView is read without a token, so an expired one does not matter', async () => {
    const outcome = await blueskyAdapter.publish(ctx, credentials, request({ text: 'Quiet post' }));
    if (outcome.status !== 'published') throw new Error('not published');
    const expired = { ...credentials, accessToken: 'expired.jwt.token' };
    expect(
      await blueskyAdapter.readComments!(ctx, expired, outcome.remoteId, { cursor: null, limit: 10 }),
    ).toEqual({ comments: [], nextCursor: null });
    const asked = server.calls.findLast((c) => c.nsid === 'app.bsky.feed.getPostThread')!;
    expect(asked.headers.authorization).toBeUndefined();
  });

  it('maps 429 to rate_limited, a missing post to invalid, and refuses without an AppView', async () => {
    const outcome = await blueskyAdapter.publish(ctx, credentials, request({ text: 'Limits' }));
    if (outcome.status !== 'published') throw new Error('not published');
    const reset = Math.floor(clock.getTime() / 1000) + 300;
    server.fail({
      nsid: 'app.bsky.feed.getPostThread',
      status: 429,
      body: { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' },
      headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': String(reset) },
    });
    const limited = await caught(read(outcome.remoteId, null));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfter?.getTime()).toBe(reset * 1000);
    const missing = await caught(read(`at://${aliceDid}/app.bsky.feed.post/3kmissing22222`, null));
    expect(missing).toMatchObject({ kind: 'invalid', code: 'NotFound' });
    const noAppView = { ...ctx, app: { ...ctx.app, settings: { appViewUrl: null } } };
    const refused = await caught(read(outcome.remoteId, null, noAppView));
    expect(refused).toMatchObject({ kind: 'invalid', code: 'no_appview' });
    expect(refused.message).toMatch(/AppView/);
    expect(blueskyAdapter.capabilities.comments).toBe(true);
  });
});
