/**
 * Prepares one migrated database that every test file clones: a PostgreSQL template database when
 * TEST_DATABASE_URL is set, otherwise a PGlite data-dir snapshot. Cloning is much faster than
 * migrating per file, and each file still gets a database of its own.
 */
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createQueue, ensureQueues } from '../../src/queue/boss.ts';

/**
 * One template per test run: runs sharing a server (two checkouts, CI jobs on one database) must not
 * drop or clone each other's template mid-run.
 */
export const TEMPLATE_DB = `herald_test_template_${process.pid}`;

async function prepare(handle: Awaited<ReturnType<typeof openDatabase>>) {
  await migrate(handle.db, { kind: handle.kind });
  const boss = createQueue(handle);
  boss.on('error', () => {});
  await boss.start();
  await ensureQueues(boss);
  await boss.stop({ graceful: false, close: handle.kind === 'postgres' });
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.query(`create database ${TEMPLATE_DB}`);
    await admin.end();
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${TEMPLATE_DB}`;
    const handle = await openDatabase({ kind: 'postgres', url: templateUrl.toString(), poolSize: 2 });
    await prepare(handle);
    await handle.close();
    project.provide('templateDatabase', TEMPLATE_DB);
    project.provide('pgliteSnapshot', '');
    return async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
      await c.end();
    };
  } else {
    const handle = await openDatabase({ kind: 'pglite' });
    await prepare(handle);
    const dump = await handle.pglite!.dumpDataDir('none');
    const file = path.join(os.tmpdir(), `herald-test-snapshot-${process.pid}.tar`);
    await writeFile(file, Buffer.from(await dump.arrayBuffer()));
    await handle.close();
    project.provide('pgliteSnapshot', file);
    project.provide('templateDatabase', '');
    // Removed when the run ends, so runs don't leave snapshots behind in the temp dir.
    return () => rm(file, { force: true });
  }
  return undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    pgliteSnapshot: string;
  }
}
