/**
 * `herald secrets rotate`: values sealed with a retired key are re-sealed with the current one, on a
 * real database. The use-case runs in-process (its `beforeWrite` seam changes rows between a batch's
 * read and its write); the command itself runs as a child process for its output and exit code.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox, type SecretBox } from '../../src/crypto/secrets.ts';
import { type Db, openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import {
  connections,
  oauthStates,
  platformApps,
  tokenHistory,
  users,
  workspaces,
} from '../../src/db/schema.ts';
import { columnLabel, encryptedColumns } from '../../src/features/secrets/encrypted-columns.ts';
import { type RotateSecretsResult, rotateSecrets } from '../../src/features/secrets/rotate-secrets.ts';
import { cloneDatabase, startHerald, TEST_SECRET_KEY, type TestHerald } from '../support/harness.ts';

const OLD_KEY = 'the-old-herald-key-being-retired';
const UNKNOWN_KEY = 'a-key-this-herald-was-never-given';
const oldBox = createSecretBox(OLD_KEY);
const newBox = createSecretBox(TEST_SECRET_KEY);
const unknownBox = createSecretBox(UNKNOWN_KEY);

const keyIdOf = (sealed: string) => sealed.split('.')[1];
const unique = () => randomUUID().slice(0, 8);

/** One stored secret: where it is and what it says. */
type Seeded = { table: string; column: string; id: string; plain: string };

/**
 * A workspace with a platform app, a connect in progress, and `connectionCount` connections with two
 * token-history rows each, every secret sealed by `box`.
 */
async function seedSecrets(db: Db, options: { box: SecretBox; connectionCount: number }): Promise<Seeded[]> {
  const { box } = options;
  const tag = unique();
  const seeded: Seeded[] = [];
  const seal = (table: string, column: string, id: string, plain: string) => {
    seeded.push({ table, column, id, plain });
    return box.encrypt(plain);
  };
  const [workspace] = await db
    .insert(workspaces)
    .values({ name: `Rotation ${tag}`, slug: `rotation-${tag}` })
    .returning();
  const [user] = await db
    .insert(users)
    .values({ email: `rotation-${tag}@example.test`, name: 'Rotation', passwordHash: 'not-a-login' })
    .returning();
  const appId = randomUUID();
  await db.insert(platformApps).values({
    id: appId,
    workspaceId: workspace!.id,
    platform: 'sandbox',
    name: 'Rotation app',
    clientId: `client-${tag}`,
    clientSecret: seal('platform_apps', 'client_secret', appId, `client secret ${tag}`),
  });
  const stateId = `state-${tag}`;
  await db.insert(oauthStates).values({
    id: stateId,
    workspaceId: workspace!.id,
    userId: user!.id,
    platform: 'sandbox',
    platformAppId: appId,
    codeVerifier: seal('oauth_states', 'code_verifier', stateId, `verifier ${tag}`),
    expiresAt: new Date(Date.now() + 600_000),
  });
  for (let i = 0; i < options.connectionCount; i++) {
    const connectionId = randomUUID();
    await db.insert(connections).values({
      id: connectionId,
      workspaceId: workspace!.id,
      platform: 'sandbox',
      platformAppId: appId,
      externalAccountId: `account-${tag}-${i}`,
      accessToken: seal('connections', 'access_token', connectionId, `access ${tag} ${i}`),
      refreshToken: seal('connections', 'refresh_token', connectionId, `refresh ${tag} ${i}`),
    });
    const first = randomUUID();
    const second = randomUUID();
    await db.insert(tokenHistory).values([
      {
        id: first,
        connectionId,
        accessToken: seal('token_history', 'access_token', first, `old access ${tag} ${i}`),
        refreshToken: seal('token_history', 'refresh_token', first, `old refresh ${tag} ${i}`),
        reason: 'connected',
      },
      // Platforms without refresh tokens leave that column empty.
      {
        id: second,
        connectionId,
        accessToken: seal('token_history', 'access_token', second, `older access ${tag} ${i}`),
        refreshToken: null,
        reason: 'refreshed',
      },
    ]);
  }
  return seeded;
}

/** The stored (sealed) value of one seeded secret. */
async function storedValue(db: Db, s: { table: string; column: string; id: string }): Promise<string | null> {
  const column = encryptedColumns.find((c) => {
    const label = columnLabel(c);
    return label.table === s.table && label.column === s.column;
  })!;
  const [row] = await db.select({ value: column.value }).from(column.table).where(eq(column.id, s.id));
  return (row?.value ?? null) as string | null;
}

const storedValues = (db: Db, seeded: Seeded[]) => Promise.all(seeded.map((s) => storedValue(db, s)));

/** Per column, `table.column → count`. */
const countsOf = (result: RotateSecretsResult, field: 'rewritten' | 'current' | 'undecryptable') =>
  Object.fromEntries(result.columns.map((c) => [`${c.table}.${c.column}`, c[field]]));

describe('rotating stored secrets to the current key', () => {
  let herald: TestHerald;
  beforeEach(async () => {
    herald = await startHerald({ env: { HERALD_OLD_SECRET_KEYS: OLD_KEY } });
  });
  afterEach(() => herald.close());

  it('re-seals every encrypted column in batches; dry runs write nothing; a second run changes nothing', async () => {
    const { deps } = herald;
    const seeded = await seedSecrets(deps.db, { box: oldBox, connectionCount: 5 });
    // Values already on the current key are counted, not rewritten.
    const current = await seedSecrets(deps.db, { box: newBox, connectionCount: 1 });
    const before = await storedValues(deps.db, [...seeded, ...current]);
    expect(before.map((v) => keyIdOf(v!))).toEqual([
      ...seeded.map(() => keyIdOf(oldBox.encrypt('x'))),
      ...current.map(() => deps.secrets.currentKeyId),
    ]);

    const dryRun = await rotateSecrets(deps, { dryRun: true, batchSize: 2 });
    expect(dryRun).toMatchObject({ dryRun: true, keyId: deps.secrets.currentKeyId, undecryptable: [] });
    const expected = {
      // No workspace here has an AI key yet: the column is walked and finds nothing.
      'ai_settings.api_key': 0,
      'platform_apps.client_secret': 1,
      'oauth_states.code_verifier': 1,
      'connections.access_token': 5,
      'connections.refresh_token': 5,
      'token_history.access_token': 10,
      'token_history.refresh_token': 5,
    };
    expect(countsOf(dryRun, 'rewritten')).toEqual(expected);
    expect(await storedValues(deps.db, [...seeded, ...current])).toEqual(before);

    const progress: string[] = [];
    const run = await rotateSecrets(deps, {
      batchSize: 2,
      onProgress: (p) => progress.push(`${p.table}.${p.column}:${p.scanned}`),
    });
    expect(countsOf(run, 'rewritten')).toEqual(expected);
    expect(countsOf(run, 'current')).toEqual({
      'ai_settings.api_key': 0,
      'platform_apps.client_secret': 1,
      'oauth_states.code_verifier': 1,
      'connections.access_token': 1,
      'connections.refresh_token': 1,
      'token_history.access_token': 2,
      'token_history.refresh_token': 1,
    });
    expect(run.undecryptable).toEqual([]);
    // Ten token-history access tokens plus two current ones, two rows a batch.
    expect(progress.filter((p) => p.startsWith('token_history.access_token'))).toEqual([
      'token_history.access_token:2',
      'token_history.access_token:4',
      'token_history.access_token:6',
      'token_history.access_token:8',
      'token_history.access_token:10',
      'token_history.access_token:12',
    ]);

    const after = await storedValues(deps.db, [...seeded, ...current]);
    for (const [i, s] of [...seeded, ...current].entries()) {
      expect(keyIdOf(after[i]!), `${s.table}.${s.column}`).toBe(deps.secrets.currentKeyId);
      expect(deps.secrets.decrypt(after[i]!)).toBe(s.plain);
      // The new key alone opens it: the old key can go.
      expect(newBox.decrypt(after[i]!)).toBe(s.plain);
    }
    // Current values were left byte for byte.
    expect(after.slice(seeded.length)).toEqual(before.slice(seeded.length));

    const again = await rotateSecrets(deps, {});
    expect(Object.values(countsOf(again, 'rewritten'))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await storedValues(deps.db, [...seeded, ...current])).toEqual(after);
  });

  it('reports a value no configured key opens, by row and never by value, and leaves it', async () => {
    const { deps } = herald;
    const seeded = await seedSecrets(deps.db, { box: oldBox, connectionCount: 1 });
    // A platform app and a connect in progress sealed with a key this Herald was never given.
    const lost = await seedSecrets(deps.db, { box: unknownBox, connectionCount: 0 });
    const lostBefore = await storedValues(deps.db, lost);
    const unknownKeyId = keyIdOf(unknownBox.encrypt('x'))!;

    const result = await rotateSecrets(deps, {});
    expect(result.undecryptable).toEqual(
      lost.map((l) => ({
        table: l.table,
        column: l.column,
        id: l.id,
        reason: expect.stringContaining(unknownKeyId) as string,
      })),
    );
    expect(countsOf(result, 'undecryptable')).toMatchObject({
      'ai_settings.api_key': 0,
      'platform_apps.client_secret': 1,
      'oauth_states.code_verifier': 1,
      'connections.access_token': 0,
    });
    const printed = JSON.stringify(result);
    for (const [i, l] of lost.entries()) {
      expect(printed).not.toContain(lostBefore[i]!);
      expect(printed).not.toContain(l.plain);
    }
    expect(await storedValues(deps.db, lost)).toEqual(lostBefore);
    // Everything else was still rotated.
    for (const s of seeded) {
      expect(keyIdOf((await storedValue(deps.db, s))!)).toBe(deps.secrets.currentKeyId);
    }
  });

  it('never overwrites a token another process changed between the read and the write', async () => {
    const { deps } = herald;
    const seeded = await seedSecrets(deps.db, { box: oldBox, connectionCount: 3 });
    const accessTokens = seeded.filter((s) => s.table === 'connections' && s.column === 'access_token');
    const [byNewWorker, byOldWorker, untouched] = accessTokens;
    // A worker already on the new key refreshes one connection; one still on the old key, another.
    const refreshedByNew = newBox.encrypt('refreshed by a worker on the new key');
    let writes = 0;
    const result = await rotateSecrets(deps, {
      beforeWrite: async ({ table, column }) => {
        if (table !== 'connections' || column !== 'access_token' || writes++ > 0) return;
        await deps.db
          .update(connections)
          .set({ accessToken: refreshedByNew })
          .where(eq(connections.id, byNewWorker!.id));
        await deps.db
          .update(connections)
          .set({ accessToken: oldBox.encrypt('refreshed by a worker on the old key') })
          .where(eq(connections.id, byOldWorker!.id));
      },
    });
    // The row refreshed on the new key keeps exactly what its worker wrote; the one refreshed on
    // the old key was read again and re-sealed with its refreshed value, never the stale one.
    expect(await storedValue(deps.db, byNewWorker!)).toBe(refreshedByNew);
    const reSealed = (await storedValue(deps.db, byOldWorker!))!;
    expect(keyIdOf(reSealed)).toBe(deps.secrets.currentKeyId);
    expect(deps.secrets.decrypt(reSealed)).toBe('refreshed by a worker on the old key');
    expect(deps.secrets.decrypt((await storedValue(deps.db, untouched!))!)).toBe(untouched!.plain);
    expect(result.columns.find((c) => c.table === 'connections' && c.column === 'access_token')).toEqual({
      table: 'connections',
      column: 'access_token',
      rewritten: 2,
      current: 1,
      undecryptable: 0,
      changing: 0,
    });
  });

  it('gives up on a row that changes before every write, and says so', async () => {
    const { deps } = herald;
    const seeded = await seedSecrets(deps.db, { box: oldBox, connectionCount: 1 });
    const busy = seeded.find((s) => s.table === 'connections' && s.column === 'refresh_token')!;
    let last = '';
    const result = await rotateSecrets(deps, {
      beforeWrite: async ({ table, column }) => {
        if (table !== 'connections' || column !== 'refresh_token') return;
        last = oldBox.encrypt(`refresh token rotated again ${unique()}`);
        await deps.db.update(connections).set({ refreshToken: last }).where(eq(connections.id, busy.id));
      },
    });
    expect(
      result.columns.find((c) => c.column === 'refresh_token' && c.table === 'connections'),
    ).toMatchObject({ rewritten: 0, changing: 1 });
    expect(await storedValue(deps.db, busy)).toBe(last);
  });
});

// ---------------------------------------------------------------------------------------------
// The command, as an operator runs it: its own database (a data dir, or a PostgreSQL database when
// TEST_DATABASE_URL is set), seeded under the old key, then `herald secrets rotate` in a child.

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');

type Run = { code: number | null; stdout: string; stderr: string };

// Runs the command as child processes, each opening the database: slow on a loaded machine.
describe('herald secrets rotate', { timeout: 180_000 }, () => {
  let dataDir: string;
  let databaseUrl: string | null = null;
  let dropDatabase = async () => {};
  let db: { db: Db; close(): Promise<void> } | null = null;

  /** Opens the command's database in this process (PGlite: only while no command runs). */
  async function open(): Promise<Db> {
    if (db) return db.db;
    db = databaseUrl
      ? await openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 })
      : await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
    return db.db;
  }
  async function release() {
    if (databaseUrl) return;
    await db?.close();
    db = null;
  }

  function herald(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli, ...args], {
        cwd: dataDir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: os.tmpdir(),
          HERALD_DATA_DIR: dataDir,
          HERALD_SECRET_KEY: TEST_SECRET_KEY,
          HERALD_OLD_SECRET_KEYS: OLD_KEY,
          LOG_LEVEL: 'silent',
          ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
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
    });
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-rotate-'));
    if (process.env.TEST_DATABASE_URL) {
      const clone = await cloneDatabase();
      databaseUrl = clone.url;
      db = clone.handle;
      dropDatabase = clone.drop;
    } else {
      await migrate(await open(), { kind: 'pglite' });
    }
  });
  afterEach(async () => {
    await db?.close();
    db = null;
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints per column what it did, and exits non-zero while a value needs a key it lacks', async () => {
    const seeded = await seedSecrets(await open(), { box: oldBox, connectionCount: 2 });
    const lost = await seedSecrets(await open(), { box: unknownBox, connectionCount: 0 });
    const lostSealed = await storedValues(await open(), lost);
    await release();

    const dryRun = await herald(['secrets', 'rotate', '--dry-run', '--json']);
    expect(dryRun.code, dryRun.stderr).toBe(1);
    const planned = JSON.parse(dryRun.stdout) as RotateSecretsResult;
    expect(planned).toMatchObject({
      dryRun: true,
      keyId: newBox.currentKeyId,
      undecryptable: lost.map((l) => ({ table: l.table, column: l.column, id: l.id })),
    });
    expect(countsOf(planned, 'rewritten')).toEqual({
      // No workspace here has an AI key yet: the column is walked and finds nothing.
      'ai_settings.api_key': 0,
      'platform_apps.client_secret': 1,
      'oauth_states.code_verifier': 1,
      'connections.access_token': 2,
      'connections.refresh_token': 2,
      'token_history.access_token': 4,
      'token_history.refresh_token': 2,
    });
    expect(dryRun.stderr).toMatch(/^herald: 2 values could not be decrypted/m);

    const run = await herald(['secrets', 'rotate']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^column\s+rewritten\s+current\s+undecryptable\s+changing$/m);
    expect(run.stdout).toMatch(/^connections\.access_token\s+2\s+0\s+0\s+0$/m);
    expect(run.stdout).toMatch(/^token_history\.access_token\s+4\s+0\s+0\s+0$/m);
    expect(run.stdout).toMatch(/^platform_apps\.client_secret\s+1\s+0\s+1\s+0$/m);
    for (const l of lost) {
      expect(run.stdout).toContain(`cannot decrypt ${l.table}.${l.column} of row ${l.id}: no key with id`);
    }
    expect(run.stdout).toContain(`Re-encrypted 12 values with key ${newBox.currentKeyId}.`);
    const secrets = [...lostSealed.map((v) => v!), ...[...lost, ...seeded].map((s) => s.plain)];
    for (const secret of secrets) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }

    const again = await herald(['secrets', 'rotate', '--json']);
    expect(again.code).toBe(1);
    const second = JSON.parse(again.stdout) as RotateSecretsResult;
    expect(Object.values(countsOf(second, 'rewritten'))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(second.undecryptable).toHaveLength(2);

    // Given the key it was sealed with, the last value rotates too and the command succeeds.
    const found = await herald(['secrets', 'rotate', '--json'], {
      HERALD_OLD_SECRET_KEYS: `${OLD_KEY},${UNKNOWN_KEY}`,
    });
    expect(found.code, found.stderr).toBe(0);
    expect(countsOf(JSON.parse(found.stdout) as RotateSecretsResult, 'rewritten')).toMatchObject({
      'ai_settings.api_key': 0,
      'platform_apps.client_secret': 1,
      'oauth_states.code_verifier': 1,
      'connections.access_token': 0,
    });

    const stored = await storedValues(await open(), [...seeded, ...lost]);
    for (const [i, s] of [...seeded, ...lost].entries()) {
      expect(newBox.decrypt(stored[i]!), `${s.table}.${s.column}`).toBe(s.plain);
    }
  });
});
