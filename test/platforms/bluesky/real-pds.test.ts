/**
 * The Bluesky adapter against real AT Protocol server software: `@atproto/dev-env`'s
 * `TestNetworkNoAppView` runs a PDS and a PLC directory in this process, bound to 127.0.0.1.
 * Login with an app password, blob upload, a post with images and facets, a thread, reading back,
 * reconcile, delete, and refreshing after the access token expired.
 *
 * `hostDevEnv` (support/dev-env.ts) makes the PDS run here: better-sqlite3 is served by Node's
 * built-in `node:sqlite`, and its servers are bound to 127.0.0.1.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blueskyAdapter } from '../../../src/platforms/bluesky/index.ts';
import { recordKeyFor } from '../../../src/platforms/bluesky/record-key.ts';
import type { AdapterContext, Credentials, MediaItem, PublishRequest } from '../../../src/platforms/types.ts';
import { type DevEnvHost, hostDevEnv, xrpcCall } from './support/dev-env.ts';

/** dev-env's PDS signs session tokens with this HS256 secret. */
const JWT_SECRET = 'jwt-secret';

type Network = { pds: { url: string; port: number }; close(): Promise<void> };
let network: Network;
let ctx: AdapterContext;
let credentials: Credentials;
let pdsUrl: string;
let host: DevEnvHost | undefined;

// A 1×1 PNG: a real image, as the PDS sniffs blob types.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

function image(alt: string): MediaItem {
  return {
    id: randomBytes(6).toString('hex'),
    kind: 'image',
    mimeType: 'image/png',
    sizeBytes: PNG.length,
    altText: alt,
    width: 1,
    height: 1,
    durationSeconds: null,
    read: async () => PNG,
    publicUrl: null,
  };
}

function request(overrides: Partial<PublishRequest>): PublishRequest {
  return {
    idempotencyKey: `herald-${randomBytes(8).toString('hex')}`,
    channel: { externalId: credentials.accountId, kind: 'profile', metadata: {} },
    text: '',
    title: null,
    media: [],
    options: {},
    state: null,
    ...overrides,
  };
}

const xrpc = (nsid: string, options: Parameters<typeof xrpcCall>[2] = {}) => xrpcCall(pdsUrl, nsid, options);

/** The same access token with its expiry moved into the past, signed as the PDS signs. */
function expire(jwt: string): string {
  const [header, payload] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  const moved = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 })).toString(
    'base64url',
  );
  const signature = createHmac('sha256', JWT_SECRET).update(`${header}.${moved}`).digest('base64url');
  return `${header}.${moved}.${signature}`;
}

beforeAll(async () => {
  host = await hostDevEnv();
  network = await host.start(async () => {
    const { TestNetworkNoAppView } = await import('@atproto/dev-env');
    return (await TestNetworkNoAppView.create({})) as unknown as Network;
  });
  pdsUrl = `http://127.0.0.1:${network.pds.port}`;
  ctx = {
    app: { clientId: 'herald', clientSecret: null, baseUrl: pdsUrl, scopes: [], settings: {} },
    fetch,
    now: () => new Date(),
  };
  const alice = await xrpc('com.atproto.server.createAccount', {
    body: { handle: 'alice.test', email: 'alice@example.com', password: 'account-password' },
  });
  expect(alice.status).toBe(200);
  await xrpc('com.atproto.server.createAccount', {
    body: { handle: 'bob.test', email: 'bob@example.com', password: 'account-password' },
  });
  await xrpc('com.atproto.repo.createRecord', {
    token: String(alice.body.accessJwt),
    body: {
      repo: alice.body.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName: 'Alice Real' },
    },
  });
  const appPassword = await xrpc('com.atproto.server.createAppPassword', {
    token: String(alice.body.accessJwt),
    body: { name: 'herald' },
  });
  expect(appPassword.status).toBe(200);
  const tokens = await blueskyAdapter.signIn(ctx, {
    identifier: 'alice.test',
    password: String(appPassword.body.password),
  });
  const profile = await blueskyAdapter.profile(ctx, tokens);
  expect(profile).toMatchObject({ username: 'alice.test', displayName: 'Alice Real' });
  expect(tokens.scopes).toEqual(['com.atproto.appPass']);
  credentials = { ...tokens, accountId: profile.externalId, metadata: profile.metadata ?? {} };
});

afterAll(async () => {
  await network?.close();
  await host?.close();
});

describe('Bluesky adapter on a real PDS', () => {
  it('posts images with alt text and facets, then reads the record back', async () => {
    const text = 'Real PDS 🎉 with @bob.test and https://example.com/page #herald';
    const req = request({ text, media: [image('a red dot'), image('another dot')] });
    const outcome = await blueskyAdapter.publish(ctx, credentials, req);
    if (outcome.status !== 'published') throw new Error('not published');
    const rkey = recordKeyFor(req.idempotencyKey);
    expect(outcome.remoteId).toBe(`at://${credentials.accountId}/app.bsky.feed.post/${rkey}`);

    const read = await xrpc('com.atproto.repo.getRecord', {
      query: { repo: credentials.accountId, collection: 'app.bsky.feed.post', rkey },
    });
    const record = read.body.value as {
      text: string;
      facets: { index: { byteStart: number; byteEnd: number }; features: Record<string, string>[] }[];
      embed: { $type: string; images: { alt: string; image: { mimeType: string } }[] };
    };
    expect(record.text).toBe(text);
    expect(record.embed.$type).toBe('app.bsky.embed.images');
    expect(record.embed.images.map((i) => [i.alt, i.image.mimeType])).toEqual([
      ['a red dot', 'image/png'],
      ['another dot', 'image/png'],
    ]);
    const bytes = Buffer.from(text, 'utf8');
    expect(
      record.facets.map((f) => bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8')),
    ).toEqual(['@bob.test', 'https://example.com/page', '#herald']);
    expect(record.facets[0]!.features[0]!.did).toMatch(/^did:plc:/);
    // No AppView here: metrics are unknown rather than zero.
    expect(await blueskyAdapter.readMetrics(ctx, credentials, outcome.remoteId)).toMatchObject({
      likes: null,
    });
  });

  it('posts a thread, publishes it again without duplicates, reconciles exactly and deletes', async () => {
    const req = request({ text: 'Real thread 1/2', options: { thread: ['Real thread 2/2'] } });
    const first = await blueskyAdapter.publish(ctx, credentials, req);
    if (first.status !== 'published') throw new Error('not published');
    // The PDS refuses a second create at the same key; the adapter finds its own record instead.
    const again = await blueskyAdapter.publish(ctx, credentials, req);
    expect(again).toMatchObject({ status: 'published', remoteId: first.remoteId, partIds: first.partIds });
    const reply = await xrpc('com.atproto.repo.getRecord', {
      query: {
        repo: credentials.accountId,
        collection: 'app.bsky.feed.post',
        rkey: first.partIds![0]!.split('/').pop()!,
      },
    });
    expect((reply.body.value as { reply: { root: { uri: string } } }).reply.root.uri).toBe(first.remoteId);
    const listed = await xrpc('com.atproto.repo.listRecords', {
      query: { repo: credentials.accountId, collection: 'app.bsky.feed.post', limit: '100' },
    });
    const texts = (listed.body.records as { value: { text: string } }[]).map((r) => r.value.text);
    expect(texts.filter((t) => t.startsWith('Real thread'))).toHaveLength(2);

    expect(await blueskyAdapter.reconcile(ctx, credentials, req)).toMatchObject({
      status: 'found',
      remoteId: first.remoteId,
    });
    expect(await blueskyAdapter.reconcile(ctx, credentials, request({ text: 'never sent' }))).toEqual({
      status: 'not_found',
    });

    await blueskyAdapter.deletePost(ctx, credentials, first.remoteId);
    expect((await blueskyAdapter.reconcile(ctx, credentials, { ...req, options: {} })).status).toBe(
      'not_found',
    );
  });

  it('an expired access token is refused as auth; refreshing rotates the session', async () => {
    const stale = { ...credentials, accessToken: expire(credentials.accessToken) };
    const error = await blueskyAdapter
      .publish(ctx, stale, request({ text: 'expired' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth', code: 'ExpiredToken' });
    const tokens = await blueskyAdapter.refresh(ctx, credentials);
    expect(tokens.refreshToken).not.toBe(credentials.refreshToken);
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    credentials = { ...credentials, ...tokens };
    const outcome = await blueskyAdapter.publish(ctx, credentials, request({ text: 'after refresh' }));
    expect(outcome.status).toBe('published');
  });
});
