import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextPacificMidnight } from '../../../src/platforms/youtube/api.ts';
import { youtubeAdapter as adapter } from '../../../src/platforms/youtube/index.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { startYouTubeServer, type YouTubeServer } from './server.ts';

const REDIRECT = 'http://127.0.0.1:9/oauth/callback';
const KIB256 = 256 * 1024;

function video(size = KIB256 * 2 + 1000): MediaItem & { bytes: Uint8Array } {
  const bytes = new Uint8Array(randomBytes(size));
  return {
    id: `m-${randomBytes(4).toString('hex')}`,
    kind: 'video',
    mimeType: 'video/mp4',
    sizeBytes: size,
    altText: null,
    width: 1920,
    height: 1080,
    durationSeconds: 30,
    publicUrl: null,
    read: async () => bytes,
    bytes,
  };
}

let counter = 0;
function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  counter++;
  return {
    idempotencyKey: `key-${counter}`,
    channel: { externalId: 'UCherald000000000000000', kind: 'channel', metadata: {} },
    text: `Description ${counter}`,
    title: `Herald video ${counter}`,
    media: [video()],
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

describe('YouTube adapter against a local Data API v3 server', () => {
  let yt: YouTubeServer;
  let ctx: AdapterContext;
  let credentials: Credentials;

  async function publishUntilDone(req: PublishRequest) {
    const seen: PublishOutcome[] = [];
    let state: Record<string, unknown> | null = req.state;
    for (let i = 0; i < 20; i++) {
      const outcome = await adapter.publish(ctx, credentials, { ...req, state });
      seen.push(outcome);
      if (outcome.status === 'published') return { outcome, seen };
      state = { ...outcome.state, pending: true };
    }
    throw new Error('publish never finished');
  }

  beforeAll(async () => {
    yt = await startYouTubeServer();
    ctx = {
      app: {
        clientId: yt.clientId,
        clientSecret: yt.clientSecret,
        baseUrl: yt.base,
        scopes: [],
        settings: { uploadChunkBytes: KIB256 },
      },
      fetch,
      now: () => new Date(),
    };
  });
  afterAll(() => yt?.close());

  it('connects: offline consent with PKCE, code exchange, the channel as profile and channel', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(
      adapter.authorizeUrl(ctx, { redirectUri: REDIRECT, state: 's', codeChallenge: challenge, scopes: [] }),
    );
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('scope')).toContain('https://www.googleapis.com/auth/youtube.upload');
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    const tokens = await adapter.exchangeCode(ctx, {
      code: back.searchParams.get('code')!,
      codeVerifier: verifier,
      redirectUri: REDIRECT,
    });
    expect(tokens.refreshToken).toMatch(/^1\/\//);
    const profile = await adapter.profile(ctx, tokens);
    expect(profile).toMatchObject({
      externalId: yt.channel.id,
      displayName: 'Herald Channel',
      username: '@heraldchannel',
    });
    credentials = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: {},
    };
    const channels = await adapter.discoverChannels(ctx, credentials);
    expect(channels).toEqual([
      expect.objectContaining({
        externalId: yt.channel.id,
        kind: 'channel',
        followersCount: 1234,
        url: 'https://www.youtube.com/@heraldchannel',
      }),
    ]);
  });

  it('uploads with the resumable protocol in 256 KiB chunks and waits for processing across runs', async () => {
    yt.knobs.processing = { polls: 2, outcome: 'processed' };
    const req = request({ options: { privacyStatus: 'unlisted', tags: ['herald'] } });
    const { outcome, seen } = await publishUntilDone(req);
    expect(seen.map((s) => s.status)).toEqual(['pending', 'published']);
    const id = (outcome as { remoteId: string }).remoteId;
    expect((outcome as { remoteUrl: string }).remoteUrl).toBe(`https://www.youtube.com/watch?v=${id}`);
    const stored = yt.videos.get(id)!;
    expect(stored).toMatchObject({ title: req.title, description: req.text, privacyStatus: 'unlisted' });
    expect(Buffer.compare(stored.bytes, Buffer.from(await req.media[0]!.read()))).toBe(0);
    const chunks = yt.requests.filter((r) => r.startsWith('PUT /upload/') && !r.includes('*'));
    expect(chunks.slice(-3).map((r) => r.split(' ').pop())).toEqual([
      `0-${KIB256 - 1}/${stored.bytes.length}`,
      `${KIB256}-${2 * KIB256 - 1}/${stored.bytes.length}`,
      `${2 * KIB256}-${stored.bytes.length - 1}/${stored.bytes.length}`,
    ]);
    yt.knobs.processing = { polls: 1, outcome: 'processed' };
  });

  it('resumes an interrupted upload: asks the session with bytes */N and sends only the rest', async () => {
    // The second chunk arrives but its answer is lost.
    yt.faults.push({
      route: 'PUT /upload/youtube/v3/videos',
      status: 503,
      afterCommit: true,
      skip: 1,
      times: 1,
    });
    const req = request();
    const first = await adapter.publish(ctx, credentials, req);
    expect(first.status).toBe('pending');
    if (first.status !== 'pending') return;
    expect(first.state.upload).toMatchObject({
      offset: KIB256,
      probe: true,
      sessionUrl: expect.stringContaining('upload_id='),
    });
    const mark = yt.requests.length;
    const { outcome } = await publishUntilDone({ ...req, state: { ...first.state, pending: true } });
    const after = yt.requests.slice(mark).filter((r) => r.startsWith('PUT /upload/'));
    expect(after[0]).toMatch(/bytes \*\/\d+$/);
    expect(after.slice(1).map((r) => r.split(' ').pop())).toEqual([
      `${2 * KIB256}-${KIB256 * 2 + 999}/${KIB256 * 2 + 1000}`,
    ]);
    expect(
      Buffer.compare(
        yt.videos.get((outcome as { remoteId: string }).remoteId)!.bytes,
        Buffer.from(await req.media[0]!.read()),
      ),
    ).toBe(0);
  });

  it('starts over when the upload session is gone', async () => {
    yt.faults.push({ route: 'PUT /upload/youtube/v3/videos', status: 503, times: 1 });
    const req = request();
    const first = await adapter.publish(ctx, credentials, req);
    if (first.status !== 'pending') throw new Error('expected pending');
    yt.forgetSession(
      new URL((first.state.upload as { sessionUrl: string }).sessionUrl).searchParams.get('upload_id')!,
    );
    const { outcome } = await publishUntilDone({ ...req, state: { ...first.state, pending: true } });
    expect(yt.videos.get((outcome as { remoteId: string }).remoteId)!.bytes.length).toBe(
      req.media[0]!.sizeBytes,
    );
  });

  it('reports processing failure as invalid and a duplicate rejection as duplicate', async () => {
    yt.knobs.processing = { polls: 1, outcome: 'failed' };
    const failed = await caught(publishUntilDone(request()));
    expect(failed).toMatchObject({ kind: 'invalid', code: 'invalidFile' });
    yt.knobs.processing = { polls: 1, outcome: 'rejected' };
    const duplicate = await caught(publishUntilDone(request()));
    expect(duplicate).toMatchObject({ kind: 'duplicate', code: 'duplicate' });
    yt.knobs.processing = { polls: 1, outcome: 'processed' };
  });

  it('maps quotaExceeded to rate_limited until midnight Pacific, and uploadLimitExceeded to a day', async () => {
    const saved = yt.knobs.quotaRemaining;
    yt.knobs.quotaRemaining = 10;
    const quota = await caught(adapter.publish(ctx, credentials, request()));
    expect(quota).toMatchObject({ kind: 'rate_limited', code: 'quotaExceeded' });
    expect(quota.retryAfter!.getTime()).toBe(nextPacificMidnight(new Date()).getTime());
    expect(quota.rateLimit).toMatchObject({ bucket: 'quota-daily', remaining: 0 });
    yt.knobs.quotaRemaining = saved;

    yt.knobs.uploadsLeftToday = 0;
    const cap = await caught(adapter.publish(ctx, credentials, request()));
    expect(cap).toMatchObject({ kind: 'rate_limited', code: 'uploadLimitExceeded' });
    expect(cap.retryAfter!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    yt.knobs.uploadsLeftToday = 100;
  });

  it('computes midnight Pacific across daylight saving', () => {
    expect(nextPacificMidnight(new Date('2026-07-01T12:00:00Z')).toISOString()).toBe(
      '2026-07-02T07:00:00.000Z',
    );
    expect(nextPacificMidnight(new Date('2026-01-15T07:30:00Z')).toISOString()).toBe(
      '2026-01-15T08:00:00.000Z',
    );
    expect(nextPacificMidnight(new Date('2026-03-07T20:00:00Z')).toISOString()).toBe(
      '2026-03-08T08:00:00.000Z',
    );
    expect(nextPacificMidnight(new Date('2026-03-08T20:00:00Z')).toISOString()).toBe(
      '2026-03-09T07:00:00.000Z',
    );
  });

  it('refreshes an expired token without rotation and resumes the same session with it', async () => {
    const req = request();
    yt.faults.push({ route: 'PUT /upload/youtube/v3/videos', status: 503, times: 1, skip: 1 });
    const first = await adapter.publish(ctx, credentials, req);
    if (first.status !== 'pending') throw new Error('expected pending');
    yt.expireAccessTokens();
    const expired = await adapter.publish(ctx, credentials, {
      ...req,
      state: { ...first.state, pending: true },
    });
    expect(expired).toMatchObject({ status: 'pending', retryAfterMs: 0, state: { authRetried: true } });
    const tokens = await adapter.refresh(ctx, credentials);
    expect(tokens.refreshToken).toBeNull();
    credentials = { ...credentials, accessToken: tokens.accessToken };
    const sessionsBefore = yt.sessions.size;
    const { outcome } = await publishUntilDone({
      ...req,
      state: { ...(expired as { state: Record<string, unknown> }).state, pending: true },
    });
    expect(outcome.status).toBe('published');
    expect(yt.sessions.size).toBe(sessionsBefore);

    const dead = await caught(adapter.refresh(ctx, { ...credentials, refreshToken: '1//revoked' }));
    expect(dead).toMatchObject({ kind: 'auth', code: 'invalid_grant' });
  });

  it('reconciles after a crash by title and description among recent uploads', async () => {
    const req = request();
    yt.faults.push({
      route: 'PUT /upload/youtube/v3/videos',
      status: 502,
      afterCommit: true,
      skip: 2,
      times: 1,
    });
    // The final chunk landed but the answer did not: the run ends pending with the session kept.
    const lost = await adapter.publish(ctx, credentials, req);
    expect(lost.status).toBe('pending');
    // A crashed run leaves no state: reconcile finds the video among the uploads.
    const found = await adapter.reconcile(ctx, credentials, req);
    expect(found).toMatchObject({ status: 'found', remoteUrl: expect.stringContaining('watch?v=') });
    expect(yt.videos.get((found as { remoteId: string }).remoteId)!.title).toBe(req.title);
    expect(await adapter.reconcile(ctx, credentials, request())).toEqual({ status: 'not_found' });
  });

  it('reads statistics, and deletes', async () => {
    const { outcome } = await publishUntilDone(request());
    const id = (outcome as { remoteId: string }).remoteId;
    yt.videos.get(id)!.views = 42;
    yt.videos.get(id)!.likes = 5;
    expect(await adapter.readMetrics(ctx, credentials, id)).toMatchObject({
      likes: 5,
      comments: 3,
      impressions: 42,
    });
    await adapter.deletePost(ctx, credentials, id);
    expect(yt.videos.has(id)).toBe(false);
    await adapter.deletePost(ctx, credentials, id);
  });

  it('reads comment threads page by page, newest first, each followed by all its replies', async () => {
    const { outcome } = await publishUntilDone(request());
    const id = (outcome as { remoteId: string }).remoteId;
    const at = (minutes: number) => new Date(Date.parse('2030-01-01T00:00:00Z') + minutes * 60_000);
    const older = yt.comment({ videoId: id, text: 'Great <video> & more', likes: 2, publishedAt: at(1) });
    const own = yt.comment({
      videoId: id,
      text: 'Thanks for watching',
      author: { name: '@heraldchannel', channelId: yt.channel.id },
      publishedAt: at(2),
    });
    const newest = yt.comment({ videoId: id, text: 'Newest', publishedAt: at(3) });
    // More replies than a thread carries: the rest come from comments.list.
    const replies = [5, 4, 6].map((m) =>
      yt.comment({ videoId: id, parentId: older.id, text: `reply at ${m}`, publishedAt: at(m) }),
    );
    const read = (cursor: string | null) => adapter.readComments!(ctx, credentials, id, { cursor, limit: 2 });

    const first = await read(null);
    expect(first.comments.map((c) => [c.id, c.parentId])).toEqual([
      [newest.id, null],
      [own.id, null],
    ]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await read(first.nextCursor);
    expect(second.nextCursor).toBeNull();
    expect(second.comments.map((c) => [c.id, c.parentId])).toEqual([
      [older.id, null],
      [replies[1]!.id, older.id],
      [replies[0]!.id, older.id],
      [replies[2]!.id, older.id],
    ]);
    expect(second.comments[0]).toEqual({
      id: older.id,
      parentId: null,
      author: {
        id: 'UCfan00000000000000000',
        username: null,
        displayName: '@fan',
        avatarUrl: 'https://yt3.test/UCfan00000000000000000.jpg',
      },
      // Another person's comment comes without textOriginal: the plain-text display stands in.
      text: 'Great <video> & more',
      createdAt: at(1),
      likes: 2,
      url: `https://www.youtube.com/watch?v=${id}&lc=${older.id}`,
    });
    expect(first.comments[1]!.text).toBe('Thanks for watching');
    expect(yt.requests.filter((r) => r.startsWith('GET /youtube/v3/comments?')).at(-1)).toContain(
      `parentId=${encodeURIComponent(older.id)}`,
    );
  });

  it('reads no comments as an empty page; disabled comments are invalid, quota and tokens as usual', async () => {
    const { outcome } = await publishUntilDone(request());
    const id = (outcome as { remoteId: string }).remoteId;
    const read = () => adapter.readComments!(ctx, credentials, id, { cursor: null, limit: 20 });
    expect(await read()).toEqual({ comments: [], nextCursor: null });
    yt.commentsDisabled.add(id);
    expect(await caught(read())).toMatchObject({ kind: 'invalid', code: 'commentsDisabled' });
    yt.commentsDisabled.delete(id);
    const saved = yt.knobs.quotaRemaining;
    yt.knobs.quotaRemaining = 0;
    expect(await caught(read())).toMatchObject({ kind: 'rate_limited', code: 'quotaExceeded' });
    yt.knobs.quotaRemaining = saved;
    yt.expireAccessTokens();
    expect((await caught(read())).kind).toBe('auth');
    credentials = { ...credentials, accessToken: (await adapter.refresh(ctx, credentials)).accessToken };
    expect(await read()).toEqual({ comments: [], nextCursor: null });
    expect(adapter.capabilities.comments).toBe(true);
  });

  it('validates YouTube rules before scheduling', () => {
    const base = { text: 'd', title: 'T', media: [video(10)], options: {} };
    expect(adapter.validate(base)).toEqual([]);
    expect(adapter.validate({ ...base, title: null })[0]!.field).toBe('title');
    expect(adapter.validate({ ...base, title: 'x'.repeat(101) })[0]!.field).toBe('title');
    expect(adapter.validate({ ...base, title: 'a <b>' })[0]!.field).toBe('title');
    expect(adapter.validate({ ...base, text: 'é'.repeat(2501) })[0]!.field).toBe('text');
    expect(adapter.validate({ ...base, media: [] })[0]!.field).toBe('media');
    expect(adapter.validate({ ...base, options: { privacyStatus: 'friends' } })[0]!.field).toBe(
      'options.privacyStatus',
    );
    expect(adapter.validate({ ...base, options: { publishAt: '2030-01-01T00:00:00Z' } })[0]!.field).toBe(
      'options.publishAt',
    );
    expect(
      adapter.validate({ ...base, options: { publishAt: '2030-01-01T00:00:00Z', privacyStatus: 'private' } }),
    ).toEqual([]);
    expect(
      adapter.validate({ ...base, options: { tags: Array.from({ length: 60 }, () => 'abcdefghij') } })[0]!
        .field,
    ).toBe('options.tags');
  });
});
