/**
 * `herald restore`: a backup into an empty database (and an empty media folder). The backup's files
 * are checked against its manifest first; the database is migrated to the backup's level, the rows
 * go in with triggers off, and newer migrations are applied after (unless the caller only wants the
 * backup as it was, as verification does).
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, rowsOf } from '../../db/client.ts';
import { migrate, readMigrations } from '../../db/migrate.ts';
import { AppError } from '../../errors.ts';
import { BACKED_UP_SCHEMAS } from './table-data.ts';
import { hashFile, type Manifest, mediaDirOf, readManifest, tableFile } from './manifest.ts';
import { listTables, writeTable } from './table-data.ts';

export type RestoreResult = {
  manifest: Manifest;
  tables: Record<string, number>;
  files: number;
  /** Migrations newer than the backup, applied after its rows went in. */
  newerMigrations: string[];
};

async function* batchesOf(file: string, size = 500): AsyncIterable<string[]> {
  let batch: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line === '') continue;
    batch.push(line);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Refuses a database that already has Herald's (or any) tables in the schemas a restore writes. */
export async function assertEmptyDatabase(handle: DatabaseHandle): Promise<void> {
  const schemas = sql.raw(BACKED_UP_SCHEMAS.map((s) => `'${s}'`).join(', '));
  const [row] = rowsOf<{ n: number }>(
    await handle.db.execute(
      sql`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('r', 'p') and n.nspname in (${schemas})`,
    ),
  );
  if ((row?.n ?? 0) > 0)
    throw new AppError(
      'conflict',
      `the target database is not empty (it has ${row!.n} tables): restore only into an empty database, so nothing in it is overwritten or mixed with the backup`,
    );
}

export async function assertEmptyDir(dir: string, what: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  if (entries.length > 0)
    throw new AppError('conflict', `${what} ${dir} is not empty: restore only into an empty one`);
}

/** Checks every table file and media file of a backup against its manifest; returns the problems. */
export async function checkBackupFiles(dir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const file of manifest.files) {
    const full = path.join(mediaDirOf(dir), file.path);
    const actual = await hashFile(full).catch(() => null);
    if (actual === null) problems.push(`media file ${file.path} is missing`);
    else if (actual !== file.sha256) problems.push(`media file ${file.path} does not match its hash`);
  }
  for (const table of Object.keys(manifest.tables)) {
    const exists = await hashFile(tableFile(dir, table)).then(
      () => true,
      () => false,
    );
    if (!exists) problems.push(`table file for ${table} is missing`);
  }
  return problems;
}

export async function restoreBackup(options: {
  dir: string;
  handle: DatabaseHandle;
  mediaDir: string;
  /** Apply migrations newer than the backup after restoring (default true). */
  applyNewerMigrations?: boolean;
}): Promise<RestoreResult> {
  const manifest = await readManifest(options.dir);
  const known = readMigrations().map((m) => m.tag);
  const level = manifest.migrations.at(-1)!;
  if (!known.includes(level))
    throw new AppError(
      'invalid',
      `the backup was made by a newer Herald (${manifest.heraldVersion}, migration ${level}): upgrade Herald before restoring it`,
    );
  const problems = await checkBackupFiles(options.dir, manifest);
  if (problems.length) throw new AppError('invalid', `the backup is damaged: ${problems.join('; ')}`);
  await assertEmptyDatabase(options.handle);

  await migrate(options.handle.db, { kind: options.handle.kind, upTo: level });
  const tables: Record<string, number> = {};
  await options.handle.db.transaction(async (tx) => {
    for (const table of await listTables(tx)) {
      if (!(table in manifest.tables)) continue;
      tables[table] = await writeTable(tx, table, batchesOf(tableFile(options.dir, table)));
      const expected = manifest.tables[table]!.rows;
      if (tables[table] !== expected)
        throw new AppError(
          'invalid',
          `${table}: the backup holds ${tables[table]} rows, its manifest says ${expected}`,
        );
    }
  });
  const newerMigrations =
    options.applyNewerMigrations === false
      ? []
      : await migrate(options.handle.db, { kind: options.handle.kind });

  for (const file of manifest.files) {
    const target = path.join(options.mediaDir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(mediaDirOf(options.dir), file.path), target);
  }
  return { manifest, tables, files: manifest.files.length, newerMigrations };
}
