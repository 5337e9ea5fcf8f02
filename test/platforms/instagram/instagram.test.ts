import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instagramAdapter } from '../../../src/platforms/instagram/index.ts';
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
import { type InstagramServer, startInstagramServer } from './server.ts';

const IG = '17841400000000001';

describe('Instagram adapter against a local Graph API server', () => {
  let ig: InstagramServer;
  let ctx: AdapterContext;
  let credentials: Credentials;
  const channel = { externalId: IG, kind: 'business_account', metadata: { pageId: '1001' } };
  const request = (overrides: Partial<PublishRequest> = {}) => baseRequest(channel, overrides);
  let n = 0;
  const image = (overrides = {}) =>
    mediaItem({ publicUrl: ig.hostMedia(`i${++n}.jpg`, new Uint8Array(PNG), 'image/jpeg'), ...overrides });
  const video = () =>
    mediaItem({
      kind: 'video',
      mimeType: 'video/mp4',
      durationSeconds: 15,
      width: 1080,
      height: 1920,
      publicUrl: ig.hostMedia(`v${++n}.mp4`, new Uint8Array(64), 'video/mp4'),
    });

  beforeAll(async () => {
    ig = await startInstagramServer();
    ctx = {
      app: {
        clientId: ig.clientId,
        clientSecret: ig.clientSecret,
        baseUrl: ig.base,
        scopes: [],
        settings: {},
      },
      fetch,
      now: () => new Date(),
    };
  });
  afterAll(() => ig?.close());

  it('connects and discovers the Instagram accounts linked to the user’s Pages', async () => {
    const url = instagramAdapter.authorizeUrl(ctx, {
      redirectUri: REDIRECT,
      state: 's',
      codeChallenge: '',
      scopes: [],
    });
    expect(new URL(url).searchParams.get('scope')).toContain('instagram_content_publish');
    const back = await consent(url);
    const tokens = await instagramAdapter.exchangeCode(ctx, {
      code: back.get('code')!,
      codeVerifier: '',
      redirectUri: REDIRECT,
    });
    const profile = await instagramAdapter.profile(ctx, tokens);
    credentials = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: {},
    };
    const channels = await instagramAdapter.discoverChannels(ctx, credentials);
    expect(channels.map((c) => c.externalId)).toEqual([IG, '17841400000000003']);
    expect(channels[0]).toMatchObject({
      kind: 'business_account',
      username: 'ig_heraldpage',
      url: 'https://www.instagram.com/ig_heraldpage/',
      followersCount: 500,
      metadata: { pageId: '1001' },
    });
  });

  it('publishes an image with its permalink and the publishing quota', async () => {
    const outcome = published(
      await instagramAdapter.publish(ctx, credentials, request({ media: [image({ altText: 'a cat' })] })),
    );
    expect(outcome.remoteUrl).toBe(ig.media.get(outcome.remoteId)!.permalink);
    expect(outcome.rateLimit).toMatchObject({ bucket: 'publishing-24h', limit: 50, remaining: 50 });
    const container = [...ig.containers.values()].find((c) => c.publishedId === outcome.remoteId)!;
    expect(container.args).toMatchObject({ alt_text: 'a cat', caption: expect.stringMatching(/^Hello/) });
  });

  it('publishes a reel, polling the container across runs', async () => {
    ig.igKnobs.pollsUntilFinished = 2;
    const { outcome, seen } = await publishUntilDone(
      instagramAdapter,
      ctx,
      credentials,
      request({ media: [video()] }),
    );
    ig.igKnobs.pollsUntilFinished = 0;
    expect(seen.map((o) => o.status)).toEqual(['pending', 'published']);
    expect(seen[0]).toMatchObject({ retryAfterMs: 60_000 });
    expect(ig.media.get(outcome.remoteId)).toMatchObject({ mediaType: 'REELS', productType: 'REELS' });
    const container = [...ig.containers.values()].find((c) => c.publishedId === outcome.remoteId)!;
    expect(container.args.share_to_feed).toBe('true');
  });

  it('publishes a carousel of images and a video, and a story', async () => {
    ig.igKnobs.pollsUntilFinished = 1;
    const { outcome } = await publishUntilDone(
      instagramAdapter,
      ctx,
      credentials,
      request({ media: [image(), image(), video()] }),
    );
    ig.igKnobs.pollsUntilFinished = 0;
    const post = ig.media.get(outcome.remoteId)!;
    expect(post.mediaType).toBe('CAROUSEL');
    expect(post.children.map((id) => ig.containers.get(id)!.args.media_type ?? 'IMAGE')).toEqual([
      'IMAGE',
      'IMAGE',
      'VIDEO',
    ]);

    const story = published(
      await instagramAdapter.publish(
        ctx,
        credentials,
        request({ text: '', media: [image()], options: { type: 'story' } }),
      ),
    );
    expect(ig.media.get(story.remoteId)?.productType).toBe('STORY');
  });

  it('reports a container that failed processing as invalid with Instagram’s subcode', async () => {
    ig.igKnobs.pollsUntilFinished = 1;
    ig.igKnobs.failNextWith = '2207026';
    const error = await caught(
      publishUntilDone(instagramAdapter, ctx, credentials, request({ media: [video()] })),
    );
    ig.igKnobs.pollsUntilFinished = 0;
    expect(error).toMatchObject({ kind: 'invalid', code: '2207026' });
  });

  it('refuses at once when Meta could not reach the media, naming PUBLIC_URL', async () => {
    const real: AdapterContext = {
      ...ctx,
      app: { ...ctx.app, baseUrl: null },
      fetch: () => Promise.reject(new Error('no request may be sent')),
    };
    const error = await caught(
      instagramAdapter.publish(
        real,
        credentials,
        request({ media: [mediaItem({ publicUrl: 'http://localhost:8080/media/1/s' })] }),
      ),
    );
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/Instagram downloads media.*set PUBLIC_URL/);

    // And when Meta itself fails to fetch it, its subcode comes through.
    const unreachable = await caught(
      instagramAdapter.publish(
        ctx,
        credentials,
        request({ media: [mediaItem({ publicUrl: `${ig.base}/_media/missing.jpg` })] }),
      ),
    );
    expect(unreachable).toMatchObject({ kind: 'invalid', code: '9004/2207052' });
    expect(unreachable.message).toMatch(/could not be fetched/);
  });

  it('finishes after a lost media_publish answer without publishing twice', async () => {
    ig.faults.push({ route: `POST /v23.0/${IG}/media_publish`, status: 500, afterCommit: true, times: 1 });
    const req = request({ media: [image()] });
    const first = pending(await instagramAdapter.publish(ctx, credentials, req));
    const done = published(await instagramAdapter.publish(ctx, credentials, { ...req, state: first.state }));
    expect([...ig.media.values()].filter((m) => m.caption === req.text)).toHaveLength(1);
    expect(ig.media.get(done.remoteId)?.caption).toBe(req.text);
  });

  it('stops at the publishing quota and maps Business Use Case throttling', async () => {
    ig.igKnobs.quotaTotal = ig.media.size;
    const quota = await caught(instagramAdapter.publish(ctx, credentials, request({ media: [image()] })));
    ig.igKnobs.quotaTotal = 50;
    expect(quota).toMatchObject({ kind: 'rate_limited', code: 'publishing_limit' });
    expect(quota.rateLimit).toMatchObject({ remaining: 0 });

    ig.faults.push({
      route: `POST /v23.0/${IG}/media`,
      status: 400,
      error: { message: 'Application request limit reached', type: 'OAuthException', code: 80002 },
      headers: {
        'x-business-use-case-usage': JSON.stringify({
          [IG]: [
            {
              type: 'instagram',
              call_count: 100,
              total_cputime: 8,
              total_time: 12,
              estimated_time_to_regain_access: 30,
            },
          ],
        }),
      },
      times: 1,
    });
    const before = Date.now();
    const throttled = await caught(instagramAdapter.publish(ctx, credentials, request({ media: [image()] })));
    expect(throttled).toMatchObject({ kind: 'rate_limited', code: '80002' });
    expect(throttled.rateLimit).toMatchObject({ bucket: 'business-use-case:instagram', remaining: 0 });
    expect(throttled.retryAfter!.getTime()).toBeGreaterThanOrEqual(before + 30 * 60_000);
  });

  it('reconciles after a crash by caption', async () => {
    const req = request({ media: [image()] });
    const lost = published(await instagramAdapter.publish(ctx, credentials, req));
    expect(await instagramAdapter.reconcile(ctx, credentials, req)).toEqual({
      status: 'found',
      remoteId: lost.remoteId,
      remoteUrl: lost.remoteUrl,
    });
    expect(await instagramAdapter.reconcile(ctx, credentials, request({ media: [image()] }))).toEqual({
      status: 'not_found',
    });
    expect(
      await instagramAdapter.reconcile(ctx, credentials, request({ text: '', media: [image()] })),
    ).toEqual({
      status: 'unknowable',
    });
  });

  it('reads metrics; delete is refused as unsupported', async () => {
    const post = published(await instagramAdapter.publish(ctx, credentials, request({ media: [image()] })));
    expect(await instagramAdapter.readMetrics(ctx, credentials, post.remoteId)).toMatchObject({
      likes: 21,
      comments: 6,
      shares: 4,
      impressions: 300,
      reach: 250,
      saves: 9,
    });
    const error = await caught(instagramAdapter.deletePost(ctx, credentials, post.remoteId));
    expect(error).toMatchObject({ kind: 'invalid', code: 'unsupported' });
  });

  it('reads comments page by page (newest first, Instagram’s order), each followed by its replies', async () => {
    const post = published(await instagramAdapter.publish(ctx, credentials, request({ media: [image()] })));
    const oldest = ig.addMediaComment({ on: post.remoteId, text: 'love it', username: 'cat_fan', likes: 4 });
    const reply = ig.addMediaComment({
      on: post.remoteId,
      parent: oldest,
      text: 'thanks!',
      username: 'ig_heraldpage',
    });
    const middle = ig.addMediaComment({ on: post.remoteId, text: 'where is this?' });
    // More replies than one expansion page (25) holds: the rest come from /{comment}/replies.
    const many = Array.from({ length: 27 }, (_, i) =>
      ig.addMediaComment({ on: post.remoteId, parent: middle, text: `answer ${i}` }),
    );
    const newest = ig.addMediaComment({ on: post.remoteId, text: 'wow' });

    const page1 = await instagramAdapter.readComments!(ctx, credentials, post.remoteId, {
      cursor: null,
      limit: 2,
    });
    const page2 = await instagramAdapter.readComments!(ctx, credentials, post.remoteId, {
      cursor: page1.nextCursor,
      limit: 2,
    });
    expect(page1.nextCursor).toEqual(expect.any(String));
    expect(page2.nextCursor).toBeNull();
    expect(page1.comments.map((c) => c.id)).toEqual([newest, middle, ...many]);
    expect(page2.comments.map((c) => c.id)).toEqual([oldest, reply]);
    expect(page1.comments.slice(2).every((c) => c.parentId === middle)).toBe(true);
    expect(page2.comments).toEqual([
      {
        id: oldest,
        parentId: null,
        author: {
          id: ig.igComments.get(oldest)!.userId,
          username: 'cat_fan',
          displayName: null,
          avatarUrl: null,
        },
        text: 'love it',
        createdAt: expect.any(Date),
        likes: 4,
        url: null,
      },
      expect.objectContaining({
        id: reply,
        parentId: oldest,
        author: expect.objectContaining({ username: 'ig_heraldpage' }),
      }),
    ]);

    const quiet = published(await instagramAdapter.publish(ctx, credentials, request({ media: [image()] })));
    expect(
      await instagramAdapter.readComments!(ctx, credentials, quiet.remoteId, { cursor: null, limit: 25 }),
    ).toEqual({ comments: [], nextCursor: null });
    expect(instagramAdapter.capabilities.comments).toBe(true);
  });

  it('maps throttling, a missing permission and an expired token when reading comments', async () => {
    const post = published(await instagramAdapter.publish(ctx, credentials, request({ media: [image()] })));
    const page = { cursor: null, limit: 25 };
    ig.faults.push({
      route: `GET /v23.0/${post.remoteId}/comments`,
      status: 403,
      error: {
        message: '(#4) Application request limit reached',
        type: 'OAuthException',
        code: 4,
        is_transient: true,
      },
      headers: { 'x-app-usage': JSON.stringify({ call_count: 100, total_cputime: 5, total_time: 5 }) },
      times: 1,
    });
    const throttled = await caught(instagramAdapter.readComments!(ctx, credentials, post.remoteId, page));
    expect(throttled).toMatchObject({ kind: 'rate_limited', code: '4' });
    expect(throttled.rateLimit).toMatchObject({ bucket: 'app-usage', remaining: 0 });

    ig.knobs.declined = ['instagram_manage_comments'];
    const unpermitted = await caught(instagramAdapter.readComments!(ctx, credentials, post.remoteId, page));
    ig.knobs.declined = [];
    expect(unpermitted).toMatchObject({ kind: 'auth', code: '10' });

    // A second login's token, expired on its own so the suite's connection lives on.
    const back = await consent(
      instagramAdapter.authorizeUrl(ctx, {
        redirectUri: REDIRECT,
        state: 's',
        codeChallenge: '',
        scopes: [],
      }),
    );
    const other = await instagramAdapter.exchangeCode(ctx, {
      code: back.get('code')!,
      codeVerifier: '',
      redirectUri: REDIRECT,
    });
    ig.expireTokens(other.accessToken);
    const expired = await caught(
      instagramAdapter.readComments!(
        ctx,
        { ...credentials, accessToken: other.accessToken },
        post.remoteId,
        page,
      ),
    );
    expect(expired).toMatchObject({ kind: 'auth', code: '190/463' });
  });

  it('expired token → auth; a live token is re-exchanged', async () => {
    const renewed = await instagramAdapter.refresh(ctx, credentials);
    credentials = { ...credentials, accessToken: renewed.accessToken, refreshToken: renewed.refreshToken };
    ig.expireTokens();
    const error = await caught(instagramAdapter.publish(ctx, credentials, request({ media: [image()] })));
    expect(error).toMatchObject({ kind: 'auth', code: '190/463' });
  });
});

describe('Instagram validation', () => {
  const v = (req: Partial<PublishRequest>) =>
    instagramAdapter.validate({ text: 'hi', title: null, media: [mediaItem()], options: {}, ...req });

  it('needs media and checks caption, hashtags, mentions, carousel size and types', () => {
    expect(v({})).toEqual([]);
    expect(v({ media: [] })[0]?.message).toMatch(/need an image or a video/);
    expect(v({ text: 'x'.repeat(2201) })[0]?.field).toBe('text');
    expect(v({ text: Array.from({ length: 31 }, (_, i) => `#tag${i}`).join(' ') })[0]?.message).toMatch(
      /30 hashtags/,
    );
    expect(v({ text: Array.from({ length: 21 }, (_, i) => `@user${i}`).join(' ') })[0]?.message).toMatch(
      /20 @mentions/,
    );
    expect(v({ media: Array.from({ length: 11 }, () => mediaItem()) })[0]?.message).toMatch(/2 to 10/);
    expect(v({ media: [mediaItem({ width: 1080, height: 1920 })] })[0]?.message).toMatch(/4:5/);
    expect(v({ media: [mediaItem({ width: 1080, height: 1920 })], options: { type: 'story' } })).toEqual([]);
    expect(v({ options: { type: 'reel' } })[0]?.message).toMatch(/exactly one video/);
    expect(v({ media: [mediaItem({ mimeType: 'image/webp' })] })[0]?.message).toMatch(/JPEG/);
  });
});
