/** Fresh PostgreSQL databases for a bench part, on the server `BENCH_DATABASE_URL` points at. */
import pg from 'pg';

export const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the bench server. */
export function databaseUrl(name: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops and creates `name`; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  await admin(async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  });
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
}

/** Committed and rolled-back transactions of database `name` so far, from the server's statistics. */
export async function serverTransactions(name: string): Promise<number> {
  return admin(async (c) => {
    // Statistics are flushed by each backend when it goes idle (at most once a second): wait them out.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await c.query('select pg_stat_clear_snapshot()');
    const { rows } = await c.query<{ n: string }>(
      'select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = $1',
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/** Whether the bench server answers. */
export async function postgresReachable(): Promise<boolean> {
  return admin(async () => true).catch(() => false);
}
