/**
 * Opens Herald's database: embedded PGlite (default) or a PostgreSQL server through node-postgres.
 * Both are wrapped by Drizzle with the same schema, so use-cases never know which one they have.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { pgliteSettings } from './pglite-settings.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the database or an open transaction. */
export type Queryable = Db | Tx;

export type DatabaseHandle = {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** The raw client, for pg-boss's adapter (PGlite) or pool (PostgreSQL). */
  pglite?: PGlite;
  pool?: pg.Pool;
  close(): Promise<void>;
};

// timestamptz and bigint values come back as strings from node-postgres unless told otherwise;
// Drizzle maps its own columns, but raw `db.execute` rows should look the same on both drivers.
pg.types.setTypeParser(20, (v) => Number(v));

export type OpenOptions =
  | { kind: 'pglite'; dataDir?: string | undefined; loadDataDir?: Blob | undefined }
  | {
      kind: 'postgres';
      url: string;
      poolSize?: number | undefined;
      /** Told about connections the server dropped (a restart, an outage); the pool replaces them. */
      onConnectionError?: ((error: Error) => void) | undefined;
    };

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.kind === 'pglite') {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const client = await PGlite.create({
      ...pgliteSettings,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return { kind: 'pglite', db, pglite: client, close: () => client.close() };
  }
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  const onError = options.onConnectionError ?? (() => {});
  // A connection the server drops (a restart terminates every backend with 57P01, an outage cuts
  // the socket) emits 'error' on its client, and an 'error' event nobody listens to ends the
  // process. The pool listens only while a client is idle; a client checked out for a transaction
  // between two statements had no listener at all. Every client gets one for its whole life: the
  // statement in flight fails (and its caller retries or reports it), the pool discards the client
  // on release (it is no longer queryable), and the next query opens a fresh connection.
  pool.on('connect', (client) => client.on('error', onError));
  pool.on('error', () => {});
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  return { kind: 'postgres', db, pool, close: () => pool.end() };
}

/** Rows of a raw `execute`, the same shape on both drivers. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
