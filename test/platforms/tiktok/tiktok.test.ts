import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tiktokAdapter as adapter } from '../../../src/platforms/tiktok/index.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { startTikTokServer, type TikTokServer } from './server.ts';

const REDIRECT = 'http://127.0.0.1:9/oauth/callback';
const MB = 1024 * 1024;

function video(size: number, overrides: Partial<MediaItem> = {}): MediaItem {
  const bytes = new Uint8Array(randomBytes(size));
  return {
    id: `m-${randomBytes(4).toString('hex')}`,
    kind: 'video',
    mimeType: 'video/mp4',
    sizeBytes: size,
    altText: null,
    width: 1080,
    height: 1920,
    durationSeconds: 20,
    publicUrl: 'https://media.herald.example/m/video.mp4',
    read: async () => bytes,
    ...overrides,
  };
}
const photo = (n: number): MediaItem => ({
  ...video(100),
  kind: 'image',
  mimeType: 'image/jpeg',
  durationSeconds: null,
  publicUrl: `https://media.herald.example/m/${n}.jpg`,
});

let counter = 0;
function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  counter++;
  return {
    idempotencyKey: `key-${counter}`,
    channel: { externalId: '-000OpenId123', kind: 'profile', metadata: {} },
    text: `TikTok from Herald #${counter}`,
    title: null,
    media: [video(2000)],
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

describe('TikTok adapter against a local Open API v2 server', () => {
  let tt: TikTokServer;
  let ctx: AdapterContext;
  let credentials: Credentials;

  async function publishUntilDone(req: PublishRequest, context = ctx) {
    const seen: PublishOutcome[] = [];
    let state: Record<string, unknown> | null = req.state;
    for (let i = 0; i < 20; i++) {
      const outcome = await adapter.publish(context, credentials, { ...req, state });
      seen.push(outcome);
      if (outcome.status === 'published') return { outcome, seen };
      state = { ...outcome.state, pending: true };
    }
    throw new Error('publish never finished');
  }

  beforeAll(async () => {
    tt = await startTikTokServer();
    // The documented 6 inits per minute would throttle this suite; one test lowers it on purpose.
    tt.knobs.initsPerMinute = 1000;
    ctx = {
      app: {
        clientId: tt.clientKey,
        clientSecret: tt.clientSecret,
        baseUrl: tt.base,
        scopes: [],
        settings: { videoChunkBytes: 5 * MB },
      },
      fetch,
      now: () => new Date(),
    };
  });
  afterAll(() => tt?.close());

  it('connects: consent, code exchange with open_id, profile and the account as channel', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(
      adapter.authorizeUrl(ctx, { redirectUri: REDIRECT, state: 's', codeChallenge: challenge, scopes: [] }),
    );
    expect(url.pathname).toBe('/v2/auth/authorize/');
    expect(url.searchParams.get('client_key')).toBe(tt.clientKey);
    expect(url.searchParams.get('scope')).toBe('user.info.basic,video.publish,video.upload,video.list');
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    const tokens = await adapter.exchangeCode(ctx, {
      code: back.searchParams.get('code')!,
      codeVerifier: verifier,
      redirectUri: REDIRECT,
    });
    expect(tokens.scopes).toContain('video.publish');
    const profile = await adapter.profile(ctx, tokens);
    expect(profile).toMatchObject({
      externalId: tt.user.openId,
      username: 'heraldtok',
      displayName: 'Herald Tok',
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
        externalId: tt.user.openId,
        followersCount: 321,
        url: 'https://www.tiktok.com/@heraldtok',
      }),
    ]);
  });

  it('posts a small video by FILE_UPLOAD in one chunk and waits through moderation for the post id', async () => {
    tt.knobs.processing = { ...tt.knobs.processing, polls: 1, moderationPolls: 1 };
    const req = request();
    const { outcome, seen } = await publishUntilDone(req);
    expect(seen.map((s) => s.status)).toEqual(['pending', 'published']);
    const { remoteId, remoteUrl } = outcome as { remoteId: string; remoteUrl: string };
    expect(remoteUrl).toBe(`https://www.tiktok.com/@heraldtok/video/${remoteId}`);
    const publish = [...tt.publishes.values()].at(-1)!;
    expect(publish).toMatchObject({ chunkCount: 1, title: req.text, privacy: 'PUBLIC_TO_EVERYONE' });
    tt.knobs.processing = { ...tt.knobs.processing, moderationPolls: 0 };
  });

  it('uploads a large video in 5 MB chunks with Content-Range, the last absorbing the remainder', async () => {
    const item = video(12 * MB + 123);
    const { outcome } = await publishUntilDone(request({ media: [item] }));
    expect(outcome.status).toBe('published');
    const publish = [...tt.publishes.values()].at(-1)!;
    expect(publish.chunkCount).toBe(2);
    expect(Buffer.compare(tt.assembled(publish.id), Buffer.from(await item.read()))).toBe(0);
    const ranges = tt.requests
      .filter((r) => r.startsWith('PUT /upload/'))
      .slice(-2)
      .map((r) => r.split(' ').pop());
    expect(ranges).toEqual([
      `0-${5 * MB - 1}/${12 * MB + 123}`,
      `${5 * MB}-${12 * MB + 122}/${12 * MB + 123}`,
    ]);
  });

  it('resumes an interrupted upload from the saved chunk index without a second init', async () => {
    tt.faults.push({ route: 'PUT /upload', status: 503, skip: 1, times: 1 });
    const item = video(15 * MB);
    const req = request({ media: [item] });
    const first = await adapter.publish(ctx, credentials, req);
    expect(first).toMatchObject({ status: 'pending', state: { nextChunk: 1, chunkCount: 3 } });
    const inits = tt.publishes.size;
    const { outcome } = await publishUntilDone({
      ...req,
      state: { ...(first as { state: Record<string, unknown> }).state, pending: true },
    });
    expect(outcome.status).toBe('published');
    expect(tt.publishes.size).toBe(inits);
    const publish = [...tt.publishes.values()].at(-1)!;
    expect(Buffer.compare(tt.assembled(publish.id), Buffer.from(await item.read()))).toBe(0);
  });

  it('posts by PULL_FROM_URL and photos by URL; refuses loopback media URLs naming PUBLIC_URL', async () => {
    const pulled = await publishUntilDone(request({ options: { source: 'PULL_FROM_URL' } }));
    expect(pulled.outcome.status).toBe('published');
    expect([...tt.publishes.values()].at(-1)!).toMatchObject({
      source: 'PULL_FROM_URL',
      urls: ['https://media.herald.example/m/video.mp4'],
    });

    const photos = await publishUntilDone(
      request({ title: 'Album', text: 'three photos', media: [photo(1), photo(2), photo(3)] }),
    );
    expect(photos.outcome.status).toBe('published');
    expect([...tt.publishes.values()].at(-1)!).toMatchObject({
      kind: 'photo',
      urls: expect.arrayContaining(['https://media.herald.example/m/2.jpg']),
    });

    // Against the real API host (routed here), a loopback URL cannot be fetched by TikTok.
    const publicCtx: AdapterContext = {
      ...ctx,
      app: { ...ctx.app, baseUrl: 'https://open.tiktokapis.com' },
      fetch: (input, init) => fetch(String(input).replace('https://open.tiktokapis.com', tt.base), init),
    };
    const local = video(2000, { publicUrl: 'http://127.0.0.1:8080/media/v.mp4' });
    const refused = await caught(
      adapter.publish(
        publicCtx,
        credentials,
        request({ media: [local], options: { source: 'PULL_FROM_URL' } }),
      ),
    );
    expect(refused.kind).toBe('invalid');
    expect(refused.message).toContain('PUBLIC_URL');
  });

  it('refuses what creator_info forbids: a privacy level not offered, a video too long', async () => {
    const privacy = await caught(
      adapter.publish(ctx, credentials, request({ options: { privacyLevel: 'FOLLOWER_OF_CREATOR' } })),
    );
    expect(privacy).toMatchObject({ kind: 'invalid', code: 'privacy_level_option_mismatch' });
    expect(privacy.message).toContain('PUBLIC_TO_EVERYONE');
    const long = await caught(
      adapter.publish(ctx, credentials, request({ media: [video(2000, { durationSeconds: 700 })] })),
    );
    expect(long).toMatchObject({ kind: 'invalid', code: 'duration_check_failed' });
  });

  it('private posts publish with the publish id; processing failure maps fail_reason', async () => {
    const { outcome } = await publishUntilDone(request({ options: { privacyLevel: 'SELF_ONLY' } }));
    expect(outcome).toMatchObject({
      status: 'published',
      remoteId: expect.stringMatching(/^v_pub_file~/),
      remoteUrl: null,
    });

    tt.knobs.processing = {
      ...tt.knobs.processing,
      outcome: 'FAILED',
      failReason: 'frame_rate_check_failed',
    };
    const failed = await caught(publishUntilDone(request()));
    expect(failed).toMatchObject({ kind: 'invalid', code: 'frame_rate_check_failed' });
    expect(failed.message).toContain('frame rate');
    tt.knobs.processing = { ...tt.knobs.processing, outcome: 'PUBLISH_COMPLETE' };
  });

  it('maps rate_limit_exceeded and the daily post cap to rate_limited', async () => {
    tt.knobs.initsPerMinute = 0;
    const minute = await caught(adapter.publish(ctx, credentials, request()));
    expect(minute).toMatchObject({ kind: 'rate_limited', code: 'rate_limit_exceeded' });
    expect(minute.retryAfter!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    tt.knobs.initsPerMinute = 1000;

    const left = tt.knobs.postsLeftToday;
    tt.knobs.postsLeftToday = 0;
    const daily = await caught(adapter.publish(ctx, credentials, request()));
    expect(daily).toMatchObject({ kind: 'rate_limited', code: 'spam_risk_too_many_posts' });
    expect(daily.rateLimit).toMatchObject({ bucket: 'posts-daily', remaining: 0 });
    tt.knobs.postsLeftToday = left + 100;
  });

  it('refreshes an expired token with rotation: the old refresh token stops working', async () => {
    tt.expireAccessTokens();
    const expired = await caught(adapter.publish(ctx, credentials, request()));
    expect(expired).toMatchObject({ kind: 'auth', code: 'access_token_invalid' });
    const tokens = await adapter.refresh(ctx, credentials);
    expect(tokens.refreshToken).not.toBe(credentials.refreshToken);
    const reused = await caught(adapter.refresh(ctx, credentials));
    expect(reused).toMatchObject({ kind: 'auth', code: 'invalid_grant' });
    credentials = { ...credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    expect((await publishUntilDone(request())).outcome.status).toBe('published');
  });

  it('reconciles: by publish_id when kept, by the video list when it matches, else unknowable', async () => {
    // A status fetch that failed after init: the run ends pending with the publish_id.
    tt.faults.push({ route: 'POST /v2/post/publish/status/fetch/', status: 500, times: 1 });
    const req = request();
    const first = await adapter.publish(ctx, credentials, req);
    expect(first).toMatchObject({ status: 'pending', state: { publishId: expect.any(String) } });
    const byId = await adapter.reconcile(ctx, credentials, {
      ...req,
      state: (first as { state: Record<string, unknown> }).state,
    });
    expect(byId.status).toBe('found');

    // A crash lost the state: the published video is found in the list by its caption.
    const listed = await adapter.reconcile(ctx, credentials, req);
    expect(listed).toMatchObject({ status: 'found', remoteUrl: expect.stringContaining('/video/') });
    expect(await adapter.reconcile(ctx, credentials, request())).toEqual({ status: 'unknowable' });
  });

  it('reads metrics by video query; delete and reading comments are refused as unsupported', async () => {
    const { outcome } = await publishUntilDone(request());
    const id = (outcome as { remoteId: string }).remoteId;
    tt.videos.get(id)!.likes = 9;
    tt.videos.get(id)!.views = 100;
    expect(await adapter.readMetrics(ctx, credentials, id)).toMatchObject({
      likes: 9,
      comments: 1,
      shares: 2,
      impressions: 100,
    });
    const deletion = await caught(adapter.deletePost(ctx, credentials, id));
    expect(deletion).toMatchObject({ kind: 'invalid', code: 'unsupported' });
    expect(adapter.capabilities.comments).toBe(false);
    const comments = await caught(adapter.readComments!(ctx, credentials, id, { cursor: null, limit: 20 }));
    expect(comments).toMatchObject({ kind: 'invalid', code: 'unsupported' });
    expect(comments.message).toMatch(/Research API/);
  });

  it('validates TikTok rules before scheduling', () => {
    const v = adapter.validate;
    expect(v({ text: 'ok', title: null, media: [video(10)], options: {} })).toEqual([]);
    expect(v({ text: 'ok', title: null, media: [], options: {} })[0]!.field).toBe('media');
    expect(v({ text: 'x'.repeat(2201), title: null, media: [video(10)], options: {} })[0]!.field).toBe(
      'text',
    );
    expect(v({ text: 'ok', title: null, media: [video(10), photo(1)], options: {} })).not.toEqual([]);
    expect(
      v({ text: 'ok', title: null, media: [{ ...photo(1), mimeType: 'image/png' }], options: {} })[0]!
        .message,
    ).toContain('PNG');
    expect(v({ text: 'ok', title: 'x'.repeat(91), media: [photo(1)], options: {} })[0]!.field).toBe('title');
    expect(
      v({ text: 'ok', title: null, media: Array.from({ length: 36 }, (_, i) => photo(i)), options: {} }),
    ).not.toEqual([]);
    expect(
      v({ text: 'ok', title: null, media: [video(10)], options: { privacyLevel: 'EVERYONE' } })[0]!.field,
    ).toBe('options.privacyLevel');
  });
});
