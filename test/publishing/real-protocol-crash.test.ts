/**
 * A Herald process killed with SIGKILL after the platform accepted a post but before Herald recorded
 * it, with real adapters talking to protocol servers instead of the sandbox: Mastodon (reconcile by
 * Idempotency-Key / recent statuses) and X (no key: reconcile by looking the text up among recent
 * posts). The servers run in this test process and hold their replies after storing the post; the
 * child Herald (`herald start` on the embedded database, `herald worker` on PostgreSQL, both using
 * the adapters of src/platforms/all.ts) is killed while they do. The next run must find both posts
 * and record them, and neither platform may receive the post a second time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerMastodonApp } from '../../src/platforms/mastodon/register-app.ts';
import { type MastodonServer, startMastodonServer } from '../platforms/mastodon/server.ts';
import { startXServer, type XServer } from '../platforms/x/server.ts';
import { newTeam } from '../support/factories.ts';
import { startHerald, TEST_SECRET_KEY, type TestHerald } from '../support/harness.ts';
import { freePort, type HeraldProcess, spawnHerald } from '../support/processes.ts';
import { waitFor } from '../support/publishing.ts';
import { connectThroughOAuth, registerPlatformApp } from '../support/real-protocol.ts';

const CRASH_TIMEOUT_MS = 150_000;

type Api = { baseUrl: string; workspaceId: string; headers: Record<string, string> };
type TargetJson = {
  channelId: string;
  status: string;
  remoteId: string | null;
  remoteUrl: string | null;
  attemptsLog: { outcome: string; workerId: string }[];
};
type PostJson = { status: string; targets: TargetJson[] };

async function readPost(api: Api, postId: string): Promise<PostJson> {
  const res = await fetch(`${api.baseUrl}/api/workspaces/${api.workspaceId}/posts/${postId}`, {
    headers: api.headers,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as PostJson;
}

/**
 * Connects a Mastodon and an X account, publishes one post to both while both servers hold their
 * replies, kills the publishing process once both have stored it, restarts it and checks the outcome.
 */
async function crashAfterThePlatformsAccepted(options: {
  api: Api;
  admin: { headers: Record<string, string> };
  mastodon: MastodonServer;
  x: XServer;
  kill(): Promise<void>;
  restart(): Promise<void>;
}) {
  const { api, mastodon, x } = options;
  const member = { headers: api.headers };
  const app = await registerMastodonApp({
    fetch,
    instanceUrl: mastodon.url,
    redirectUri: `${api.baseUrl}/api/oauth/callback`,
  });
  await registerPlatformApp(api, {
    workspaceId: api.workspaceId,
    admin: options.admin,
    app: {
      platform: 'mastodon',
      name: 'social.example',
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      scopes: app.scopes,
      baseUrl: mastodon.url,
    },
  });
  await registerPlatformApp(api, {
    workspaceId: api.workspaceId,
    admin: options.admin,
    app: { platform: 'x', name: 'X', clientId: x.clientId, clientSecret: x.clientSecret, baseUrl: x.base },
  });
  const onMastodon = await connectThroughOAuth(api, {
    workspaceId: api.workspaceId,
    member,
    platform: 'mastodon',
  });
  const onX = await connectThroughOAuth(api, { workspaceId: api.workspaceId, member, platform: 'x' });

  const text = 'sent once to each platform despite the crash';
  mastodon.state.afterCommit = 'hold';
  x.knobs.holdAfterCommit = true;
  const created = await fetch(`${api.baseUrl}/api/workspaces/${api.workspaceId}/posts`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      content: text,
      channelIds: [onMastodon.channelId, onX.channelId],
      publishNow: true,
    }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const postId = ((await created.json()) as { id: string }).id;

  const mastodonStatuses = () => [...mastodon.statuses.values()].filter((s) => s.text === text);
  const xPosts = () => [...x.posts.values()].filter((p) => p.text === text);
  await waitFor(async () => mastodonStatuses().length === 1 && xPosts().length === 1, {
    timeoutMs: 60_000,
    what: 'both platforms to store the post',
  });
  // Both platforms have the post; Herald has not heard back, so it has recorded nothing yet.
  const before = await readPost(api, postId);
  expect(before.targets.map((t) => t.status)).toEqual(['publishing', 'publishing']);
  await options.kill();

  mastodon.state.afterCommit = null;
  x.knobs.holdAfterCommit = false;
  mastodon.releaseHeld();
  x.releaseHeld();
  const mastodonRequestsAtKill = mastodon.requests.length;
  const xRequestsAtKill = x.requests.length;
  await options.restart();

  const post = await waitFor(
    async () => {
      const current = await readPost(api, postId);
      return current.targets.every((t) => ['published', 'failed', 'unknown'].includes(t.status))
        ? current
        : undefined;
    },
    { timeoutMs: 90_000, what: 'both targets to settle after the restart' },
  );
  const targetOn = (channelId: string) => post.targets.find((t) => t.channelId === channelId)!;
  const expectReconciled = (target: TargetJson, remoteId: string, remoteUrl: string) => {
    expect(target.status).toBe('published');
    expect(target.remoteId).toBe(remoteId);
    expect(target.remoteUrl).toBe(remoteUrl);
    // The killed run's attempt is closed as unknown; the next run found the post instead of sending it.
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['reconciled', 'unknown']);
    const [first, second] = target.attemptsLog;
    expect(first!.workerId).not.toBe(second!.workerId);
  };

  const [status, ...moreStatuses] = mastodonStatuses();
  expect(moreStatuses).toHaveLength(0);
  expectReconciled(targetOn(onMastodon.channelId), status!.id, `https://social.example/@alice/${status!.id}`);
  expect(
    mastodon.requests.slice(mastodonRequestsAtKill).filter((r) => r.path === '/api/v1/statuses'),
  ).toEqual([]);

  const [xPost, ...moreX] = xPosts();
  expect(moreX).toHaveLength(0);
  expectReconciled(targetOn(onX.channelId), xPost!.id, `https://x.com/heraldtest/status/${xPost!.id}`);
  expect(x.requests.slice(xRequestsAtKill).filter((r) => r === 'POST /2/tweets')).toEqual([]);
  expect(post.status).toBe('published');
}

describe('crash after the platform accepted, with real adapters', () => {
  const servers: { mastodon?: MastodonServer; x?: XServer } = {};
  const running: HeraldProcess[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    if (process.env.TEST_WORKER_LOG_LEVEL) for (const p of running) console.log(p.output());
    await Promise.all(running.map((p) => p.stop()));
    for (const cleanup of cleanups.reverse()) await cleanup();
    await servers.mastodon?.close();
    await servers.x?.close();
  });
  const startServers = async () => {
    servers.mastodon = await startMastodonServer();
    servers.x = await startXServer();
    servers.x.knobs.postsPerWindow = 1000;
    return { mastodon: servers.mastodon, x: servers.x };
  };

  it.skipIf(process.env.TEST_DATABASE_URL)(
    'embedded database: `herald start` killed with -9, started again, records each post once',
    async () => {
      const { mastodon, x } = await startServers();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-real-crash-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const env = {
        HERALD_DATA_DIR: dataDir,
        PORT: String(port),
        HERALD_SECRET_KEY: TEST_SECRET_KEY,
        HERALD_QUEUE_MONITOR_SECONDS: '2',
        HERALD_POLL_SECONDS: '0.5',
        LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
      };
      let current: HeraldProcess;
      const start = async () => {
        current = spawnHerald(['start'], env);
        running.push(current);
        await current.waitForOutput(/Herald is listening/, 60_000);
      };
      await start();

      const setup = await fetch(`${baseUrl}/api/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: 'owner@example.test',
          password: 'a long enough password',
          name: 'Owner',
          workspaceName: 'Real protocol crash',
        }),
      });
      expect(setup.status, await setup.clone().text()).toBe(201);
      const { workspace, csrfToken } = (await setup.json()) as {
        workspace: { id: string };
        csrfToken: string;
      };
      const cookie = setup.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const tokenRes = await fetch(`${baseUrl}/api/tokens`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'real protocol crash test' }),
      });
      expect(tokenRes.status).toBe(201);
      const headers = { authorization: `Bearer ${((await tokenRes.json()) as { token: string }).token}` };

      await crashAfterThePlatformsAccepted({
        api: { baseUrl, workspaceId: workspace.id, headers },
        admin: { headers },
        mastodon,
        x,
        kill: () => current.kill(),
        restart: start,
      });
    },
    CRASH_TIMEOUT_MS,
  );

  it.runIf(process.env.TEST_DATABASE_URL)(
    'PostgreSQL: a `herald worker` killed with -9, another worker records each post once',
    async () => {
      const { mastodon, x } = await startServers();
      // This process serves the API only; the workers are separate processes.
      const herald: TestHerald = await startHerald();
      cleanups.push(() => herald.close());
      await herald.listen();
      const team = await newTeam(herald);
      const workerEnv = {
        DATABASE_URL: herald.config.database.kind === 'postgres' ? herald.config.database.url : '',
        HERALD_SECRET_KEY: TEST_SECRET_KEY,
        PUBLIC_URL: herald.baseUrl,
        HERALD_QUEUE_MONITOR_SECONDS: '2',
        HERALD_POLL_SECONDS: '0.5',
        LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
      };
      let current: HeraldProcess;
      const startWorker = async () => {
        current = spawnHerald(['worker', '--concurrency', '4'], workerEnv);
        running.push(current);
        await current.waitForOutput(/worker .* started/);
      };
      await startWorker();

      await crashAfterThePlatformsAccepted({
        api: { baseUrl: herald.baseUrl, workspaceId: team.workspace.id, headers: team.user.headers },
        admin: team.admin,
        mastodon,
        x,
        kill: () => current.kill(),
        restart: startWorker,
      });
    },
    CRASH_TIMEOUT_MS,
  );
});
