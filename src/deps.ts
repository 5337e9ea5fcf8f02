/**
 * The composition root: everything with a side effect is built here once and handed to use-cases as
 * `deps`. The server, the worker, the CLI and the tests all call `createDeps`.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Config } from './config.ts';
import { randomToken } from './crypto/hashing.ts';
import { createSecretBox, type SecretBox } from './crypto/secrets.ts';
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, type Db, openDatabase } from './db/client.ts';
import { lockDataDir } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import { isTransientDatabaseError } from './db/transient-error.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { createLog, type Log } from './lib/log.ts';
import { localStorage, type Storage } from './lib/storage.ts';
import { allAdapters } from './platforms/all.ts';
import { createPlatforms, type Platforms } from './platforms/registry.ts';
import type { FetchLike } from './platforms/types.ts';
import { createQueue, ensureQueues, type Queue } from './queue/boss.ts';

export type Deps = {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  queue: Queue;
  platforms: Platforms;
  storage: Storage;
  clock: Clock;
  log: Log;
  secrets: SecretBox;
  fetch: FetchLike;
  /** Identifies this process in attempt logs. */
  workerId: string;
  close(): Promise<void>;
};

export type DepsOverrides = Partial<Pick<Deps, 'clock' | 'log' | 'fetch' | 'platforms'>> & {
  database?: DatabaseHandle;
  /** Skip running migrations (the caller already did). */
  skipMigrations?: boolean;
};

/**
 * Reads the encryption key. On the embedded default a missing key is generated into the data dir
 * (mode 0600) with a warning; a shared PostgreSQL deployment must configure it, or workers on other
 * machines could not read what this one wrote.
 */
function loadSecretKey(config: Config, log: Log): string {
  if (config.secretKey) return config.secretKey;
  if (config.database.kind === 'postgres') {
    throw new Error(
      'HERALD_SECRET_KEY must be set when DATABASE_URL is: every process sharing the database needs the same key',
    );
  }
  const file = path.join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomToken(32), { mode: 0o600 });
    log.warn(
      { file },
      'HERALD_SECRET_KEY is not set; generated a key file in the data dir. Back it up: without it, stored tokens cannot be read.',
    );
  } else {
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8').trim();
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const log = overrides.log ?? createLog({ level: config.logLevel, format: config.logFormat });
  const secrets = createSecretBox(loadSecretKey(config, log), config.oldSecretKeys);
  let releaseLock = () => {};
  let database = overrides.database;
  if (!database) {
    if (config.database.kind === 'pglite') releaseLock = lockDataDir(config.dataDir);
    database = await openDatabase(
      config.database.kind === 'postgres'
        ? {
            ...config.database,
            onConnectionError: reportEvery(log, 'lost a database connection; reconnecting'),
          }
        : config.database,
    );
  }
  try {
    if (database.kind === 'postgres') await waitForDatabase(database.db, log);
    if (!overrides.skipMigrations) {
      const applied = await migrate(database.db, { kind: database.kind });
      if (applied.length) log.info({ applied }, 'applied database migrations');
    }
    const queue = createQueue(database, { monitorSeconds: config.queueMonitorSeconds });
    // While the database is away every poll of every worker fails: say so, without a line per poll.
    queue.on('error', reportEvery(log, 'job queue error (the queue keeps retrying)'));
    await queue.start();
    await ensureQueues(queue);
    const ownsDatabase = !overrides.database;
    const db = database.db;
    return {
      config,
      database,
      db,
      queue,
      platforms: overrides.platforms ?? createPlatforms(allAdapters),
      storage: localStorage(path.join(config.dataDir, 'media')),
      clock: overrides.clock ?? systemClock,
      log,
      secrets,
      fetch: overrides.fetch ?? fetch,
      workerId: `${process.pid}@${hostname()}`,
      async close() {
        await queue.stop({ graceful: true, timeout: 5000, close: true });
        if (ownsDatabase) await database.close();
        releaseLock();
      },
    };
  } catch (error) {
    if (!overrides.database) await database.close().catch(() => {});
    releaseLock();
    throw error;
  }
}

/**
 * Logs database-related errors as they come, but at most one line per interval for a burst of them
 * (a restart fails every connection and every poll at once), with how many were folded in. Only the
 * message and code: pg-boss attaches whole client objects to its errors.
 */
function reportEvery(log: Log, message: string, intervalMs = 10_000) {
  let last = 0;
  let folded = 0;
  return (error: unknown) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      folded++;
      return;
    }
    const { code, message: text } = error as { code?: unknown; message?: unknown };
    log.warn({ code, error: text, alsoSince: folded || undefined }, message);
    last = now;
    folded = 0;
  };
}

/**
 * Waits for a PostgreSQL server that is down or starting (a restart, an outage, all processes
 * started at once), with backoff; anything else (a wrong password, a missing database) is a
 * configuration error and stops the process at once.
 */
async function waitForDatabase(db: Db, log: Log): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.execute(sql`select 1`);
      if (attempt > 1) log.info('the database is reachable');
      return;
    } catch (error) {
      if (!isTransientDatabaseError(error)) throw error;
      const delay = Math.min(10_000, 500 * 2 ** attempt);
      log.warn(
        { err: (error as Error).message, retryInMs: delay },
        'the database is not reachable yet; waiting for it',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
