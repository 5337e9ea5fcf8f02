/**
 * The `herald` data commands, run as real child processes on an embedded (PGlite) data dir of their
 * own: one command after another, each opening and closing the database as a user's shell would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../support/harness.ts';
import { freePort, type HeraldProcess, spawnHerald } from '../support/processes.ts';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-cli-'));
// No DATABASE_URL, and a cwd without a `.env`: these commands must use the embedded database.
const env = {
  PATH: process.env.PATH ?? '',
  HOME: os.tmpdir(),
  HERALD_DATA_DIR: dataDir,
  HERALD_SECRET_KEY: TEST_SECRET_KEY,
  LOG_LEVEL: 'silent',
};

type Run = { code: number | null; stdout: string; stderr: string };

function herald(args: string[], options: { input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: dataDir,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a command that must succeed and returns its stdout. */
async function ok(args: string[], options: { input?: string } = {}): Promise<string> {
  const run = await herald(args, options);
  expect(run.code, `herald ${args.join(' ')}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

/** Runs a command that must fail with exit code 1 and returns its one error line. */
async function fails(args: string[], options: { input?: string } = {}): Promise<string> {
  const run = await herald(args, options);
  expect(run.code, `herald ${args.join(' ')}\n${run.stdout}`).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).not.toMatch(/\n\s+at /); // a message, never a stack trace
  return run.stderr;
}

const json = async <T>(args: string[], options: { input?: string } = {}) =>
  JSON.parse(await ok([...args, '--json'], options)) as T;

// Each test runs several commands one after another, each a fresh process opening the embedded
// database: on a loaded machine that takes longer than the default test timeout.
describe('herald data commands', { timeout: 180_000 }, () => {
  const running: HeraldProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  let workspace: { id: string; slug: string };

  it('sets up the instance with the password from stdin, once', async () => {
    const setup = await json<{
      user: { email: string; isInstanceAdmin: boolean };
      workspace: { id: string; slug: string; role: string };
    }>(
      [
        'setup',
        '--email',
        'Owner@Example.test',
        '--name',
        'Owner',
        '--workspace',
        'Launch Team',
        '--password-stdin',
      ],
      { input: 'a long enough password\n' },
    );
    expect(setup.user).toMatchObject({ email: 'owner@example.test', isInstanceAdmin: true });
    expect(setup.workspace).toMatchObject({ slug: 'launch-team', role: 'admin' });
    workspace = setup.workspace;

    const again = await fails(
      [
        'setup',
        '--email',
        'other@example.test',
        '--name',
        'Other',
        '--workspace',
        'Second',
        '--password-stdin',
      ],
      { input: 'another long password\n' },
    );
    expect(again).toMatch(/^herald: Herald is already set up/);
  });

  it('validates flags with the API schemas, naming the flag, before opening the database', async () => {
    expect(
      await fails(['user', 'create', '--email', 'not-an-email', '--name', 'X', '--password-stdin']),
    ).toMatch(/^herald: --email: .*email/i);
    expect(await fails(['post', 'list', '--workspace', 'launch-team', '--limit', '500'])).toMatch(
      /^herald: --limit: .*200/,
    );
    expect(await fails(['post', 'show', 'not-a-uuid', '--workspace', 'launch-team'])).toMatch(
      /^herald: <postId>: Invalid UUID/,
    );
  });

  it('creates users and lists them', async () => {
    const short = await fails(
      ['user', 'create', '--email', 'ann@example.test', '--name', 'Ann', '--password-stdin'],
      {
        input: 'short\n',
      },
    );
    expect(short).toMatch(/^herald: password: .*10/);
    const ann = await json<{ email: string; isInstanceAdmin: boolean }>(
      ['user', 'create', '--email', 'ann@example.test', '--name', 'Ann', '--password-stdin'],
      { input: 'anns long password\nignored second line\n' },
    );
    expect(ann).toEqual(expect.objectContaining({ email: 'ann@example.test', isInstanceAdmin: false }));

    const list = await ok(['user', 'list']);
    expect(list.split('\n')[0]).toMatch(/^id\s+email\s+name\s+admin/);
    expect(list).toMatch(/owner@example\.test\s+Owner\s+yes/);
    expect(list).toContain('ann@example.test');
  });

  it('creates, lists and revokes API tokens, showing a token only once', async () => {
    const created = await herald([
      'token',
      'create',
      '--user',
      'ann@example.test',
      '--name',
      'ci',
      '--expires-in-days',
      '30',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as {
      id: string;
      token: string;
      prefix: string;
      expiresAt: string;
    };
    expect(token.token).toMatch(/^hrld_/);
    expect(token.token.startsWith(token.prefix)).toBe(true);
    expect(new Date(token.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(created.stderr).toMatch(/shown only this once/);

    const listed = await json<{ id: string; token?: string; revokedAt: string | null }[]>([
      'token',
      'list',
      '--user',
      'ann@example.test',
    ]);
    expect(listed).toEqual([
      expect.objectContaining({ id: token.id, name: 'ci', prefix: token.prefix, revokedAt: null }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(token.token);

    expect(await json(['token', 'revoke', token.id, '--user', 'ann@example.test'])).toEqual({
      id: token.id,
      revoked: true,
    });
  });

  it('shows every migration as applied', async () => {
    const status = await json<{ migration: string; applied: string }[]>(['db', 'status']);
    expect(status.length).toBeGreaterThan(0);
    for (const m of status) expect(m.applied, m.migration).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('creates a draft without channels; publishing now without channels fails clearly', async () => {
    const draft = await json<{
      id: string;
      status: string;
      content: string;
      authorId: string | null;
      targets: unknown[];
    }>([
      'post',
      'create',
      '--workspace',
      workspace.id,
      '--text',
      'Hello from the CLI #launch',
      '--as',
      'owner@example.test',
    ]);
    expect(draft).toMatchObject({ status: 'draft', content: 'Hello from the CLI #launch', targets: [] });
    expect(draft.authorId).not.toBeNull();

    const now = await fails(['post', 'create', '--workspace', 'launch-team', '--text', 'right now', '--now']);
    expect(now).toBe('herald: --channel (channelIds): pick at least one channel to schedule\n');

    const listed = await ok(['post', 'list', '--workspace', 'launch-team', '--status', 'draft']);
    expect(listed).toMatch(new RegExp(`^${draft.id}\\s+draft\\s+0/0\\s+Hello from the CLI #launch$`, 'm'));

    // A draft has no target waiting to go out.
    expect(await fails(['post', 'cancel', draft.id, '--workspace', 'launch-team'])).toMatch(
      /^herald: nothing to cancel/,
    );
    expect(
      await fails(['post', 'show', '00000000-0000-4000-8000-000000000000', '--workspace', 'launch-team']),
    ).toBe('herald: post not found\n');
  });

  it('lists an empty queue', async () => {
    expect(await ok(['queue', 'list', '--workspace', 'launch-team'])).toBe('(none)\n');
  });

  it('refuses to open the data dir while `herald start` holds it', async () => {
    const server = spawnHerald(['start', '--no-workers'], { ...env, PORT: String(await freePort()) });
    running.push(server);
    await server.waitForOutput(/Herald is listening/, 30_000);
    const locked = await fails(['channel', 'list', '--workspace', 'launch-team']);
    expect(locked).toContain(`in use by another Herald process (pid ${server.child.pid})`);
    expect(locked).toMatch(/cannot run while `herald start` runs on the same data dir/);
    await server.stop();
    // Once it has stopped, the CLI works again.
    expect(await ok(['channel', 'list', '--workspace', 'launch-team'])).toBe('(none)\n');
  });
});
