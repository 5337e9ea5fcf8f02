import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkedinAdapter as adapter } from '../../../src/platforms/linkedin/index.ts';
import { toLittleText } from '../../../src/platforms/linkedin/validate.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { type LinkedInServer, startLinkedInServer } from './server.ts';

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
const video = (size: number) =>
  mediaItem({
    kind: 'video',
    mimeType: 'video/mp4',
    bytes: new Uint8Array(randomBytes(size)),
    durationSeconds: 12,
  });

let counter = 0;
function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  counter++;
  return {
    idempotencyKey: `key-${counter}`,
    channel: { externalId: 'AbC123xYz', kind: 'profile', metadata: {} },
    text: `Hello from Herald #${counter} (with [brackets]) & #launch`,
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

describe('LinkedIn adapter against a local LinkedIn API server', () => {
  let li: LinkedInServer;
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
    li = await startLinkedInServer();
    li.knobs.videoPartBytes = 1000;
    ctx = {
      app: {
        clientId: li.clientId,
        clientSecret: li.clientSecret,
        baseUrl: li.base,
        scopes: [],
        settings: { organizations: true },
      },
      fetch,
      now: () => new Date(),
    };
  });
  afterAll(() => li?.close());

  it('connects: consent, code exchange, profile, member and administered organisation as channels', async () => {
    const url = new URL(
      adapter.authorizeUrl(ctx, { redirectUri: REDIRECT, state: 'st-1', codeChallenge: 'c', scopes: [] }),
    );
    expect(url.pathname).toBe('/oauth/v2/authorization');
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining([
        'openid',
        'profile',
        'w_member_social',
        'w_organization_social',
        'rw_organization_admin',
      ]),
    );
    const consent = await fetch(url, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('st-1');

    const wrongRedirect = await caught(
      adapter.exchangeCode(ctx, {
        code: back.searchParams.get('code')!,
        codeVerifier: '',
        redirectUri: 'http://elsewhere/',
      }),
    );
    expect(wrongRedirect.kind).toBe('auth');

    const again = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    const tokens = await adapter.exchangeCode(ctx, {
      code: again.searchParams.get('code')!,
      codeVerifier: '',
      redirectUri: REDIRECT,
    });
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);

    const profile = await adapter.profile(ctx, tokens);
    expect(profile).toMatchObject({ externalId: li.person.id, displayName: 'Herald Tester' });
    credentials = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: {},
    };

    const channels = await adapter.discoverChannels(ctx, credentials);
    expect(channels.map((c) => [c.kind, c.externalId, c.name])).toEqual([
      ['profile', li.person.id, 'Herald Tester'],
      ['organization', li.organization.id, 'Herald Inc'],
    ]);
    expect(channels[1]!.url).toBe('https://www.linkedin.com/company/herald-inc');
  });

  it('sends the versioned REST headers the server insists on', async () => {
    const bare = await fetch(`${li.base}/rest/posts?q=author&author=x`, {
      headers: { authorization: `Bearer ${credentials.accessToken}` },
    });
    expect(bare.status).toBe(400);
    expect(li.requests.some((r) => r.startsWith('GET /rest/organizationAcls'))).toBe(true);
  });

  it('publishes text with the commentary in little-text format and the URN from x-restli-id', async () => {
    const req = request();
    const outcome = await adapter.publish(ctx, credentials, req);
    expect(outcome.status).toBe('published');
    if (outcome.status !== 'published') return;
    expect(outcome.remoteId).toMatch(/^urn:li:share:/);
    expect(outcome.remoteUrl).toBe(`https://www.linkedin.com/feed/update/${outcome.remoteId}`);
    const post = li.posts.get(outcome.remoteId)!;
    expect(post.commentary).toBe(toLittleText(req.text));
    expect(post.commentary).toContain('\\(with \\[brackets\\]\\)');
    expect(post.commentary).toContain('{hashtag|\\#|launch}');
    expect(post.author).toBe(`urn:li:person:${li.person.id}`);
  });

  it('publishes one image, several images and a document, as the organisation too', async () => {
    const one = await publishUntilDone(request({ media: [mediaItem({ altText: 'a cat' })] }));
    const single = li.posts.get((one.outcome as { remoteId: string }).remoteId)!;
    expect(single.content).toMatchObject({
      media: { id: expect.stringMatching(/^urn:li:image:/), altText: 'a cat' },
    });

    const orgChannel = { externalId: li.organization.id, kind: 'organization', metadata: {} };
    const many = await publishUntilDone(
      request({
        channel: orgChannel,
        media: [mediaItem(), mediaItem(), mediaItem({ mimeType: 'image/jpeg' })],
      }),
    );
    const multi = li.posts.get((many.outcome as { remoteId: string }).remoteId)!;
    expect(multi.author).toBe(`urn:li:organization:${li.organization.id}`);
    expect((multi.content as { multiImage: { images: unknown[] } }).multiImage.images).toHaveLength(3);

    li.knobs.processing = { polls: 2, outcome: 'AVAILABLE' };
    const pdf = mediaItem({ kind: 'document', mimeType: 'application/pdf', width: null, height: null });
    const doc = await publishUntilDone(request({ title: 'Quarterly deck', media: [pdf] }));
    expect(doc.seen[0]!.status).toBe('pending');
    const docPost = li.posts.get((doc.outcome as { remoteId: string }).remoteId)!;
    expect(docPost.content).toMatchObject({
      media: { id: expect.stringMatching(/^urn:li:document:/), title: 'Quarterly deck' },
    });
  });

  it('publishes a video: parts by the instructions, ETags at finalize, processing across runs', async () => {
    li.knobs.processing = { polls: 3, outcome: 'AVAILABLE' };
    const item = video(3500);
    const { outcome, seen } = await publishUntilDone(request({ media: [item] }));
    expect(seen.filter((s) => s.status === 'pending')).toHaveLength(2);
    const post = li.posts.get((outcome as { remoteId: string }).remoteId)!;
    const urn = (post.content as { media: { id: string } }).media.id;
    expect(urn).toMatch(/^urn:li:video:/);
    expect(Buffer.compare(li.assembled(urn), Buffer.from(await item.read()))).toBe(0);
    li.knobs.processing = { polls: 1, outcome: 'AVAILABLE' };
  });

  it('resumes an interrupted video upload at the first part without an ETag', async () => {
    li.faults.push({ route: 'PUT /upload/video/*/2', status: 503, times: 1 });
    const item = video(3500);
    const first = await adapter.publish(ctx, credentials, request({ media: [item] }));
    expect(first.status).toBe('pending');
    if (first.status !== 'pending') return;
    const slot = (first.state.media as { etags: string[] }[])[0]!;
    expect(slot.etags).toHaveLength(2);
    const before = li.requests.filter((r) => r.startsWith('PUT /upload/video/')).length;
    const { outcome } = await publishUntilDone(
      request({ media: [item], state: { ...first.state, pending: true } }),
    );
    expect(outcome.status).toBe('published');
    const puts = li.requests.filter((r) => r.startsWith('PUT /upload/video/')).length - before;
    expect(puts).toBe(2);
    expect(li.requests.filter((r) => r.includes('action=initializeUpload')).length).toBeGreaterThan(0);
  });

  it('fails a video LinkedIn could not process', async () => {
    li.knobs.processing = { polls: 1, outcome: 'PROCESSING_FAILED' };
    const error = await caught(publishUntilDone(request({ media: [video(1500)] })));
    expect(error.kind).toBe('invalid');
    expect(error.code).toBe('PROCESSING_FAILED');
    li.knobs.processing = { polls: 1, outcome: 'AVAILABLE' };
  });

  it('maps a duplicate to duplicate and a 429 to rate_limited until midnight UTC', async () => {
    const req = request();
    await adapter.publish(ctx, credentials, req);
    const duplicate = await caught(adapter.publish(ctx, credentials, { ...req, idempotencyKey: 'other' }));
    expect(duplicate.kind).toBe('duplicate');
    expect(duplicate.code).toBe('DUPLICATE_POST');

    li.knobs.dailyPostLimit = 0;
    const limited = await caught(adapter.publish(ctx, credentials, request()));
    li.knobs.dailyPostLimit = null;
    expect(limited.kind).toBe('rate_limited');
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(limited.retryAfter!.getTime()).toBe(midnight.getTime());
    expect(limited.rateLimit).toMatchObject({ bucket: 'daily', remaining: 0 });
  });

  it('refreshes an expired token (refresh TTL fixed at the first grant) and reports a dead grant as auth', async () => {
    li.expireAccessTokens();
    const expired = await caught(adapter.publish(ctx, credentials, request()));
    expect(expired.kind).toBe('auth');
    const tokens = await adapter.refresh(ctx, credentials);
    expect(tokens.accessToken).not.toBe(credentials.accessToken);
    credentials = {
      ...credentials,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken ?? credentials.refreshToken,
    };
    expect((await adapter.publish(ctx, credentials, request())).status).toBe('published');

    const dead = await caught(adapter.refresh(ctx, { ...credentials, refreshToken: 'li-rt-unknown' }));
    expect(dead.kind).toBe('auth');
    expect(dead.code).toBe('invalid_grant');
    const none = await caught(adapter.refresh(ctx, { ...credentials, refreshToken: null }));
    expect(none.kind).toBe('auth');
  });

  it('reconciles after a crash: found when the post went out, not_found when not, unknowable without r_member_social', async () => {
    const req = request();
    li.faults.push({ route: 'POST /rest/posts', status: 504, afterCommit: true, times: 1 });
    // The create got no answer: the run ends pending, marked to look before posting again.
    const lost = await adapter.publish(ctx, credentials, req);
    expect(lost).toMatchObject({ status: 'pending', state: { uncertain: true } });
    const found = await adapter.reconcile(ctx, credentials, req);
    expect(found).toMatchObject({ status: 'found', remoteId: expect.stringMatching(/^urn:li:share:/) });
    expect(await adapter.reconcile(ctx, credentials, request())).toEqual({ status: 'not_found' });

    li.knobs.memberPostsReadable = false;
    expect(await adapter.reconcile(ctx, credentials, request())).toEqual({ status: 'unknowable' });
    li.knobs.memberPostsReadable = true;
  });

  it('a create whose answer was lost during an upload-carrying publish is looked up before posting again', async () => {
    li.faults.push({ route: 'POST /rest/posts', status: 502, afterCommit: true, times: 1 });
    const req = request({ media: [mediaItem()] });
    const first = await adapter.publish(ctx, credentials, req);
    expect(first.status).toBe('pending');
    if (first.status !== 'pending') return;
    const count = li.posts.size;
    const second = await adapter.publish(ctx, credentials, {
      ...req,
      state: { ...first.state, pending: true },
    });
    expect(second.status).toBe('published');
    expect(li.posts.size).toBe(count);
  });

  it('reads metrics (with share statistics for organisation posts) and deletes', async () => {
    const org = { externalId: li.organization.id, kind: 'organization', metadata: {} };
    const outcome = await adapter.publish(ctx, credentials, request({ channel: org }));
    const id = (outcome as { remoteId: string }).remoteId;
    li.posts.get(id)!.likes = 4;
    li.posts.get(id)!.comments = 2;
    const metrics = await adapter.readMetrics(ctx, credentials, id);
    expect(metrics).toMatchObject({
      likes: 5,
      comments: 2,
      shares: 2,
      impressions: 120,
      clicks: 7,
      reach: 90,
    });

    const member = await adapter.publish(ctx, credentials, request());
    const memberMetrics = await adapter.readMetrics(
      ctx,
      credentials,
      (member as { remoteId: string }).remoteId,
    );
    expect(memberMetrics).toMatchObject({ likes: 1, comments: 0, impressions: null });

    await adapter.deletePost(ctx, credentials, id);
    expect(li.posts.has(id)).toBe(false);
    await adapter.deletePost(ctx, credentials, id);
  });

  it('reads comments by start/count, each followed by its replies, members and organisations alike', async () => {
    const org = { externalId: li.organization.id, kind: 'organization', metadata: {} };
    const post = (await adapter.publish(ctx, credentials, request({ channel: org }))) as { remoteId: string };
    const orgUrn = `urn:li:organization:${li.organization.id}`;
    const first = li.addComment({
      on: post.remoteId,
      text: 'Congrats!',
      actor: 'urn:li:person:Fan1',
      likes: 2,
    });
    const answer = li.addComment({ on: post.remoteId, parent: first, text: 'Thank you', actor: orgUrn });
    const second = li.addComment({
      on: post.remoteId,
      text: 'When does it ship?',
      actor: 'urn:li:person:Fan2',
    });
    const third = li.addComment({ on: post.remoteId, text: 'Following', actor: 'urn:li:person:Fan3' });
    const other = (await adapter.publish(ctx, credentials, request({ channel: org }))) as {
      remoteId: string;
    };
    li.addComment({ on: other.remoteId, text: 'elsewhere' });

    const page1 = await adapter.readComments!(ctx, credentials, post.remoteId, { cursor: null, limit: 2 });
    expect(page1.nextCursor).toBe('2');
    const page2 = await adapter.readComments!(ctx, credentials, post.remoteId, {
      cursor: page1.nextCursor,
      limit: 2,
    });
    expect(page2.nextCursor).toBeNull();
    const read = [...page1.comments, ...page2.comments];
    expect(read.map((c) => c.id)).toEqual([first, answer, second, third]);
    expect(read.map((c) => c.parentId)).toEqual([null, first, null, null]);
    expect(read[0]).toEqual({
      id: first,
      parentId: null,
      author: { id: 'urn:li:person:Fan1', username: null, displayName: null, avatarUrl: null },
      text: 'Congrats!',
      createdAt: new Date(li.comments.get(first)!.createdAt),
      likes: 2,
      url: `https://www.linkedin.com/feed/update/${post.remoteId}?commentUrn=${encodeURIComponent(first)}`,
    });
    // The organisation answering: the actor is the organisation, not the admin who typed it.
    expect(read[1]!.author).toEqual({ id: orgUrn, username: null, displayName: null, avatarUrl: null });
    // Reply collections are asked for by the comment URN, parentheses encoded for Rest.li.
    expect(li.requests.some((r) => r.startsWith('GET /rest/socialActions/urn%3Ali%3Acomment%3A%28'))).toBe(
      true,
    );

    const quiet = (await adapter.publish(ctx, credentials, request({ channel: org }))) as {
      remoteId: string;
    };
    expect(
      await adapter.readComments!(ctx, credentials, quiet.remoteId, { cursor: null, limit: 10 }),
    ).toEqual({
      comments: [],
      nextCursor: null,
    });
    expect(adapter.capabilities.comments).toBe(true);
  });

  it('reading comments: 429 is rate_limited, a member post without r_member_social invalid, an expired token auth', async () => {
    const member = (await adapter.publish(ctx, credentials, request())) as { remoteId: string };
    li.addComment({ on: member.remoteId, text: 'Nice one' });
    const page = { cursor: null, limit: 10 };
    expect((await adapter.readComments!(ctx, credentials, member.remoteId, page)).comments).toHaveLength(1);

    li.faults.push({
      route: 'GET /rest/socialActions/*/comments',
      status: 429,
      body: { status: 429, message: 'Resource level throttle limit for calls to this resource is reached.' },
      times: 1,
    });
    const limited = await caught(adapter.readComments!(ctx, credentials, member.remoteId, page));
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429 });
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(limited.retryAfter!.getTime()).toBe(midnight.getTime());

    li.knobs.memberPostsReadable = false;
    const refused = await caught(adapter.readComments!(ctx, credentials, member.remoteId, page));
    li.knobs.memberPostsReadable = true;
    expect(refused).toMatchObject({ kind: 'invalid', status: 403 });
    expect(refused.message).toMatch(/r_member_social/);

    li.expireAccessTokens();
    const expired = await caught(adapter.readComments!(ctx, credentials, member.remoteId, page));
    expect(expired).toMatchObject({ kind: 'auth', status: 401, code: '65601' });
  });

  it('validates LinkedIn rules before scheduling', () => {
    const v = adapter.validate;
    expect(v({ text: 'x'.repeat(3001), title: null, media: [], options: {} })[0]!.field).toBe('text');
    expect(v({ text: 'ok', title: null, media: [mediaItem(), video(10)], options: {} })).toHaveLength(1);
    expect(
      v({ text: 'ok', title: null, media: Array.from({ length: 21 }, () => mediaItem()), options: {} }),
    ).not.toHaveLength(0);
    expect(
      v({ text: 'ok', title: null, media: [mediaItem({ mimeType: 'image/webp' })], options: {} }),
    ).toHaveLength(1);
    expect(
      v({ text: 'ok', title: null, media: [mediaItem({ width: 8000, height: 8000 })], options: {} }),
    ).toHaveLength(1);
    expect(v({ text: 'ok', title: null, media: [video(10), video(10)], options: {} })).not.toHaveLength(0);
    expect(
      v({ text: 'ok', title: null, media: [{ ...video(10), durationSeconds: 2 }], options: {} }),
    ).toHaveLength(1);
    expect(v({ text: 'ok', title: null, media: [], options: { visibility: 'FRIENDS' } })).toHaveLength(1);
    expect(
      v({
        text: 'ok',
        title: null,
        media: [mediaItem(), mediaItem()],
        options: { visibility: 'CONNECTIONS' },
      }),
    ).toEqual([]);
  });
});
