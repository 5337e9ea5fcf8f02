/**
 * Connecting accounts through Herald's own routes on platforms that are not a single OAuth server:
 * sign-in forms (Bluesky app passwords, Ghost Admin API keys) and Mastodon, where Herald registers
 * itself on each instance. Each platform's protocol server stands in for the real one.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { connections, platformApps } from '../../src/db/schema.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { newTeam, type Team, type TeamMember } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { waitForPost } from '../support/publishing.ts';
import { type BlueskyServer, startBlueskyServer } from './bluesky/server.ts';
import { type GhostServer, startGhostServer } from './ghost/server.ts';
import { type MastodonServer, startMastodonServer } from './mastodon/server.ts';

let herald: TestHerald;
let team: Team;
let bluesky: BlueskyServer;
let ghost: GhostServer;
let mastodon: MastodonServer;
const ws = () => team.workspace.id;

beforeAll(async () => {
  [bluesky, ghost, mastodon] = await Promise.all([
    startBlueskyServer(),
    startGhostServer(),
    startMastodonServer(),
  ]);
  bluesky.addAccount('alice.test', 'abcd-efgh-ijkl-mnop', 'Alice');
  bluesky.addAccount('bob.test', 'bob-pass', 'Bob');
  herald = await startHerald({ env: { HERALD_RETRY_BASE_SECONDS: '0.2', HERALD_POLL_SECONDS: '0.5' } });
  await herald.listen();
  await startWorkers(herald.deps, { concurrency: 2 });
  team = await newTeam(herald);
});
afterAll(async () => {
  await herald?.close();
  await Promise.all([bluesky?.close(), ghost?.close(), mastodon?.close()]);
});

const call = (method: 'GET' | 'POST', url: string, payload?: unknown, member: TeamMember = team.user) =>
  herald.app.inject({
    method,
    url: `/api/workspaces/${ws()}${url}`,
    headers: member.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

const appsFor = async (platform: string) =>
  herald.deps.db
    .select()
    .from(platformApps)
    .where(and(eq(platformApps.platform, platform), eq(platformApps.workspaceId, ws())));

describe('what the connect screen is told', () => {
  it('lists how each platform connects: a redirect, a redirect after naming the server, or a form', async () => {
    const res = await call('GET', '/platforms');
    expect(res.statusCode).toBe(200);
    const byId = new Map(
      (res.json() as { id: string; connect: Record<string, unknown> }[]).map((p) => [p.id, p.connect]),
    );
    expect(byId.get('sandbox')).toEqual({ method: 'oauth', asksForServer: false });
    expect(byId.get('x')).toEqual({ method: 'oauth', asksForServer: false });
    expect(byId.get('mastodon')).toEqual({ method: 'oauth', asksForServer: true });
    expect(byId.get('bluesky')).toMatchObject({
      method: 'credentials',
      fields: [
        { name: 'service', serverUrl: true, required: false, secret: false },
        { name: 'identifier', required: true, secret: false },
        { name: 'password', required: true, secret: true },
      ],
    });
    expect(byId.get('ghost')).toMatchObject({
      method: 'credentials',
      fields: [
        { name: 'siteUrl', serverUrl: true, required: true },
        { name: 'adminApiKey', secret: true, required: true },
      ],
    });
  });
});

describe('Bluesky: handle and app password', () => {
  const signIn = (values: Record<string, string>) => call('POST', '/connect/bluesky/sign-in', { values });
  let connectionId: string;

  it('names the field that is missing, unknown or unreachable, and sends nothing for them', async () => {
    const before = bluesky.calls.length;
    const missing = await signIn({ service: bluesky.url, identifier: 'alice.test' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.message).toMatch(/^values\.password: App password is required/);

    const unknown = await signIn({ service: bluesky.url, identifier: 'a', password: 'b', pin: '1' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.message).toMatch(/^values\.pin: /);

    const badUrl = await signIn({ service: 'ftp://pds.example', identifier: 'a', password: 'b' });
    expect(badUrl.statusCode).toBe(422);
    expect(badUrl.json().error.message).toMatch(/^values\.service: must be a web address/);
    expect(bluesky.calls.length).toBe(before);

    const unreachable = await signIn({ service: 'http://127.0.0.1:9', identifier: 'a', password: 'b' });
    expect(unreachable.statusCode).toBe(422);
    expect(unreachable.json().error.message).toMatch(
      /^values\.service: could not reach http:\/\/127\.0\.0\.1:9/,
    );
  });

  it('says a wrong app password was refused by Bluesky, without echoing it', async () => {
    const res = await signIn({ service: bluesky.url, identifier: 'alice.test', password: 'wrong-pass' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/^Bluesky refused the sign-in: .*check what you typed/);
    expect(res.body).not.toContain('wrong-pass');
  });

  it('signs in, lists the account as a channel and keeps only encrypted tokens', async () => {
    const res = await signIn({
      service: `${bluesky.url}/`,
      identifier: '@alice.test',
      password: 'abcd-efgh-ijkl-mnop',
    });
    expect(res.statusCode, res.body).toBe(201);
    connectionId = res.json().connectionId;

    const channels = await call('GET', '/channels');
    const channel = channels
      .json()
      .items.find((c: { connection: { id: string } }) => c.connection.id === connectionId);
    expect(channel).toMatchObject({ platform: 'bluesky', kind: 'profile', username: 'alice.test' });

    // One app for the server, its address normalised; no client id, since there is no OAuth client.
    const apps = await appsFor('bluesky');
    expect(apps.map((a) => [a.baseUrl, a.clientId])).toEqual([[bluesky.url, null]]);

    const [row] = await herald.deps.db.select().from(connections).where(eq(connections.id, connectionId));
    expect(row!.platformAppId).toBe(apps[0]!.id);
    const jwt = herald.deps.secrets.decrypt(row!.accessToken!);
    expect(jwt.split('.')).toHaveLength(3);
    expect(row!.accessToken).not.toContain(jwt.split('.')[1]);
    const stored = rowsOf<{ n: number }>(
      await herald.deps.db.execute(
        sql`select count(*)::int as n from connections where access_token like '%abcd-efgh%' or refresh_token like '%abcd-efgh%'`,
      ),
    );
    expect(stored[0]!.n).toBe(0);
    const listed = await call('GET', '/connections');
    expect(listed.body).not.toContain(herald.deps.secrets.decrypt(row!.accessToken!));
  });

  it('signs in again to the same connection on the same app, and refuses another account there', async () => {
    const again = await call('POST', `/connections/${connectionId}/sign-in`, {
      values: { identifier: 'alice.test', password: 'abcd-efgh-ijkl-mnop' },
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().connectionId).toBe(connectionId);
    expect(await appsFor('bluesky')).toHaveLength(1);

    const other = await call('POST', `/connections/${connectionId}/sign-in`, {
      values: { identifier: 'bob.test', password: 'bob-pass' },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.message).toMatch(/different account \(bob\.test\)/);
  });

  it('refuses the OAuth redirect route for a sign-in platform, and a viewer entirely', async () => {
    const redirect = await call('POST', '/connect/bluesky', {});
    expect(redirect.statusCode).toBe(422);
    expect(redirect.json().error.message).toMatch(/sign-in form \(Server, Handle or email, App password\)/);
    const reconnect = await call('POST', `/connections/${connectionId}/reconnect`, {});
    expect(reconnect.statusCode).toBe(422);

    const viewer = await call(
      'POST',
      '/connect/bluesky/sign-in',
      { values: { service: bluesky.url, identifier: 'bob.test', password: 'bob-pass' } },
      team.viewer,
    );
    expect(viewer.statusCode).toBe(403);
  });
});

describe('Ghost: site address and Admin API key', () => {
  it('needs the site address, refuses a malformed or unknown key, connects and publishes', async () => {
    const key = ghost.addIntegration();
    const noSite = await call('POST', '/connect/ghost/sign-in', { values: { adminApiKey: key } });
    expect(noSite.statusCode).toBe(422);
    expect(noSite.json().error.message).toMatch(/^values\.siteUrl: Site address is required/);

    const malformed = await call('POST', '/connect/ghost/sign-in', {
      values: { siteUrl: ghost.url, adminApiKey: 'not-a-key' },
    });
    expect(malformed.statusCode).toBe(422);
    expect(malformed.json().error.message).toMatch(/^Ghost refused the sign-in: /);

    const unknown = await call('POST', '/connect/ghost/sign-in', {
      values: { siteUrl: ghost.url, adminApiKey: `${'a'.repeat(24)}:${'b'.repeat(64)}` },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.message).toMatch(/Unknown Admin API Key/);

    const res = await call('POST', '/connect/ghost/sign-in', {
      values: { siteUrl: ghost.url, adminApiKey: key },
    });
    expect(res.statusCode, res.body).toBe(201);
    const channels = await call('GET', '/channels');
    const channel = channels
      .json()
      .items.find((c: { connection: { id: string } }) => c.connection.id === res.json().connectionId);
    expect(channel).toMatchObject({ platform: 'ghost', kind: 'site', url: 'https://blog.example/' });

    // The engine publishes through the app the sign-in made: the site address reaches the adapter.
    const post = await call('POST', '/posts', {
      content: 'Written once, published by Herald.',
      title: 'Hello from Herald',
      channelIds: [channel.id],
      publishNow: true,
    });
    expect(post.statusCode, post.body).toBe(201);
    const done = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: post.json().id,
      statuses: ['published', 'failed'],
    });
    expect(done.status, JSON.stringify(done)).toBe('published');
    expect([...ghost.posts.values()].map((p) => p.title)).toEqual(['Hello from Herald']);
  });
});

describe('Mastodon: Herald registers itself on each instance', () => {
  it('an admin adds an instance by its address alone; the client Herald registered is kept secret', async () => {
    const missing = await call(
      'POST',
      '/platform-apps',
      { platform: 'mastodon', name: 'No address' },
      team.admin,
    );
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.message).toMatch(/^baseUrl: /);

    const unreachable = await call(
      'POST',
      '/platform-apps',
      { platform: 'mastodon', name: 'Gone', baseUrl: 'http://127.0.0.1:9' },
      team.admin,
    );
    expect(unreachable.statusCode).toBe(422);
    expect(unreachable.json().error.message).toMatch(
      /^baseUrl: http:\/\/127\.0\.0\.1:9 did not register Herald/,
    );

    const noClient = await call(
      'POST',
      '/platform-apps',
      { platform: 'x', name: 'X without client' },
      team.admin,
    );
    expect(noClient.statusCode).toBe(422);
    expect(noClient.json().error.message).toMatch(/^clientId: /);

    const res = await call(
      'POST',
      '/platform-apps',
      { platform: 'mastodon', name: 'Our instance', baseUrl: mastodon.url },
      team.admin,
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ baseUrl: mastodon.url, hasClientSecret: true, name: 'Our instance' });
    expect(res.json().clientId).toEqual(expect.any(String));
    expect(res.body).not.toContain('secret"');
    const [stored] = await appsFor('mastodon');
    expect(stored!.clientSecret).not.toBeNull();
    expect(stored!.settings).toMatchObject({ supportsPkce: true });
  });

  it('a member connects on that instance by naming it, through its real authorization flow', async () => {
    const start = await call('POST', '/connect/mastodon', { serverUrl: mastodon.url, returnTo: '/channels' });
    expect(start.statusCode, start.body).toBe(200);
    const authorizeUrl = new URL(start.json().authorizeUrl);
    expect(authorizeUrl.origin).toBe(mastodon.url);
    const [app] = await appsFor('mastodon');
    expect(authorizeUrl.searchParams.get('client_id')).toBe(app!.clientId);

    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toMatch(/^\/channels\?connected=/);

    const list = await call('GET', '/channels');
    const channel = list.json().items.find((c: { platform: string }) => c.platform === 'mastodon');
    expect(channel.username).toMatch(/^alice@127\.0\.0\.1:/);
    // Still the one app: naming a known instance does not register Herald again.
    expect(await appsFor('mastodon')).toHaveLength(1);

    // Reconnecting goes back to the connection's own instance.
    const reconnect = await call('POST', `/connections/${channel.connection.id}/reconnect`, {});
    expect(new URL(reconnect.json().authorizeUrl).origin).toBe(mastodon.url);
  });

  it("checks posts against the instance's own limits before scheduling, read when the channel was listed", async () => {
    const big = await startMastodonServer();
    try {
      big.state.limits.maxCharacters = 1000;
      const start = await call('POST', '/connect/mastodon', { serverUrl: big.url });
      const consent = await fetch(start.json().authorizeUrl, { redirect: 'manual' });
      await fetch(consent.headers.get('location')!, { redirect: 'manual' });
      const list = await call('GET', '/channels');
      const channel = list
        .json()
        .items.find((c: { platform: string; username: string }) =>
          c.username.endsWith(new URL(big.url).host),
        );
      const check = (length: number) =>
        call('POST', '/posts/validate', { content: 'x'.repeat(length), channelIds: [channel.id] });
      // Longer than Mastodon's default 500, within this instance's 1,000.
      expect((await check(800)).json().issues).toEqual([]);
      const tooLong = (await check(1200)).json().issues;
      expect(tooLong).toHaveLength(1);
      expect(tooLong[0].message).toMatch(/at most 1000 characters on this instance/);
    } finally {
      await big.close();
    }
  });

  it('naming an instance Herald does not know yet registers Herald there first', async () => {
    const other = await startMastodonServer();
    try {
      const start = await call('POST', '/connect/mastodon', { serverUrl: other.url.replace('http://', '') });
      // No scheme typed: https is assumed, which this local instance does not speak.
      expect(start.statusCode).toBe(422);
      expect(start.json().error.message).toMatch(
        /^serverUrl: https:\/\/127\.0\.0\.1:\d+ did not register Herald/,
      );

      const ok = await call('POST', '/connect/mastodon', { serverUrl: other.url });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(new URL(ok.json().authorizeUrl).origin).toBe(other.url);
      expect((await appsFor('mastodon')).map((a) => a.baseUrl)).toEqual(
        expect.arrayContaining([mastodon.url, other.url]),
      );
    } finally {
      await other.close();
    }
  });
});
