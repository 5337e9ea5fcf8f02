import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facebookAdapter } from '../../../src/platforms/facebook/index.ts';
import type { AdapterContext, Credentials, PublishRequest } from '../../../src/platforms/types.ts';
import {
  request as baseRequest,
  caught,
  consent,
  mediaItem,
  PNG,
  pending,
  published,
  publishUntilDone,
  REDIRECT,
} from '../meta/support.ts';
import { type FacebookServer, startFacebookServer } from './server.ts';

describe('Facebook Pages adapter against a local Graph API server', () => {
  let fb: FacebookServer;
  let ctx: AdapterContext;
  let credentials: Credentials;
  const channel = { externalId: '1001', kind: 'page', metadata: { pageId: '1001' } };
  const request = (overrides: Partial<PublishRequest> = {}) => baseRequest(channel, overrides);

  beforeAll(async () => {
    fb = await startFacebookServer();
    ctx = {
      app: {
        clientId: fb.clientId,
        clientSecret: fb.clientSecret,
        baseUrl: fb.base,
        scopes: [],
        settings: {},
      },
      fetch,
      now: () => new Date(),
    };
  });
  afterAll(() => fb?.close());

  it('connects: Login dialog, long-lived token, profile, the Pages the user can post to', async () => {
    const url = new URL(
      facebookAdapter.authorizeUrl(ctx, {
        redirectUri: REDIRECT,
        state: 'st',
        codeChallenge: 'x',
        scopes: [],
      }),
    );
    expect(url.pathname).toBe('/v23.0/dialog/oauth');
    expect(url.searchParams.get('scope')).toContain('pages_manage_posts');
    const back = await consent(url.toString());
    const tokens = await facebookAdapter.exchangeCode(ctx, {
      code: back.get('code')!,
      codeVerifier: 'x',
      redirectUri: REDIRECT,
    });
    expect(tokens.accessToken).toMatch(/^EAAlong/);
    expect(tokens.refreshToken).toBe(tokens.accessToken);
    expect(tokens.scopes).toContain('pages_manage_posts');
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);

    const profile = await facebookAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({ externalId: fb.user.id, displayName: 'Herald Admin' });
    credentials = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: {},
    };
    const channels = await facebookAdapter.discoverChannels(ctx, credentials);
    // Three Pages over two result pages; the read-only one is left out; no token in metadata.
    expect(channels.map((c) => c.externalId)).toEqual(['1001', '1002']);
    expect(channels[0]).toMatchObject({
      kind: 'page',
      name: 'Herald Page',
      url: 'https://www.facebook.com/heraldpage',
    });
    expect(JSON.stringify(channels)).not.toMatch(/EAA/);
  });

  it('refuses a login where a required permission was declined', async () => {
    fb.knobs.declined = ['pages_manage_posts'];
    const back = await consent(
      facebookAdapter.authorizeUrl(ctx, { redirectUri: REDIRECT, state: 's', codeChallenge: '', scopes: [] }),
    );
    const error = await caught(
      facebookAdapter.exchangeCode(ctx, { code: back.get('code')!, codeVerifier: '', redirectUri: REDIRECT }),
    );
    fb.knobs.declined = [];
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/pages_manage_posts/);
  });

  it('publishes text, a link, a photo and several photos', async () => {
    const text = published(await facebookAdapter.publish(ctx, credentials, request()));
    expect(fb.posts.get(text.remoteId)).toMatchObject({
      pageId: '1001',
      message: expect.stringMatching(/^Hello/),
    });
    expect(text.remoteUrl).toMatch(/^https:\/\/www\.facebook\.com\/1001\/posts\//);

    const link = published(
      await facebookAdapter.publish(
        ctx,
        credentials,
        request({ options: { link: 'https://example.com/a' } }),
      ),
    );
    expect(fb.posts.get(link.remoteId)?.link).toBe('https://example.com/a');

    const photo = published(
      await facebookAdapter.publish(ctx, credentials, request({ media: [mediaItem()] })),
    );
    const [photoId] = fb.posts.get(photo.remoteId)!.photoIds;
    expect(fb.photos.get(photoId!)).toMatchObject({ published: true, type: 'image/jpeg', bytes: PNG.length });

    const album = published(
      await facebookAdapter.publish(
        ctx,
        credentials,
        request({ media: [mediaItem(), mediaItem(), mediaItem({ mimeType: 'image/png' })] }),
      ),
    );
    const ids = fb.posts.get(album.remoteId)!.photoIds;
    expect(ids).toHaveLength(3);
    expect(ids.every((id) => fb.photos.get(id)!.published === false)).toBe(true);
  });

  it('uploads a video and waits for Meta to process it between runs', async () => {
    fb.knobs.videoPolls = 2;
    const video = mediaItem({ kind: 'video', mimeType: 'video/mp4', durationSeconds: 30 });
    const { outcome, seen } = await publishUntilDone(
      facebookAdapter,
      ctx,
      credentials,
      request({ media: [video] }),
    );
    expect(seen.map((o) => o.status)).toEqual(['pending', 'published']);
    expect(fb.videos.size).toBe(1);
    expect(outcome.remoteUrl).toBe(`https://www.facebook.com/1001/videos/${outcome.remoteId}/`);

    fb.knobs.videoPolls = 0;
    fb.knobs.videoFails = true;
    const error = await caught(facebookAdapter.publish(ctx, credentials, request({ media: [video] })));
    fb.knobs.videoFails = false;
    expect(error).toMatchObject({ kind: 'invalid', code: 'video_processing_failed' });
    expect(error.message).toMatch(/format that we don't support/);
  });

  it('keeps uploaded photos when the post fails mid-way, and does not post twice after a lost answer', async () => {
    fb.faults.push({ route: 'POST /v23.0/1001/feed', status: 500, afterCommit: true, times: 1 });
    const req = request({ media: [mediaItem(), mediaItem()] });
    const first = pending(await facebookAdapter.publish(ctx, credentials, req));
    expect(first.state).toMatchObject({ uncertain: true, photos: [expect.any(String), expect.any(String)] });
    const photosBefore = fb.photos.size;
    const done = published(await facebookAdapter.publish(ctx, credentials, { ...req, state: first.state }));
    expect(fb.photos.size).toBe(photosBefore);
    expect([...fb.posts.values()].filter((p) => p.message === req.text)).toHaveLength(1);
    expect(fb.posts.get(done.remoteId)?.photoIds).toEqual(first.state.photos);
  });

  it('maps duplicate (506), throttling with usage headers, and an expired token', async () => {
    const req = request();
    await facebookAdapter.publish(ctx, credentials, req);
    const duplicate = await caught(facebookAdapter.publish(ctx, credentials, request({ text: req.text })));
    expect(duplicate).toMatchObject({ kind: 'duplicate', code: '506' });

    fb.faults.push({
      route: 'POST /v23.0/1001/feed',
      status: 400,
      error: { message: '(#32) Page request limit reached', type: 'OAuthException', code: 32 },
      headers: {
        'x-page-usage': JSON.stringify({
          call_count: 100,
          total_cputime: 10,
          total_time: 10,
          estimated_time_to_regain_access: 7,
        }),
      },
      times: 1,
    });
    const before = Date.now();
    const throttled = await caught(facebookAdapter.publish(ctx, credentials, request()));
    expect(throttled).toMatchObject({ kind: 'rate_limited', code: '32' });
    expect(throttled.rateLimit).toMatchObject({ bucket: 'page-usage', remaining: 0 });
    expect(throttled.retryAfter!.getTime()).toBeGreaterThanOrEqual(before + 7 * 60_000);

    fb.usageHeaders['x-app-usage'] = JSON.stringify({ call_count: 42, total_cputime: 3, total_time: 8 });
    const ok = published(await facebookAdapter.publish(ctx, credentials, request()));
    delete fb.usageHeaders['x-app-usage'];
    expect(ok.rateLimit).toMatchObject({ bucket: 'app-usage', limit: 100, remaining: 58 });
  });

  it('reconciles after a crash by message and time', async () => {
    fb.faults.push({ route: 'POST /v23.0/1001/feed', status: 503, afterCommit: true, times: 1 });
    const lost = request();
    const error = await caught(facebookAdapter.publish(ctx, credentials, lost));
    expect(error.kind).toBe('transient');
    const found = await facebookAdapter.reconcile(ctx, credentials, lost);
    expect(found).toMatchObject({ status: 'found' });
    expect(fb.posts.get((found as { remoteId: string }).remoteId)?.message).toBe(lost.text);
    expect(await facebookAdapter.reconcile(ctx, credentials, request())).toEqual({ status: 'not_found' });
    expect(
      await facebookAdapter.reconcile(ctx, credentials, request({ text: '', media: [mediaItem()] })),
    ).toEqual({
      status: 'unknowable',
    });
  });

  it('reads metrics and deletes posts and videos (twice is fine)', async () => {
    const post = published(await facebookAdapter.publish(ctx, credentials, request()));
    expect(await facebookAdapter.readMetrics(ctx, credentials, post.remoteId)).toMatchObject({
      likes: 11,
      comments: 4,
      shares: 2,
    });
    await facebookAdapter.deletePost(ctx, credentials, post.remoteId);
    expect(fb.posts.has(post.remoteId)).toBe(false);
    await facebookAdapter.deletePost(ctx, credentials, post.remoteId);

    const video = [...fb.videos.keys()][0]!;
    await facebookAdapter.deletePost(ctx, credentials, video);
    expect(fb.videos.has(video)).toBe(false);
    await facebookAdapter.deletePost(ctx, credentials, video);
  });

  it('reads a post’s comments and replies oldest first with the Page token, page by page', async () => {
    const post = published(await facebookAdapter.publish(ctx, credentials, request()));
    const first = fb.addComment({ on: post.remoteId, message: 'First!', likes: 3 });
    const second = fb.addComment({ on: post.remoteId, message: 'Second' });
    const reply = fb.addComment({
      on: post.remoteId,
      parent: first,
      message: 'Thanks',
      from: { id: '1001', name: 'Herald Page' },
    });
    const third = fb.addComment({ on: post.remoteId, message: 'Third' });
    const other = published(await facebookAdapter.publish(ctx, credentials, request()));
    fb.addComment({ on: other.remoteId, message: 'elsewhere' });

    const page1 = await facebookAdapter.readComments!(ctx, credentials, post.remoteId, {
      cursor: null,
      limit: 3,
    });
    const page2 = await facebookAdapter.readComments!(ctx, credentials, post.remoteId, {
      cursor: page1.nextCursor,
      limit: 3,
    });
    expect(page1.nextCursor).toEqual(expect.any(String));
    expect(page2.nextCursor).toBeNull();
    const read = [...page1.comments, ...page2.comments];
    expect(read.map((c) => c.id)).toEqual([first, second, reply, third]);
    expect(read.map((c) => c.parentId)).toEqual([null, null, first, null]);
    expect(read[0]).toEqual({
      id: first,
      parentId: null,
      author: {
        id: fb.comments.get(first)!.from.id,
        username: null,
        displayName: fb.comments.get(first)!.from.name,
        avatarUrl: `https://cdn.example/u${fb.comments.get(first)!.from.id}.jpg`,
      },
      text: 'First!',
      createdAt: expect.any(Date),
      likes: 3,
      url: expect.stringMatching(/^https:\/\/www\.facebook\.com\/.+\?comment_id=/),
    });
    expect(read[2]!.author).toMatchObject({ id: '1001', displayName: 'Herald Page' });

    const quiet = published(await facebookAdapter.publish(ctx, credentials, request()));
    expect(
      await facebookAdapter.readComments!(ctx, credentials, quiet.remoteId, { cursor: null, limit: 25 }),
    ).toEqual({ comments: [], nextCursor: null });
    expect(facebookAdapter.capabilities.comments).toBe(true);
  });

  it('maps throttling, a missing permission and an expired token when reading comments', async () => {
    const post = published(await facebookAdapter.publish(ctx, credentials, request()));
    const page = { cursor: null, limit: 25 };
    fb.faults.push({
      route: 'GET /v23.0/*/comments',
      status: 400,
      error: { message: '(#32) Page request limit reached', type: 'OAuthException', code: 32 },
      headers: {
        'x-page-usage': JSON.stringify({
          call_count: 100,
          total_cputime: 1,
          total_time: 1,
          estimated_time_to_regain_access: 9,
        }),
      },
      times: 1,
    });
    const before = Date.now();
    const throttled = await caught(facebookAdapter.readComments!(ctx, credentials, post.remoteId, page));
    expect(throttled).toMatchObject({ kind: 'rate_limited', code: '32' });
    expect(throttled.retryAfter!.getTime()).toBeGreaterThanOrEqual(before + 9 * 60_000);

    fb.knobs.declined = ['pages_read_user_content'];
    const unpermitted = await caught(facebookAdapter.readComments!(ctx, credentials, post.remoteId, page));
    fb.knobs.declined = [];
    expect(unpermitted).toMatchObject({ kind: 'auth', code: '10' });

    // A second login's token, expired on its own so the suite's connection lives on.
    const back = await consent(
      facebookAdapter.authorizeUrl(ctx, { redirectUri: REDIRECT, state: 's', codeChallenge: '', scopes: [] }),
    );
    const other = await facebookAdapter.exchangeCode(ctx, {
      code: back.get('code')!,
      codeVerifier: '',
      redirectUri: REDIRECT,
    });
    fb.expireTokens(other.accessToken);
    const expired = await caught(
      facebookAdapter.readComments!(
        ctx,
        { ...credentials, accessToken: other.accessToken },
        post.remoteId,
        page,
      ),
    );
    expect(expired).toMatchObject({ kind: 'auth', code: '190/463' });
  });

  it('re-exchanges a live token and reports an expired one as needing a new login', async () => {
    const renewed = await facebookAdapter.refresh(ctx, credentials);
    expect(renewed.accessToken).not.toBe(credentials.accessToken);
    credentials = { ...credentials, accessToken: renewed.accessToken, refreshToken: renewed.refreshToken };

    fb.expireTokens();
    const error = await caught(facebookAdapter.publish(ctx, credentials, request()));
    expect(error).toMatchObject({ kind: 'auth', code: '190/463' });
    const refused = await caught(facebookAdapter.refresh(ctx, credentials));
    expect(refused.kind).toBe('auth');
    const known = await caught(
      facebookAdapter.refresh(ctx, { ...credentials, expiresAt: new Date(Date.now() - 1) }),
    );
    expect(known.message).toMatch(/reconnect/);
  });
});

describe('Facebook validation', () => {
  const v = (req: Partial<PublishRequest>) =>
    facebookAdapter.validate({ text: 'hi', title: null, media: [], options: {}, ...req });

  it('checks text, media mixing, photo limits and links', () => {
    expect(v({})).toEqual([]);
    expect(v({ text: '' })[0]?.field).toBe('text');
    expect(v({ text: '', options: { link: 'https://example.com' } })).toEqual([]);
    expect(v({ text: 'x'.repeat(63_207) })[0]?.field).toBe('text');
    expect(v({ media: Array.from({ length: 11 }, () => mediaItem()) })[0]?.message).toMatch(/10 photos/);
    expect(
      v({ media: [mediaItem({ kind: 'video', mimeType: 'video/mp4' }), mediaItem()] })[0]?.message,
    ).toMatch(/own/);
    expect(v({ media: [mediaItem({ sizeBytes: 11 * 1024 * 1024 })] })[0]?.message).toMatch(/10 MB/);
    expect(v({ media: [mediaItem()], options: { link: 'https://example.com' } })[0]?.field).toBe(
      'options.link',
    );
  });
});
