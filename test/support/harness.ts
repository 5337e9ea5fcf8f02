/**
 * Test harness: a real Herald (real database, real queue, real HTTP) on a database of this test
 * file's own, cloned from the migrated template prepared in global-setup.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Config, loadConfig } from '../../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { createDeps, type Deps, type DepsOverrides } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLog } from '../../src/lib/log.ts';

export const TEST_SECRET_KEY = 'test-secret-key-for-herald-tests-only';

/** A fresh database cloned from the template; `drop()` removes it. */
export async function cloneDatabase(): Promise<{
  handle: DatabaseHandle;
  url: string | null;
  drop(): Promise<void>;
}> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (baseUrl) {
    const name = `herald_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`create database ${name} template ${inject('templateDatabase')}`);
    await admin.end();
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 10 });
    return {
      handle,
      url: url.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: baseUrl });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  const snapshot = readFileSync(inject('pgliteSnapshot'));
  const handle = await openDatabase({ kind: 'pglite', loadDataDir: new Blob([snapshot]) });
  return { handle, url: null, drop: async () => {} };
}

export type TestHerald = {
  deps: Deps;
  config: Config;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Base URL once `listen()` has been called. */
  baseUrl: string;
  listen(): Promise<string>;
  close(): Promise<void>;
};

/**
 * Starts Herald for a test. `env` overrides configuration; the sandbox is served by the same app, so
 * call `listen()` before anything that talks to it over HTTP.
 */
export async function startHerald(
  options: { env?: Record<string, string>; overrides?: DepsOverrides } = {},
): Promise<TestHerald> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-test-'));
  const db = await cloneDatabase();
  const env: Record<string, string> = {
    HERALD_DATA_DIR: dataDir,
    HERALD_SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    ...options.env,
  };
  if (db.url) env.DATABASE_URL = db.url;
  let config = loadConfig(env);
  const log = createLog({ level: config.logLevel });
  const deps = await createDeps(config, {
    database: db.handle,
    skipMigrations: true,
    log,
    ...options.overrides,
  });
  const app = await buildApp(deps);
  const herald: TestHerald = {
    deps,
    config,
    app,
    baseUrl: '',
    async listen() {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      herald.baseUrl = address;
      // The sandbox and OAuth callbacks need the real address, known only after listen.
      config = loadConfig({ ...env, PUBLIC_URL: address });
      Object.assign(deps.config, config);
      return address;
    },
    async close() {
      await app.close();
      await deps.close();
      await db.handle.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return herald;
}
