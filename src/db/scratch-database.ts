/** Databases that exist only for one job: building a reference schema, test-restoring a backup. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from './client.ts';

/** A database that exists only for `run`: in-memory PGlite, or a temporary database on the server. */
export async function withScratchDatabase<T>(
  serverUrl: string | null,
  run: (handle: DatabaseHandle) => Promise<T>,
): Promise<T> {
  if (!serverUrl) {
    const handle = await openDatabase({ kind: 'pglite' });
    try {
      return await run(handle);
    } finally {
      await handle.close();
    }
  }
  const name = `herald_scratch_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`).catch((error: Error) => {
      throw new Error(
        `could not create a scratch database beside the live one (${error.message}): Herald's database role needs CREATEDB for this`,
        { cause: error },
      );
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
    try {
      return await run(handle);
    } finally {
      await handle.close();
      await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}
