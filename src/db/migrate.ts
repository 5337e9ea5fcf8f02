/**
 * Applies the reviewed SQL migrations in `drizzle/` in the order of drizzle-kit's journal.
 *
 * Each migration runs in its own transaction and is recorded in `herald_migrations` with a hash of its
 * text, so `herald db status` can show what ran and spot a file edited after it was applied. On
 * PostgreSQL a transaction-scoped advisory lock lets many processes start at once safely.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf } from './client.ts';

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');
const MIGRATION_LOCK = 4_242_001;

export type Migration = { tag: string; hash: string; statements: string[] };
export type MigrationStatus = { tag: string; appliedAt: Date | null; changedSinceApplied: boolean };

export function readMigrations(dir = migrationsDir): Migration[] {
  const journal = JSON.parse(readFileSync(path.join(dir, 'meta/_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map(({ tag }) => {
      const text = readFileSync(path.join(dir, `${tag}.sql`), 'utf8');
      return {
        tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    });
}

async function ensureTable(db: Db): Promise<void> {
  await db.execute(sql`create table if not exists herald_migrations (
    tag text primary key,
    hash text not null,
    applied_at timestamptz not null default now()
  )`);
}

async function appliedMigrations(db: Db): Promise<Map<string, { hash: string; appliedAt: Date }>> {
  const rows = rowsOf<{ tag: string; hash: string; applied_at: string | Date }>(
    await db.execute(sql`select tag, hash, applied_at from herald_migrations`),
  );
  return new Map(rows.map((r) => [r.tag, { hash: r.hash, appliedAt: new Date(r.applied_at) }]));
}

/**
 * Applies every migration not yet applied (or those up to and including `upTo`, as a restore does to
 * reach a backup's level first); returns the tags it applied.
 */
export async function migrate(
  db: Db,
  options: { kind: 'pglite' | 'postgres'; upTo?: string },
): Promise<string[]> {
  await ensureTable(db);
  const applied: string[] = [];
  const all = readMigrations();
  const last = options.upTo === undefined ? all.length - 1 : all.findIndex((m) => m.tag === options.upTo);
  if (last < 0) throw new Error(`unknown migration ${options.upTo}`);
  for (const migration of all.slice(0, last + 1)) {
    const done = await db.transaction(async (tx) => {
      if (options.kind === 'postgres') await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      const seen = rowsOf(
        await tx.execute(sql`select 1 from herald_migrations where tag = ${migration.tag}`),
      );
      if (seen.length > 0) return false;
      for (const statement of migration.statements) await tx.execute(sql.raw(statement));
      await tx.execute(
        sql`insert into herald_migrations (tag, hash) values (${migration.tag}, ${migration.hash})`,
      );
      return true;
    });
    if (done) applied.push(migration.tag);
  }
  return applied;
}

export async function migrationStatus(db: Db): Promise<MigrationStatus[]> {
  await ensureTable(db);
  const applied = await appliedMigrations(db);
  return readMigrations().map((m) => {
    const row = applied.get(m.tag);
    return {
      tag: m.tag,
      appliedAt: row?.appliedAt ?? null,
      changedSinceApplied: !!row && row.hash !== m.hash,
    };
  });
}
