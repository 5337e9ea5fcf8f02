import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threadsAdapter } from '../../../src/platforms/threads/index.ts';
import { threadsLength } from '../../../src/platforms/threads/validate.ts';
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
import { startThreadsServer, type ThreadsServer } from './server.ts';

describe('Threads adapter against a local Threads API server', () => {
  let th: ThreadsServer;
  let ctx: AdapterContext;
  let credentials: Credentials;
  const channel = {
    externalId: '27000000000000001',
    kind: 'profile',
    metadata: { username: 'herald.threads' },
  };
  const request = (overrides: Partial<PublishRequest> = {}) => baseRequest(channel, overrides);
  const image = (name: string) =>
    mediaItem({ publicUrl: th.hostMedia(name, new Uint8Array(PNG), 'image/jpeg'), altText: `alt ${name}` });
  const video = (name: string) =>
    mediaItem({
      kind: 'video',
      mimeType: 'video/mp4',
      durationSeconds: 20,
      width: 1080,
      height: 1920,
      publicUrl: th.hostMedia(name, new Uint8Array(64), 'video/mp4'),
    });

  beforeAll(async () => {
    th = await startThreadsServer();
    ctx = {
      app: {
        clientId: th.clientId,
        clientSecret: th.clientSecret,
        baseUrl: th.base,
        scopes: [],
        settings: {},
      },
      fetch,
      now: () => new Date(),
    };
  });
  afterAll(() => th?.close());

  it('connects: dialog, code → short-lived → long-lived token, profile, channel', async () => {
    const url = threadsAdapter.authorizeUrl(ctx, {
      redirectUri: REDIRECT,
      state: 's1',
      codeChallenge: 'unused',
      scopes: [],
    });
    expect(new URL(url).searchParams.get('scope')).toContain('threads_content_publish');
    const back = await consent(url);
    expect(back.get('state')).toBe('s1');
    const tokens = await threadsAdapter.exchangeCode(ctx, {
      code: back.get('code')!,
      codeVerifier: 'unused',
      redirectUri: REDIRECT,
    });
    expect(tokens.accessToken).toMatch(/^THL/); // the long-lived one
    expect(tokens.refreshToken).toBe(tokens.accessToken);
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);
    const profile = await threadsAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({ externalId: th.user.id, username: 'herald.threads' });
    credentials = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: profile.metadata ?? {},
    };
    expect(await threadsAdapter.discoverChannels(ctx, credentials)).toEqual([
      expect.objectContaining({ externalId: th.user.id, url: 'https://www.threads.net/@herald.threads' }),
    ]);
  });

  it('publishes text, an image, and reports the permalink and quota', async () => {
    const text = published(
      await threadsAdapter.publish(ctx, credentials, request({ options: { replyControl: 'everyone' } })),
    );
    expect(text.remoteUrl).toBe(th.posts.get(text.remoteId)!.permalink);
    expect(text.rateLimit).toMatchObject({ bucket: 'publishing-24h', limit: 250 });

    const withImage = published(
      await threadsAdapter.publish(ctx, credentials, request({ media: [image('one.jpg')] })),
    );
    expect(th.posts.get(withImage.remoteId)).toMatchObject({ mediaType: 'IMAGE' });
  });

  it('waits for a video container between runs', async () => {
    th.knobs.pollsUntilFinished = 2;
    const { outcome, seen } = await publishUntilDone(
      threadsAdapter,
      ctx,
      credentials,
      request({ media: [video('v.mp4')] }),
    );
    th.knobs.pollsUntilFinished = 0;
    expect(seen.map((o) => o.status)).toEqual(['pending', 'published']);
    expect(seen[0]).toMatchObject({ retryAfterMs: 30_000 });
    expect(th.posts.get(outcome.remoteId)).toMatchObject({ mediaType: 'VIDEO' });
  });

  it('publishes a carousel of items made first, and a thread as a reply chain', async () => {
    const carousel = published(
      await threadsAdapter.publish(
        ctx,
        credentials,
        request({ media: [image('c1'), image('c2'), video('c3')] }),
      ),
    );
    const post = th.posts.get(carousel.remoteId)!;
    expect(post.mediaType).toBe('CAROUSEL');
    expect(post.children).toHaveLength(3);
    expect(post.children.every((id) => th.containers.get(id)!.isCarouselItem)).toBe(true);

    const thread = published(
      await threadsAdapter.publish(ctx, credentials, request({ options: { thread: ['two', 'three'] } })),
    );
    expect(thread.partIds).toHaveLength(2);
    expect(th.posts.get(thread.partIds![0]!)).toMatchObject({ text: 'two', replyTo: thread.remoteId });
    expect(th.posts.get(thread.partIds![1]!)).toMatchObject({ text: 'three', replyTo: thread.partIds![0] });
  });

  it('reports a container that failed processing as invalid with Meta’s reason', async () => {
    th.knobs.pollsUntilFinished = 1;
    th.knobs.failNextWith = 'FAILED_PROCESSING_VIDEO';
    const error = await caught(
      publishUntilDone(threadsAdapter, ctx, credentials, request({ media: [video('bad')] })),
    );
    th.knobs.pollsUntilFinished = 0;
    expect(error).toMatchObject({ kind: 'invalid', code: 'FAILED_PROCESSING_VIDEO' });
  });

  it('refuses media Meta cannot download, naming PUBLIC_URL', async () => {
    const real: AdapterContext = {
      ...ctx,
      app: { ...ctx.app, baseUrl: null },
      fetch: () => Promise.reject(new Error('no request may be sent')),
    };
    const loopback = mediaItem({ publicUrl: 'http://127.0.0.1:8080/media/x/sig' });
    const error = await caught(threadsAdapter.publish(real, credentials, request({ media: [loopback] })));
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/set PUBLIC_URL to an address reachable from the internet/);
    const none = await caught(threadsAdapter.publish(real, credentials, request({ media: [mediaItem()] })));
    expect(none.message).toMatch(/PUBLIC_URL/);
    const { publicMediaUrl } = await import('../../../src/platforms/meta/public-url.ts');
    const apiBase = 'https://graph.threads.net/v1.0';
    expect(
      publicMediaUrl(mediaItem({ publicUrl: 'https://herald.example.com/m/1/s' }), {
        platform: 'T',
        apiBase,
      }),
    ).toBe('https://herald.example.com/m/1/s');
    for (const url of [
      'http://192.168.1.5/m',
      'http://herald.local/m',
      'http://[::1]/m',
      'http://10.0.0.2/m',
    ]) {
      expect(() => publicMediaUrl(mediaItem({ publicUrl: url }), { platform: 'T', apiBase })).toThrow(
        /PUBLIC_URL/,
      );
    }
  });

  it('keeps going after a publish whose answer was lost, without posting twice', async () => {
    th.faults.push({ route: 'POST /v1.0/*/threads_publish', status: 500, afterCommit: true, times: 1 });
    const req = request({ media: [image('lost')] });
    const first = pending(await threadsAdapter.publish(ctx, credentials, req));
    expect(first.state).toMatchObject({ container: expect.any(String), posted: [] });
    const done = published(await threadsAdapter.publish(ctx, credentials, { ...req, state: first.state }));
    expect([...th.posts.values()].filter((p) => p.text === req.text)).toHaveLength(1);
    expect(th.posts.get(done.remoteId)?.text).toBe(req.text);
  });

  it('reports throttling with the usage headers and the quota before making containers', async () => {
    th.faults.push({
      route: 'POST /v1.0/*/threads',
      status: 400,
      error: { message: 'Application request limit reached', type: 'OAuthException', code: 4 },
      headers: {
        'x-app-usage': JSON.stringify({ call_count: 100, total_cputime: 20, total_time: 30 }),
        'x-business-use-case-usage': JSON.stringify({
          [th.user.id]: [
            {
              type: 'threads',
              call_count: 100,
              total_cputime: 5,
              total_time: 5,
              estimated_time_to_regain_access: 12,
            },
          ],
        }),
      },
      times: 1,
    });
    const before = Date.now();
    const error = await caught(threadsAdapter.publish(ctx, credentials, request()));
    expect(error).toMatchObject({ kind: 'rate_limited', code: '4' });
    expect(error.rateLimit).toMatchObject({ limit: 100, remaining: 0 });
    expect(error.retryAfter!.getTime()).toBeGreaterThanOrEqual(before + 12 * 60_000);

    th.knobs.quotaTotal = 1;
    const quota = await caught(threadsAdapter.publish(ctx, credentials, request()));
    th.knobs.quotaTotal = 250;
    expect(quota).toMatchObject({ kind: 'rate_limited', code: 'publishing_limit' });
    expect(quota.rateLimit).toMatchObject({ bucket: 'publishing-24h', limit: 1, remaining: 0 });
  });

  it('reads a post’s whole conversation oldest first, page by page, with each reply’s parent', async () => {
    const post = published(await threadsAdapter.publish(ctx, credentials, request()));
    const first = th.addReply({ to: post.remoteId, text: 'first!', username: 'fan.one' });
    const second = th.addReply({ to: post.remoteId, text: 'second', username: 'fan.two' });
    const nested = th.addReply({ to: first, text: 'answering the first', username: 'herald.threads' });
    const deeper = th.addReply({ to: nested, text: 'and deeper', username: 'fan.one' });
    th.addReply({
      to: published(await threadsAdapter.publish(ctx, credentials, request())).remoteId,
      text: 'x',
    });

    const pages = [];
    let cursor: string | null = null;
    do {
      const page = await threadsAdapter.readComments!(ctx, credentials, post.remoteId, { cursor, limit: 3 });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 5);
    expect(pages.map((p) => p.comments.length)).toEqual([3, 1]);
    const read = pages.flatMap((p) => p.comments);
    expect(read.map((c) => c.id)).toEqual([first, second, nested, deeper]);
    expect(read.map((c) => c.parentId)).toEqual([null, null, first, nested]);
    expect(read[0]).toEqual({
      id: first,
      parentId: null,
      author: { id: null, username: 'fan.one', displayName: null, avatarUrl: null },
      text: 'first!',
      createdAt: expect.any(Date),
      likes: null,
      url: th.posts.get(first)!.permalink,
    });

    const quiet = published(await threadsAdapter.publish(ctx, credentials, request()));
    expect(
      await threadsAdapter.readComments!(ctx, credentials, quiet.remoteId, { cursor: null, limit: 25 }),
    ).toEqual({ comments: [], nextCursor: null });
    expect(threadsAdapter.capabilities.comments).toBe(true);
  });

  it('maps throttling and an expired token when reading replies', async () => {
    const post = published(await threadsAdapter.publish(ctx, credentials, request()));
    th.faults.push({
      route: 'GET /v1.0/*/conversation',
      status: 400,
      error: { message: 'User request limit reached', type: 'OAuthException', code: 17 },
      headers: {
        'x-business-use-case-usage': JSON.stringify({
          [th.user.id]: [
            {
              type: 'threads',
              call_count: 100,
              total_cputime: 1,
              total_time: 1,
              estimated_time_to_regain_access: 7,
            },
          ],
        }),
      },
      times: 1,
    });
    const before = Date.now();
    const page = { cursor: null, limit: 25 };
    const limited = await caught(threadsAdapter.readComments!(ctx, credentials, post.remoteId, page));
    expect(limited).toMatchObject({ kind: 'rate_limited', code: '17' });
    expect(limited.retryAfter!.getTime()).toBeGreaterThanOrEqual(before + 7 * 60_000);

    // A second login's token, expired on its own so the suite's connection lives on.
    const back = await consent(
      threadsAdapter.authorizeUrl(ctx, { redirectUri: REDIRECT, state: 's', codeChallenge: '', scopes: [] }),
    );
    const other = await threadsAdapter.exchangeCode(ctx, {
      code: back.get('code')!,
      codeVerifier: '',
      redirectUri: REDIRECT,
    });
    th.expireTokens(other.accessToken);
    const expired = await caught(
      threadsAdapter.readComments!(
        ctx,
        { ...credentials, accessToken: other.accessToken },
        post.remoteId,
        page,
      ),
    );
    expect(expired).toMatchObject({ kind: 'auth', code: '190/463' });
  });

  it('reconciles after a crash', async () => {
    const req = request({ options: { thread: ['reply one'] } });
    const lost = published(await threadsAdapter.publish(ctx, credentials, req)); // its outcome "never recorded"
    expect(await threadsAdapter.reconcile(ctx, credentials, req)).toEqual({
      status: 'found',
      remoteId: lost.remoteId,
      remoteUrl: lost.remoteUrl,
      partIds: lost.partIds,
    });
    expect(await threadsAdapter.reconcile(ctx, credentials, request())).toEqual({ status: 'not_found' });
    th.posts.delete(lost.partIds![0]!);
    expect(await threadsAdapter.reconcile(ctx, credentials, req)).toEqual({ status: 'unknowable' });
  });

  it('expired token → auth; refresh only once the token is 24 h old', async () => {
    const early = await caught(threadsAdapter.refresh(ctx, credentials));
    expect(early.kind).toBe('invalid');
    th.ageTokens(25 * 3600_000);
    const tokens = await threadsAdapter.refresh(ctx, credentials);
    expect(tokens.accessToken).not.toBe(credentials.accessToken);
    credentials = { ...credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };

    th.expireTokens();
    const error = await caught(threadsAdapter.publish(ctx, credentials, request()));
    expect(error).toMatchObject({ kind: 'auth', code: '190/463' });
    const dead = await caught(
      threadsAdapter.refresh(ctx, { ...credentials, expiresAt: new Date(Date.now() - 1000) }),
    );
    expect(dead.kind).toBe('auth');
  });

  it('reads metrics and deletes (twice is fine)', async () => {
    const fresh = await startThreadsServer();
    const c2 = {
      ...ctx,
      app: { ...ctx.app, baseUrl: fresh.base, clientId: fresh.clientId, clientSecret: fresh.clientSecret },
    };
    const back = await consent(
      threadsAdapter.authorizeUrl(c2, { redirectUri: REDIRECT, state: 's', codeChallenge: '', scopes: [] }),
    );
    const tokens = await threadsAdapter.exchangeCode(c2, {
      code: back.get('code')!,
      codeVerifier: '',
      redirectUri: REDIRECT,
    });
    const creds = { ...credentials, accessToken: tokens.accessToken };
    const post = published(await threadsAdapter.publish(c2, creds, request()));
    expect(await threadsAdapter.readMetrics(c2, creds, post.remoteId)).toMatchObject({
      likes: 7,
      comments: 2,
      shares: 5,
      impressions: 120,
    });
    await threadsAdapter.deletePost(c2, creds, post.remoteId);
    expect(fresh.posts.has(post.remoteId)).toBe(false);
    await threadsAdapter.deletePost(c2, creds, post.remoteId);
    await fresh.close();
  });
});

describe('Threads validation', () => {
  const v = (req: Partial<PublishRequest>) =>
    threadsAdapter.validate({ text: 'hi', title: null, media: [], options: {}, ...req });

  it('counts emojis by their UTF-8 bytes', () => {
    expect(threadsLength('abc')).toBe(3);
    expect(threadsLength('👍')).toBe(4);
    expect(v({ text: 'a'.repeat(500) })).toEqual([]);
    expect(v({ text: `${'a'.repeat(497)}👍` })[0]?.field).toBe('text');
  });

  it('checks carousel size, media types and options', () => {
    expect(v({ media: Array.from({ length: 21 }, () => mediaItem()) })[0]?.message).toMatch(/20/);
    expect(v({ media: [mediaItem({ mimeType: 'image/webp' })] })[0]?.message).toMatch(/JPEG or PNG/);
    expect(
      v({ media: [mediaItem({ kind: 'video', mimeType: 'video/mp4', durationSeconds: 400 })] })[0]?.message,
    ).toMatch(/5 minutes/);
    expect(v({ options: { replyControl: 'nobody' } })[0]?.field).toBe('options.replyControl');
    expect(v({ media: [mediaItem()], options: { linkAttachment: 'https://example.com' } })[0]?.field).toBe(
      'options.linkAttachment',
    );
  });
});
