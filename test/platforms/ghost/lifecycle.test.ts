/**
 * The Ghost adapter's whole lifecycle against a local server speaking the Admin API: connect with
 * an Admin API key, per-request JWTs, posts from text, HTML and Lexical, images, drafts published
 * later with `updated_at`, collisions, faults, duplicates, reconcile by internal tag, delete.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from '../../../src/platforms/ghost/api.ts';
import { ghostAdapter, updatePost } from '../../../src/platforms/ghost/index.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishRequest,
} from '../../../src/platforms/types.ts';
import { type GhostServer, startGhostServer } from './server.ts';

const clock = new Date('2030-01-01T12:00:00Z');
const now = () => clock;
let server: GhostServer;
let ctx: AdapterContext;
let credentials: Credentials;

function image(overrides: Partial<MediaItem> = {}): MediaItem {
  const bytes = randomBytes(100);
  return {
    id: randomBytes(6).toString('hex'),
    kind: 'image',
    mimeType: 'image/png',
    sizeBytes: bytes.length,
    altText: 'an image',
    width: 640,
    height: 480,
    durationSeconds: null,
    read: async () => bytes,
    publicUrl: null,
    ...overrides,
  };
}

function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: `herald-${randomBytes(8).toString('hex')}`,
    channel: { externalId: 'https://blog.example/', kind: 'site', metadata: {} },
    text: 'First paragraph.\n\nSecond paragraph with https://example.com/x.',
    title: 'A Herald post',
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

function published(outcome: Awaited<ReturnType<typeof ghostAdapter.publish>>) {
  if (outcome.status !== 'published') throw new Error('not published');
  return server.posts.get(outcome.remoteId)!;
}

beforeAll(async () => {
  server = await startGhostServer({ now });
  ctx = {
    app: { clientId: 'blog', clientSecret: null, baseUrl: server.url, scopes: [], settings: {} },
    fetch,
    now,
  };
});
afterAll(() => server.close());

describe('connecting with an Admin API key', () => {
  it('asks for the site and a masked key, refuses malformed and unknown keys', async () => {
    expect(ghostAdapter.auth).toBe('credentials');
    expect(ghostAdapter.credentialFields.map((f) => [f.name, f.secret, f.serverUrl ?? false])).toEqual([
      ['siteUrl', false, true],
      ['adminApiKey', true, false],
    ]);
    expect((await caught(ghostAdapter.signIn(ctx, { adminApiKey: 'not-a-key' }))).kind).toBe('invalid');
    const unknown = `${'a'.repeat(24)}:${'b'.repeat(64)}`;
    const tokens = await ghostAdapter.signIn(ctx, { adminApiKey: unknown });
    expect((await caught(ghostAdapter.profile(ctx, tokens))).kind).toBe('auth');
  });

  it('connects, signs a 5-minute JWT per request and lists the site as the channel', async () => {
    const key = server.addIntegration();
    const tokens = await ghostAdapter.signIn(ctx, { adminApiKey: ` ${key} ` });
    expect(tokens).toEqual({ accessToken: key, refreshToken: null, expiresAt: null, scopes: [] });
    const profile = await ghostAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({
      externalId: 'https://blog.example/',
      displayName: 'Herald Blog',
      username: 'blog.example',
    });
    credentials = { ...tokens, accountId: profile.externalId, metadata: profile.metadata ?? {} };
    expect(await ghostAdapter.discoverChannels(ctx, credentials)).toEqual([
      expect.objectContaining({
        externalId: 'https://blog.example/',
        kind: 'site',
        url: 'https://blog.example/',
      }),
    ]);
    const token = server.tokens.at(-1)!;
    expect(token.header).toEqual({ alg: 'HS256', typ: 'JWT', kid: key.split(':')[0] });
    expect(token.payload).toEqual({
      iat: clock.getTime() / 1000,
      exp: clock.getTime() / 1000 + 300,
      aud: '/admin/',
    });
    expect(server.requests.at(-1)!.headers['accept-version']).toBe('v5.0');
    expect(await adminToken(key, clock)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});

describe('validating', () => {
  it('requires a title and refuses media Ghost posts cannot carry', () => {
    const issues = ghostAdapter.validate({
      text: 'body',
      title: '  ',
      media: [image({ kind: 'video', mimeType: 'video/mp4' })],
      options: { status: 'scheduled', format: 'markdown' },
    });
    expect(issues.map((i) => i.field).sort()).toEqual([
      'media.0',
      'options.format',
      'options.status',
      'title',
    ]);
  });
});

describe('publishing', () => {
  it('turns plain text into HTML paragraphs and tags the post for idempotency', async () => {
    const post = published(
      await ghostAdapter.publish(ctx, credentials, request({ options: { tags: ['News'] } })),
    );
    expect(post.status).toBe('published');
    expect(post.html).toBe(
      '<p>First paragraph.</p>\n<p>Second paragraph with <a href="https://example.com/x">https://example.com/x</a>.</p>',
    );
    expect(post.tags.map((t) => t.name)).toEqual(['News', expect.stringMatching(/^#herald-[0-9a-f]{20}$/)]);
    expect(server.requests.findLast((r) => r.method === 'POST')!.query.get('source')).toBe('html');
  });

  it('sends HTML and Lexical bodies as given', async () => {
    const html = published(
      await ghostAdapter.publish(
        ctx,
        credentials,
        request({ text: '<h2>Hi</h2><p>there</p>', options: { format: 'html' } }),
      ),
    );
    expect(html.html).toBe('<h2>Hi</h2><p>there</p>');
    const lexical = JSON.stringify({
      root: {
        type: 'root',
        version: 1,
        children: [
          { type: 'paragraph', version: 1, children: [{ type: 'text', text: 'Lexical', version: 1 }] },
        ],
      },
    });
    const lex = published(
      await ghostAdapter.publish(
        ctx,
        credentials,
        request({ text: lexical, options: { format: 'lexical' } }),
      ),
    );
    expect(JSON.parse(lex.lexical!).root.children[0].children[0].text).toBe('Lexical');
    expect(server.requests.findLast((r) => r.method === 'POST')!.query.get('source')).toBeNull();
  });

  it('uploads images: the first becomes the feature image, the others image cards', async () => {
    const post = published(
      await ghostAdapter.publish(
        ctx,
        credentials,
        request({
          media: [image({ altText: 'cover' }), image({ altText: 'inline', mimeType: 'image/jpeg' })],
        }),
      ),
    );
    expect(post.feature_image).toMatch(/^https:\/\/blog\.example\/content\/images\/.*\.png$/);
    expect(post.feature_image_alt).toBe('cover');
    expect(post.html).toContain(
      '<figure class="kg-card kg-image-card"><img src="https://blog.example/content/images/',
    );
    expect(post.html).toContain('alt="inline" width="640" height="480"');
    expect(server.images.at(-1)!.ref).not.toBeNull();
  });

  it('publishing again with the same key finds the post instead of creating another', async () => {
    const req = request({ title: 'Only once' });
    const first = await ghostAdapter.publish(ctx, credentials, req);
    const count = server.posts.size;
    expect(await ghostAdapter.publish(ctx, credentials, req)).toEqual(first);
    expect(server.posts.size).toBe(count);
  });

  it('a draft left by an earlier attempt is published with its current updated_at, across a collision', async () => {
    const req = request({ title: 'Draft first', options: { status: 'draft', newsletter: 'weekly' } });
    const draft = published(await ghostAdapter.publish(ctx, credentials, req));
    expect(draft.status).toBe('draft');
    expect(await ghostAdapter.reconcile(ctx, credentials, { ...req, options: {} })).toEqual({
      status: 'not_found',
    });
    server.state.concurrentEdits = 1;
    const post = published(
      await ghostAdapter.publish(ctx, credentials, { ...req, options: { newsletter: 'weekly' } }),
    );
    expect(post.id).toBe(draft.id);
    expect(post.status).toBe('published');
    expect(post.newsletter).toBe('weekly');
    expect(server.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
  });

  it('never turns a published post back into a draft', async () => {
    const req = request({ title: 'Stays published' });
    const post = published(await ghostAdapter.publish(ctx, credentials, req));
    const puts = server.requests.filter((r) => r.method === 'PUT').length;
    const again = published(
      await ghostAdapter.publish(ctx, credentials, { ...req, options: { status: 'draft' } }),
    );
    expect(again).toMatchObject({ id: post.id, status: 'published' });
    expect(server.requests.filter((r) => r.method === 'PUT')).toHaveLength(puts);
  });

  it('updatePost gives up after a second collision', async () => {
    const post = published(await ghostAdapter.publish(ctx, credentials, request({ title: 'Contended' })));
    server.state.concurrentEdits = 2;
    const error = await caught(updatePost(ctx, credentials, { id: post.id, changes: { title: 'Mine' } }));
    expect(error).toMatchObject({ kind: 'transient', code: 'UPDATE_COLLISION', status: 409 });
    const ok = await updatePost(ctx, credentials, { id: post.id, changes: { title: 'Mine' } });
    expect(ok.title).toBe('Mine');
  });
});

describe('errors', () => {
  it('maps Ghost error types to kinds', async () => {
    server.fail({
      method: 'POST',
      path: /^\/posts\/$/,
      status: 422,
      body: {
        errors: [
          {
            message: 'Validation error, cannot save post.',
            type: 'ValidationError',
            context: 'Title too long',
          },
        ],
      },
    });
    expect(await caught(ghostAdapter.publish(ctx, credentials, request()))).toMatchObject({
      kind: 'invalid',
      code: 'ValidationError',
    });
    server.fail({
      method: 'POST',
      path: /^\/posts\/$/,
      status: 429,
      body: { errors: [{ message: 'Too many requests', type: 'TooManyRequestsError' }] },
      headers: { 'retry-after': '120' },
    });
    const limited = await caught(ghostAdapter.publish(ctx, credentials, request()));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfter?.getTime()).toBe(clock.getTime() + 120_000);
    server.fail({
      method: 'POST',
      path: /^\/posts\/$/,
      status: 500,
      body: { errors: [{ message: 'boom', type: 'InternalServerError' }] },
    });
    expect((await caught(ghostAdapter.publish(ctx, credentials, request()))).kind).toBe('transient');
    server.fail({ method: 'POST', path: /^\/posts\/$/, status: 502, body: '<html>Bad gateway</html>' });
    expect((await caught(ghostAdapter.publish(ctx, credentials, request()))).kind).toBe('transient');
    server.fail({
      method: 'POST',
      path: /^\/images\/upload\/$/,
      status: 413,
      body: { errors: [{ message: 'File is too large.', type: 'RequestEntityTooLargeError' }] },
    });
    expect((await caught(ghostAdapter.publish(ctx, credentials, request({ media: [image()] })))).kind).toBe(
      'invalid',
    );
  });

  it('a removed integration is an auth error with nothing to refresh', async () => {
    const key = server.addIntegration();
    const other = { ...credentials, accessToken: key };
    server.removeIntegration(key);
    expect((await caught(ghostAdapter.publish(ctx, other, request()))).kind).toBe('auth');
    expect((await caught(ghostAdapter.refresh(ctx, other))).kind).toBe('auth');
  });
});

describe('reconcile after a crash', () => {
  it('finds the post by its internal tag when the answer was lost', async () => {
    const req = request({ title: 'Crash test' });
    expect(await ghostAdapter.reconcile(ctx, credentials, req)).toEqual({ status: 'not_found' });
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && String(input).includes('/posts/')) throw new TypeError('fetch failed');
      return response;
    };
    expect((await caught(ghostAdapter.publish({ ...ctx, fetch: lossy }, credentials, req))).kind).toBe(
      'transient',
    );
    const found = await ghostAdapter.reconcile(ctx, credentials, req);
    expect(found).toMatchObject({ status: 'found', remoteUrl: 'https://blog.example/crash-test/' });
  });
});

describe('after publishing', () => {
  it('has no metrics and no comments to read, and deletes (twice is fine)', async () => {
    const outcome = await ghostAdapter.publish(ctx, credentials, request({ title: 'Delete me' }));
    if (outcome.status !== 'published') throw new Error('not published');
    expect(await ghostAdapter.readMetrics(ctx, credentials, outcome.remoteId)).toEqual({
      likes: null,
      comments: null,
      shares: null,
      impressions: null,
    });
    expect(ghostAdapter.capabilities.comments).toBe(false);
    await expect(
      ghostAdapter.readComments!(ctx, credentials, outcome.remoteId, { cursor: null, limit: 20 }),
    ).rejects.toMatchObject({ kind: 'invalid', code: 'unsupported' });
    await ghostAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect(server.posts.has(outcome.remoteId)).toBe(false);
    await ghostAdapter.deletePost(ctx, credentials, outcome.remoteId);
  });
});
