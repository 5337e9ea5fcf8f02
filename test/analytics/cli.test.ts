/**
 * `herald track|check|list|analytics --json` as real child processes, beside a running Herald that
 * serves the sandbox. They share one database, so this needs PostgreSQL (the embedded database
 * belongs to one process); without TEST_DATABASE_URL the suite is skipped.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxAccounts, sandboxPosts } from '../../src/db/schema.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, TEST_SECRET_KEY, type TestHerald } from '../support/harness.ts';
import { type ConnectedChannel, connectSandbox, publishNow, waitForTarget } from '../support/publishing.ts';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');
const onPostgres = !!process.env.TEST_DATABASE_URL;
if (!onPostgres) console.warn('analytics CLI tests skipped: they need TEST_DATABASE_URL (PostgreSQL)');

describe.skipIf(!onPostgres)('herald analytics commands', { timeout: 180_000 }, () => {
  let herald: TestHerald;
  let team: Team;
  let channel: ConnectedChannel;
  let postId: string;

  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const config = herald.deps.config.database as { url: string };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli, ...args], {
        cwd: os.tmpdir(),
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: config.url,
          HERALD_SECRET_KEY: TEST_SECRET_KEY,
          LOG_LEVEL: 'silent',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  async function json<T>(args: string[]): Promise<T> {
    const result = await run([...args, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  }

  beforeAll(async () => {
    herald = await startHerald();
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 2 });
    team = await newTeam(herald);
    channel = await connectSandbox(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      username: `cli${Date.now() % 100000}`,
    });
    postId = await publishNow(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      channelId: channel.channelId,
      content: 'tracked from the CLI',
    });
    await waitForTarget(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      postId,
      statuses: ['published'],
    });
  });
  afterAll(async () => herald?.close());

  it('lists, checks and shows tracked posts, and tracks one by URL', async () => {
    const ws = team.workspace.id;
    const listed = await json<{ id: string; postId: string; nextCheckAt: string }[]>([
      'list',
      '--workspace',
      ws,
    ]);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.postId).toBe(postId);

    // Nothing is due an hour before the first check; --all takes a snapshot of everything anyway.
    expect(await json<unknown[]>(['check', '--workspace', ws])).toEqual([]);
    const checked = await json<{ trackedPostId: string; status: string }[]>([
      'check',
      '--all',
      '--workspace',
      ws,
    ]);
    expect(checked).toEqual([expect.objectContaining({ trackedPostId: listed[0]!.id, status: 'snapshot' })]);

    const shown = await json<{ tracked: { snapshots: { kind: string; impressions: number }[] }[] }>([
      'analytics',
      postId,
      '--workspace',
      ws,
    ]);
    expect(shown.tracked[0]!.snapshots).toHaveLength(1);
    expect(shown.tracked[0]!.snapshots[0]!.kind).toBe('manual');

    const [account] = await herald.deps.db
      .select()
      .from(sandboxAccounts)
      .where(eq(sandboxAccounts.username, channel.username));
    const [outside] = await herald.deps.db
      .insert(sandboxPosts)
      .values({ accountId: account!.id, text: 'made elsewhere' })
      .returning();
    const tracked = await json<{ trackedPostId: string; remoteId: string }>([
      'track',
      `${herald.baseUrl}/sandbox/@${channel.username}/posts/${outside!.id}`,
      '--workspace',
      ws,
    ]);
    expect(tracked.remoteId).toBe(outside!.id);
    expect(await json<unknown[]>(['list', '--workspace', ws])).toHaveLength(2);

    const refused = await run(['track', 'https://example.com/x', '--workspace', ws]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^herald: url: /);
  });
});
