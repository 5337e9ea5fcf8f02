/**
 * The Ghost adapter against real Ghost, started as a child process on 127.0.0.1 with SQLite in a
 * temporary directory. The install lives outside the repository (support/install-ghost.sh, several
 * minutes); without it this suite is skipped. Creates the owner and an Admin API integration
 * through Ghost's own admin API, then connects, publishes (text, HTML, Lexical, an image), finds
 * its own posts again by their internal tag, publishes a draft with the current `updated_at`,
 * updates, and deletes — all through Herald's adapter.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../src/platforms/ghost/api.ts';
import { ghostAdapter, updatePost } from '../../../src/platforms/ghost/index.ts';
import {
  type AdapterContext,
  type Credentials,
  type MediaItem,
  PlatformError,
  type PublishRequest,
} from '../../../src/platforms/types.ts';

const GHOST_DIR =
  process.env.HERALD_GHOST_DIR ??
  path.join(process.env.HERALD_CACHE_DIR ?? path.join(os.homedir(), '.cache/herald'), 'ghost-6.65.0/package');
const installed = existsSync(path.join(GHOST_DIR, 'index.js'));
const PRELOAD = fileURLToPath(new URL('./support/preload.ts', import.meta.url));

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

let ghost: ChildProcess | undefined;
let dir: string;
let site: string;
let ctx: AdapterContext;
let credentials: Credentials;
let output = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForGhost(deadline: number) {
  while (Date.now() < deadline) {
    if (ghost?.exitCode !== null) throw new Error(`Ghost exited early:\n${output.slice(-3000)}`);
    const ok = await fetch(`${site}/ghost/api/admin/site/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Ghost did not start in time:\n${output.slice(-3000)}`);
}

/** Owner setup, a staff session and a custom integration, as a person would do in Ghost Admin. */
async function createAdminKey(): Promise<string> {
  const base = `${site}/ghost/api/admin`;
  const headers = { 'content-type': 'application/json', origin: site };
  const owner = { email: 'owner@example.com', password: `Pw-${randomBytes(9).toString('base64url')}` };
  const setup = await fetch(`${base}/authentication/setup/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ setup: [{ name: 'Owner', ...owner, blogTitle: 'Herald Real Ghost' }] }),
  });
  expect(setup.status).toBe(201);
  const session = await fetch(`${base}/session/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username: owner.email, password: owner.password }),
  });
  expect(session.status).toBe(201);
  const cookie = session.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  // Ghost may answer the login before its session store has the session: try a few times.
  let integration: Response | undefined;
  let text = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    integration = await fetch(`${base}/integrations/?include=api_keys`, {
      method: 'POST',
      headers: { ...headers, cookie },
      body: JSON.stringify({ integrations: [{ name: 'Herald' }] }),
    });
    text = await integration.text();
    if (integration.status !== 403) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  if (integration?.status !== 201) throw new Error(`integration: ${integration?.status} ${text}`);
  const body = JSON.parse(text) as {
    integrations: { api_keys: { type: string; id: string; secret: string }[] }[];
  };
  const admin = body.integrations[0]!.api_keys.find((k) => k.type === 'admin')!;
  // Ghost 6 hands the whole key (`id:secret`, as Ghost Admin shows it) in `secret`; older versions the secret alone.
  return admin.secret.includes(':') ? admin.secret : `${admin.id}:${admin.secret}`;
}

function request(overrides: Partial<PublishRequest>): PublishRequest {
  return {
    idempotencyKey: `herald-${randomBytes(8).toString('hex')}`,
    channel: { externalId: site, kind: 'site', metadata: {} },
    text: 'Written by Herald.\n\nSecond paragraph with https://example.com/.',
    title: 'A real Ghost post',
    media: [],
    options: {},
    state: null,
    ...overrides,
  };
}

async function readPost(id: string) {
  const { data } = await call(ctx, null, {
    what: 'read',
    path: `/posts/${id}/`,
    key: credentials.accessToken,
    query: { formats: 'html,lexical', include: 'tags' },
  });
  return (data as { posts: Record<string, unknown>[] }).posts[0]!;
}

describe.skipIf(!installed)('Ghost adapter on real Ghost', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-ghost-'));
    for (const sub of ['data', 'images', 'media', 'files', 'logs', 'settings', 'adapters', 'public']) {
      await mkdir(path.join(dir, 'content', sub), { recursive: true });
    }
    await symlink(path.join(GHOST_DIR, 'content/themes'), path.join(dir, 'content/themes'));
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    ghost = spawn(process.execPath, ['--import', PRELOAD, 'index.js'], {
      cwd: GHOST_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.homedir(),
        NODE_ENV: 'development',
        url: site,
        server__host: '127.0.0.1',
        server__port: String(port),
        database__client: 'better-sqlite3',
        database__connection__filename: path.join(dir, 'ghost.db'),
        paths__contentPath: path.join(dir, 'content'),
        logging__level: 'error',
        logging__transports: '["stdout"]',
        mail__transport: 'Direct',
        // No calls out: update checks, Gravatar, pings.
        privacy__useTinfoil: 'true',
        security__staffDeviceVerification: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ghost.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    ghost.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitForGhost(Date.now() + 90_000);
    ctx = {
      app: { clientId: 'ghost', clientSecret: null, baseUrl: site, scopes: [], settings: {} },
      fetch,
      now: () => new Date(),
    };
    const tokens = await ghostAdapter.signIn(ctx, { adminApiKey: await createAdminKey() });
    const profile = await ghostAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({ displayName: 'Herald Real Ghost' });
    credentials = { ...tokens, accountId: profile.externalId, metadata: profile.metadata ?? {} };
  }, 120_000);

  afterAll(async () => {
    if (ghost && ghost.exitCode === null) {
      const exited = new Promise((resolve) => ghost!.once('exit', resolve));
      ghost.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (ghost.exitCode === null) ghost.kill('SIGKILL');
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the site as the channel and refuses an unknown key', async () => {
    expect(await ghostAdapter.discoverChannels(ctx, credentials)).toEqual([
      expect.objectContaining({ kind: 'site', name: 'Herald Real Ghost' }),
    ]);
    const stranger = {
      ...credentials,
      accessToken: `${randomBytes(12).toString('hex')}:${randomBytes(32).toString('hex')}`,
    };
    const error = await ghostAdapter.publish(ctx, stranger, request({})).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
  });

  it('publishes text with an uploaded feature image, and finds the same post again by its tag', async () => {
    const image: MediaItem = {
      id: 'dot',
      kind: 'image',
      mimeType: 'image/png',
      sizeBytes: PNG.length,
      altText: 'a dot',
      width: 1,
      height: 1,
      durationSeconds: null,
      read: async () => PNG,
      publicUrl: null,
    };
    const req = request({ media: [image], options: { tags: ['Herald'] } });
    const outcome = await ghostAdapter.publish(ctx, credentials, req);
    if (outcome.status !== 'published') throw new Error('not published');
    const post = await readPost(outcome.remoteId);
    expect(post.status).toBe('published');
    expect(post.html).toContain('Written by Herald.');
    expect(post.html).toContain('href="https://example.com/"');
    expect(post.feature_image).toMatch(new RegExp(`^${site}/content/images/.+\\.png$`));
    expect(post.feature_image_alt).toBe('a dot');
    expect(
      (post.tags as { name: string; slug: string; visibility: string }[]).map((t) => [
        t.name.startsWith('#herald-') ? '#herald' : t.name,
        t.visibility,
      ]),
    ).toEqual([
      ['Herald', 'public'],
      ['#herald', 'internal'],
    ]);
    expect(outcome.remoteUrl).toBe(post.url);

    expect(await ghostAdapter.publish(ctx, credentials, req)).toEqual(outcome);
    expect(await ghostAdapter.reconcile(ctx, credentials, req)).toEqual({
      status: 'found',
      remoteId: outcome.remoteId,
      remoteUrl: outcome.remoteUrl,
    });
    expect(await ghostAdapter.reconcile(ctx, credentials, request({}))).toEqual({ status: 'not_found' });
  });

  it('publishes HTML and Lexical bodies', async () => {
    const html = await ghostAdapter.publish(
      ctx,
      credentials,
      request({ title: 'HTML', text: '<h2>Heading</h2><p>From HTML</p>', options: { format: 'html' } }),
    );
    if (html.status !== 'published') throw new Error('not published');
    expect((await readPost(html.remoteId)).html).toContain('From HTML');
    const lexical = JSON.stringify({
      root: {
        type: 'root',
        version: 1,
        format: '',
        indent: 0,
        direction: 'ltr',
        children: [
          {
            type: 'paragraph',
            version: 1,
            format: '',
            indent: 0,
            direction: 'ltr',
            children: [
              {
                type: 'text',
                version: 1,
                text: 'From Lexical',
                format: 0,
                mode: 'normal',
                style: '',
                detail: 0,
              },
            ],
          },
        ],
      },
    });
    const lex = await ghostAdapter.publish(
      ctx,
      credentials,
      request({ title: 'Lexical', text: lexical, options: { format: 'lexical' } }),
    );
    if (lex.status !== 'published') throw new Error('not published');
    expect((await readPost(lex.remoteId)).html).toContain('From Lexical');
  });

  it('publishes a draft left by an earlier attempt with its current updated_at; a stale one collides', async () => {
    const req = request({ title: 'Draft first', options: { status: 'draft' } });
    const draft = await ghostAdapter.publish(ctx, credentials, req);
    if (draft.status !== 'published') throw new Error('not published');
    expect((await readPost(draft.remoteId)).status).toBe('draft');
    const done = await ghostAdapter.publish(ctx, credentials, { ...req, options: {} });
    expect(done).toMatchObject({ remoteId: draft.remoteId });
    const post = await readPost(draft.remoteId);
    expect(post.status).toBe('published');

    const stale = await call(ctx, null, {
      what: 'update with a stale updated_at',
      method: 'PUT',
      path: `/posts/${draft.remoteId}/`,
      key: credentials.accessToken,
      json: { posts: [{ title: 'Stale', updated_at: '2000-01-01T00:00:00.000Z' }] },
    }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PlatformError);
    expect(stale).toMatchObject({ kind: 'transient', status: 409 });
    const updated = await updatePost(ctx, credentials, {
      id: draft.remoteId,
      changes: { title: 'Renamed by Herald' },
    });
    expect(updated.title).toBe('Renamed by Herald');
  });

  it('deletes (twice is fine) and the post is gone', async () => {
    const req = request({ title: 'Delete me' });
    const outcome = await ghostAdapter.publish(ctx, credentials, req);
    if (outcome.status !== 'published') throw new Error('not published');
    await ghostAdapter.deletePost(ctx, credentials, outcome.remoteId);
    await ghostAdapter.deletePost(ctx, credentials, outcome.remoteId);
    expect(await ghostAdapter.reconcile(ctx, credentials, req)).toEqual({ status: 'not_found' });
    expect(await ghostAdapter.readMetrics(ctx, credentials, outcome.remoteId)).toMatchObject({ likes: null });
  });
});
