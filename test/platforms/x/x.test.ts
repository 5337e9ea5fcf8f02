import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { xAdapter } from '../../../src/platforms/x/index.ts';
import { startXServer, type XServer } from './server.ts';

const REDIRECT = 'http://127.0.0.1:9/oauth/callback';

function mediaItem(overrides: Partial<MediaItem> & { bytes?: Uint8Array } = {}): MediaItem {
  const bytes = overrides.bytes ?? new Uint8Array(randomBytes(300));
  return {
    id: `m-${randomBytes(4).toString('hex')}`,
    kind: 'image',
    mimeType: 'image/png',
    sizeBytes: bytes.byteLength,
    altText: null,
    width: 100,
    height: 100,
    durationSeconds: null,
    publicUrl: null,
    read: async () => bytes,
    ...overrides,
  };
}

let counter = 0;
function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  counter++;
  return {
    idempotencyKey: `key-${counter}`,
    channel: { externalId: '1500000000000000001', kind: 'profile', metadata: { username: 'heraldtest' } },
    text: `Hello from Herald #${counter} https://example.com/a?b=1 & more`,
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

/** Runs publish to completion the way the engine does: again with the state after each `pending`. */
async function publishUntilDone(ctx: AdapterContext, credentials: Credentials, req: PublishRequest) {
  const seen: PublishOutcome[] = [];
  let state: Record<string, unknown> | null = req.state;
  for (let i = 0; i < 20; i++) {
    const outcome = await xAdapter.publish(ctx, credentials, { ...req, state });
    seen.push(outcome);
    if (outcome.status === 'published') return { outcome, seen };
    state = { ...outcome.state, pending: true };
  }
  throw new Error('publish never finished');
}

describe('X adapter against a local X API v2 server', () => {
  let x: XServer;
  let ctx: AdapterContext;
  let credentials: Credentials;

  beforeAll(async () => {
    x = await startXServer();
    ctx = {
      app: {
        clientId: x.clientId,
        clientSecret: x.clientSecret,
        baseUrl: x.base,
        scopes: [],
        settings: { mediaChunkBytes: 1024 },
      },
      fetch,
      now: () => new Date(),
    };
  });
  afterAll(() => x?.close());

  it('connects: authorize with PKCE, exchange the code, read the profile and the channel', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(
      xAdapter.authorizeUrl(ctx, {
        redirectUri: REDIRECT,
        state: 'st-1',
        codeChallenge: challenge,
        scopes: [],
      }),
    );
    expect(url.pathname).toBe('/i/oauth2/authorize');
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['tweet.write', 'offline.access', 'media.write', 'users.read']),
    );
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');

    const consent = await fetch(url, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code')!;

    // A wrong verifier is refused, and the code is single-use.
    const wrong = await caught(
      xAdapter.exchangeCode(ctx, { code, codeVerifier: 'nope', redirectUri: REDIRECT }),
    );
    expect(wrong.kind).toBe('auth');

    const again = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    const tokens = await xAdapter.exchangeCode(ctx, {
      code: again.searchParams.get('code')!,
      codeVerifier: verifier,
      redirectUri: REDIRECT,
    });
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 7000_000);
    expect(tokens.scopes).toContain('offline.access');

    const profile = await xAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({
      externalId: x.user.id,
      username: 'heraldtest',
      displayName: 'Herald Test',
    });
    credentials = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: profile.metadata ?? {},
    };
    const channels = await xAdapter.discoverChannels(ctx, credentials);
    expect(channels).toEqual([
      expect.objectContaining({
        externalId: x.user.id,
        kind: 'profile',
        url: 'https://x.com/heraldtest',
        followersCount: 42,
      }),
    ]);
  });

  it('publishes text and returns the post URL with the 24-hour cap', async () => {
    const req = request();
    const outcome = await xAdapter.publish(ctx, credentials, req);
    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published') return;
    expect(outcome.remoteUrl).toBe(`https://x.com/heraldtest/status/${outcome.remoteId}`);
    expect(outcome.rateLimit).toMatchObject({ bucket: 'posts-24h-user', limit: 17 });
    expect(x.posts.get(outcome.remoteId)?.text).toBe(req.text);
  });

  it('publishes images through the chunked upload with alt text', async () => {
    const images = [
      mediaItem({ altText: 'first', bytes: new Uint8Array(randomBytes(2500)) }),
      mediaItem({ mimeType: 'image/jpeg' }),
    ];
    const outcome = await xAdapter.publish(ctx, credentials, request({ media: images }));
    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published') return;
    const post = x.posts.get(outcome.remoteId)!;
    expect(post.mediaIds).toHaveLength(2);
    const first = x.media.get(post.mediaIds[0]!)!;
    expect(first.appendLog).toEqual([0, 1, 2]); // 2500 bytes in 1024-byte segments
    expect(x.assembled(first.id)).toEqual(Buffer.from(await images[0]!.read()));
    expect(first.altText).toBe('first');
  });

  it('waits for video processing between runs, then publishes', async () => {
    x.knobs.processing = { polls: 2, outcome: 'succeeded', checkAfterSecs: 3 };
    const video = mediaItem({
      kind: 'video',
      mimeType: 'video/mp4',
      durationSeconds: 12,
      width: 1280,
      height: 720,
    });
    const { outcome, seen } = await publishUntilDone(ctx, credentials, request({ media: [video] }));
    expect(seen.slice(0, -1).map((o) => o.status)).toEqual(['pending', 'pending', 'pending']);
    expect(seen[0]).toMatchObject({ retryAfterMs: 3000 });
    expect(x.posts.get((outcome as { remoteId: string }).remoteId)?.mediaIds).toHaveLength(1);
  });

  it('reports failed media processing as invalid with X’s error name', async () => {
    x.knobs.processing = { polls: 0, outcome: 'failed', checkAfterSecs: 1 };
    const video = mediaItem({
      kind: 'video',
      mimeType: 'video/mp4',
      durationSeconds: 5,
      width: 640,
      height: 640,
    });
    const first = await xAdapter.publish(ctx, credentials, request({ media: [video] }));
    expect(first.status).toBe('pending');
    const state = (first as { state: Record<string, unknown> }).state;
    const error = await caught(xAdapter.publish(ctx, credentials, request({ media: [video], state })));
    expect(error).toMatchObject({ kind: 'invalid', code: 'InvalidMedia' });
    expect(error.message).toMatch(/Unsupported video format/);
    x.knobs.processing = { polls: 1, outcome: 'succeeded', checkAfterSecs: 1 };
  });

  it('resumes an interrupted chunked upload from the segment that failed', async () => {
    const bytes = new Uint8Array(randomBytes(5000)); // 5 segments of 1024
    x.faults.push({
      route: 'POST /2/media/upload/*/append',
      status: 503,
      when: 'name="segment_index"\r\n\r\n2',
      times: 1,
    });
    const req = request({ media: [mediaItem({ bytes })] });
    const first = await xAdapter.publish(ctx, credentials, req);
    expect(first).toMatchObject({ status: 'pending', retryAfterMs: 5000 });
    const state = (first as Extract<PublishOutcome, { status: 'pending' }>).state as {
      media: { mediaId: string; nextSegment: number }[];
    };
    expect(state.media[0]).toMatchObject({ nextSegment: 2 });
    const mediaId = state.media[0]!.mediaId;
    expect(x.media.get(mediaId)!.appendLog).toEqual([0, 1]);

    const done = await xAdapter.publish(ctx, credentials, { ...req, state: { ...state, pending: true } });
    expect(done.status).toBe('published');
    // Segments 0 and 1 were not sent again; the file arrived whole.
    expect(x.media.get(mediaId)!.appendLog).toEqual([0, 1, 2, 3, 4]);
    expect(x.assembled(mediaId)).toEqual(Buffer.from(bytes));
    expect(x.posts.get((done as { remoteId: string }).remoteId)!.mediaIds).toEqual([mediaId]);
  });

  it('publishes a thread as a reply chain and reports the parts', async () => {
    const req = request({ options: { thread: ['second part', 'third part'], replySettings: 'following' } });
    const outcome = await xAdapter.publish(ctx, credentials, req);
    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published') return;
    expect(outcome.partIds).toHaveLength(2);
    const [second, third] = outcome.partIds!.map((id) => x.posts.get(id)!);
    expect(second).toMatchObject({ text: 'second part', replyTo: outcome.remoteId });
    expect(third).toMatchObject({ text: 'third part', replyTo: second!.id });
    expect(x.posts.get(outcome.remoteId)!.replySettings).toBe('following');
  });

  it('finishes a thread whose reply was lost on the way back without posting it twice', async () => {
    x.faults.push({
      route: 'POST /2/tweets',
      status: 503,
      when: 'middle reply',
      afterCommit: true,
      times: 1,
    });
    const req = request({ options: { thread: ['middle reply', 'last reply'] } });
    const first = await xAdapter.publish(ctx, credentials, req);
    expect(first).toMatchObject({ status: 'pending', state: { uncertain: true } });
    const done = await xAdapter.publish(ctx, credentials, {
      ...req,
      state: (first as { state: Record<string, unknown> }).state,
    });
    expect(done.status).toBe('published');
    const parts = (done as { partIds: string[] }).partIds.map((id) => x.posts.get(id)!.text);
    expect(parts).toEqual(['middle reply', 'last reply']);
    expect([...x.posts.values()].filter((p) => p.text === 'middle reply')).toHaveLength(1);
  });

  it('refuses duplicate text as duplicate', async () => {
    const req = request();
    await xAdapter.publish(ctx, credentials, req);
    const error = await caught(xAdapter.publish(ctx, credentials, request({ text: req.text })));
    expect(error).toMatchObject({ kind: 'duplicate', status: 403 });
  });

  it('reports 429 as rate_limited with the reset X names', async () => {
    x.knobs.postsPerWindow = [...x.posts.values()].length;
    const error = await caught(xAdapter.publish(ctx, credentials, request()));
    x.knobs.postsPerWindow = null;
    expect(error.kind).toBe('rate_limited');
    expect(error.rateLimit).toMatchObject({ bucket: 'posts-24h-user', remaining: 0 });
    expect(error.retryAfter!.getTime()).toBe(error.rateLimit!.resetAt!.getTime());
    expect(error.retryAfter!.getTime()).toBeGreaterThan(Date.now() + 800_000);
  });

  it('reconciles after a crash: finds what went out, not what did not', async () => {
    x.faults.push({ route: 'POST /2/tweets', status: 503, afterCommit: true, times: 1 });
    const lost = request();
    const error = await caught(xAdapter.publish(ctx, credentials, lost));
    expect(error.kind).toBe('transient');
    const found = await xAdapter.reconcile(ctx, credentials, lost);
    expect(found).toMatchObject({ status: 'found' });
    expect(x.posts.get((found as { remoteId: string }).remoteId)?.text).toBe(lost.text);

    expect(await xAdapter.reconcile(ctx, credentials, request())).toEqual({ status: 'not_found' });

    // A thread cut short after its first post: reconcile says which part is there, and publishing
    // from that state posts only the rest.
    x.faults.push({ route: 'POST /2/tweets', status: 503, when: 'arrives late', times: 10 });
    const cut = request({ options: { thread: ['arrives late'] } });
    const pending = await xAdapter.publish(ctx, credentials, cut);
    expect(pending.status).toBe('pending');
    x.faults.length = 0;
    const partial = await xAdapter.reconcile(ctx, credentials, cut);
    expect(partial).toMatchObject({ status: 'partial', state: { posted: [expect.any(String)] } });
    if (partial.status !== 'partial') throw new Error('expected a partial thread');
    const rootId = (partial.state.posted as string[])[0]!;
    const done = await xAdapter.publish(ctx, credentials, { ...cut, state: partial.state });
    expect(done).toMatchObject({ status: 'published', remoteId: rootId, partIds: [expect.any(String)] });
    const texts = [...x.posts.values()].map((p) => p.text);
    expect(texts.filter((t) => t === cut.text)).toHaveLength(1);
    expect(texts.filter((t) => t === 'arrives late')).toHaveLength(1);
    const reply = x.posts.get((done as { partIds: string[] }).partIds[0]!);
    expect(reply?.text).toBe('arrives late');

    // Now all of it is there: found, with the reply as its part.
    expect(await xAdapter.reconcile(ctx, credentials, cut)).toMatchObject({
      status: 'found',
      remoteId: rootId,
      partIds: [reply?.id],
    });
  });

  it('refreshes an expired token with rotation; the old refresh token stops working', async () => {
    x.expireAccessTokens();
    const error = await caught(xAdapter.publish(ctx, credentials, request()));
    expect(error).toMatchObject({ kind: 'auth', status: 401 });

    const tokens = await xAdapter.refresh(ctx, credentials);
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.refreshToken).not.toBe(credentials.refreshToken);
    const reused = await caught(xAdapter.refresh(ctx, credentials));
    expect(reused.kind).toBe('auth');

    credentials = { ...credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    expect((await xAdapter.publish(ctx, credentials, request())).status).toBe('published');
  });

  it('reads metrics and deletes a post (twice is fine)', async () => {
    const outcome = await xAdapter.publish(ctx, credentials, request());
    const id = (outcome as { remoteId: string }).remoteId;
    expect(await xAdapter.readMetrics(ctx, credentials, id)).toMatchObject({
      likes: 5,
      comments: 3,
      shares: 3,
      impressions: 100,
      saves: 4,
    });
    await xAdapter.deletePost(ctx, credentials, id);
    expect(x.posts.has(id)).toBe(false);
    await xAdapter.deletePost(ctx, credentials, id);
    const gone = await caught(xAdapter.readMetrics(ctx, credentials, id));
    expect(gone.kind).toBe('invalid');
    expect(gone.message).toMatch(/Could not find tweet/);
  });

  it('reads the replies in a post’s conversation from recent search, newest first, page by page', async () => {
    const root = (await xAdapter.publish(ctx, credentials, request())) as { remoteId: string };
    const fan = { id: '1500000000000000003', username: 'fan', name: 'A Fan' };
    const first = x.addReply({ to: root.remoteId, text: 'first <3 & more', likes: 2 });
    const nested = x.addReply({ to: first, text: 'answering the first', author: fan });
    const later = Array.from({ length: 10 }, (_, i) => x.addReply({ to: root.remoteId, text: `reply ${i}` }));
    // Older than recent search's 7 days: X does not find it.
    x.addReply({ to: root.remoteId, text: 'last week', createdAt: new Date(Date.now() - 8 * 86_400_000) });
    // Another conversation's reply is not this post's.
    const other = (await xAdapter.publish(ctx, credentials, request())) as { remoteId: string };
    x.addReply({ to: other.remoteId, text: 'elsewhere' });

    const page1 = await xAdapter.readComments!(ctx, credentials, root.remoteId, { cursor: null, limit: 10 });
    expect(page1.comments).toHaveLength(10);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await xAdapter.readComments!(ctx, credentials, root.remoteId, {
      cursor: page1.nextCursor,
      limit: 10,
    });
    expect(page2.nextCursor).toBeNull();
    const read = [...page1.comments, ...page2.comments];
    // Search has no oldest-first order: newest first, across the pages.
    expect(read.map((c) => c.id)).toEqual([first, nested, ...later].reverse());

    const top = read.find((c) => c.id === first)!;
    expect(top).toEqual({
      id: first,
      parentId: null,
      author: {
        id: '1500000000000000002',
        username: 'replyguy',
        displayName: 'Reply Guy',
        avatarUrl: 'https://pbs.example/replyguy.jpg',
      },
      text: 'first <3 & more',
      createdAt: expect.any(Date),
      likes: 2,
      url: `https://x.com/replyguy/status/${first}`,
    });
    expect(read.find((c) => c.id === nested)).toMatchObject({
      parentId: first,
      author: { id: fan.id, username: 'fan' },
      text: 'answering the first',
    });

    const lonely = (await xAdapter.publish(ctx, credentials, request())) as { remoteId: string };
    expect(
      await xAdapter.readComments!(ctx, credentials, lonely.remoteId, { cursor: null, limit: 20 }),
    ).toEqual({
      comments: [],
      nextCursor: null,
    });
  });

  it('maps a search rate limit to rate_limited and an expired token to auth when reading replies', async () => {
    const root = (await xAdapter.publish(ctx, credentials, request())) as { remoteId: string };
    x.knobs.searchPerWindow = 0;
    const limited = await caught(
      xAdapter.readComments!(ctx, credentials, root.remoteId, { cursor: null, limit: 10 }),
    );
    x.knobs.searchPerWindow = 300;
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(limited.rateLimit).toMatchObject({ bucket: 'search-recent', remaining: 0 });
    expect(limited.retryAfter!.getTime()).toBe(limited.rateLimit!.resetAt!.getTime());

    x.expireAccessTokens();
    const expired = await caught(
      xAdapter.readComments!(ctx, credentials, root.remoteId, { cursor: null, limit: 10 }),
    );
    expect(expired).toMatchObject({ kind: 'auth', status: 401 });
    const tokens = await xAdapter.refresh(ctx, credentials);
    credentials = { ...credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    expect(xAdapter.capabilities.comments).toBe(true);
  });
});

describe('X validation', () => {
  const v = (req: Partial<PublishRequest>) =>
    xAdapter.validate({ text: 'hi', title: null, media: [], options: {}, ...req });

  it('counts with twitter-text: CJK weighs 2, links 23', () => {
    expect(v({ text: '漢'.repeat(140) })).toEqual([]);
    expect(v({ text: '漢'.repeat(141) })[0]).toMatchObject({
      field: 'text',
      message: expect.stringMatching(/282/),
    });
    expect(v({ text: `${'a'.repeat(256)} https://example.com/${'x'.repeat(200)}` })).toEqual([]);
    expect(v({ text: '' })[0]?.field).toBe('text');
    expect(v({ text: '', media: [mediaItem()] })).toEqual([]);
  });

  it('checks media count, mixing, types, sizes and video duration and aspect', () => {
    expect(v({ media: Array.from({ length: 5 }, () => mediaItem()) })[0]?.message).toMatch(/at most 4/);
    const video = mediaItem({
      kind: 'video',
      mimeType: 'video/mp4',
      durationSeconds: 10,
      width: 1280,
      height: 720,
    });
    expect(v({ media: [video, mediaItem()] })[0]?.message).toMatch(/or 1 video/);
    expect(v({ media: [{ ...video, durationSeconds: 200 }] })[0]?.message).toMatch(/140 seconds/);
    expect(v({ media: [{ ...video, width: 400, height: 1300 }] })[0]?.message).toMatch(/aspect/);
    expect(v({ media: [mediaItem({ sizeBytes: 6 * 1024 * 1024 })] })[0]?.message).toMatch(/5 MB/);
    expect(v({ media: [mediaItem({ mimeType: 'image/tiff' })] })[0]?.message).toMatch(/not accepted/);
    expect(v({ media: [mediaItem({ kind: 'document', mimeType: 'application/pdf' })] })[0]?.message).toMatch(
      /does not accept/,
    );
  });

  it('checks thread parts and polls', () => {
    expect(v({ options: { thread: ['ok', ''] } })[0]?.field).toBe('options.thread.1');
    expect(v({ options: { thread: 'nope' } })[0]?.field).toBe('options.thread');
    expect(v({ options: { poll: { options: ['a', 'b'], durationMinutes: 60 } } })).toEqual([]);
    expect(v({ options: { poll: { options: ['a'], durationMinutes: 60 } } })[0]?.field).toBe(
      'options.poll.options',
    );
    expect(
      v({ media: [mediaItem()], options: { poll: { options: ['a', 'b'], durationMinutes: 60 } } })[0]?.field,
    ).toBe('options.poll');
  });
});
