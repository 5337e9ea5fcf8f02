/**
 * The embedded default: `herald start` killed with SIGKILL while the platform holds an accepted post,
 * then started again on the same data dir. The post must be recorded, not sent a second time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../support/harness.ts';
import { freePort, type HeraldProcess, spawnHerald } from '../support/processes.ts';
import { connectSandbox, sandboxFeed, setKnobs, waitFor } from '../support/publishing.ts';

describe.skipIf(process.env.TEST_DATABASE_URL)('crash recovery on the embedded database', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-crash-'));
  const running: HeraldProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes exactly once after a kill -9 in the middle of a publish', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      HERALD_DATA_DIR: dataDir,
      PORT: String(port),
      HERALD_SECRET_KEY: TEST_SECRET_KEY,
      HERALD_QUEUE_MONITOR_SECONDS: '2',
      HERALD_POLL_SECONDS: '0.5',
    };
    const start = async () => {
      const p = spawnHerald(['start'], env);
      running.push(p);
      await p.waitForOutput(/Herald is listening/, 60_000);
      return p;
    };
    const first = await start();

    const setup = await fetch(`${base}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'owner@example.test',
        password: 'a long enough password',
        name: 'Owner',
        workspaceName: 'Crash',
      }),
    });
    expect(setup.status, await setup.clone().text()).toBe(201);
    const { workspace, csrfToken } = (await setup.json()) as { workspace: { id: string }; csrfToken: string };
    const cookie = setup.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const tokenRes = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'crash test' }),
    });
    expect(tokenRes.status).toBe(201);
    const headers = { authorization: `Bearer ${((await tokenRes.json()) as { token: string }).token}` };

    const channel = await connectSandbox(
      { baseUrl: base },
      { workspaceId: workspace.id, member: { headers }, username: 'embedded' },
    );
    await setKnobs({ baseUrl: base }, 'embedded', { latencyAfterCommitMs: 10_000 });
    const created = await fetch(`${base}/api/workspaces/${workspace.id}/posts`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        content: 'sent once despite the crash',
        channelIds: [channel.channelId],
        publishNow: true,
      }),
    });
    expect(created.status).toBe(201);
    const postId = ((await created.json()) as { id: string }).id;

    await waitFor(
      async () => (await sandboxFeed({ baseUrl: base }, 'embedded')).includes('sent once despite the crash'),
      {
        what: 'the sandbox to accept the post',
      },
    );
    await first.kill();

    await start();
    await setKnobs({ baseUrl: base }, 'embedded', { latencyAfterCommitMs: 0 });
    const post = await waitFor(
      async () => {
        const res = await fetch(`${base}/api/workspaces/${workspace.id}/posts/${postId}`, { headers });
        const body = (await res.json()) as {
          status: string;
          targets: { status: string; remoteId: string | null; attemptsLog: { outcome: string }[] }[];
        };
        return body.status === 'published' ? body : undefined;
      },
      { timeoutMs: 60_000, what: 'the post to be published after restart' },
    );
    expect(post.targets[0]!.remoteId).toBeTruthy();
    expect(post.targets[0]!.attemptsLog.map((a) => a.outcome).sort()).toEqual(['reconciled', 'unknown']);
    const feed = await sandboxFeed({ baseUrl: base }, 'embedded');
    expect(feed.split('sent once despite the crash').length - 1).toBe(1);
  });
});
