/**
 * `herald backup`: one consistent copy of the database (a logical export in one snapshot
 * transaction, on PGlite and PostgreSQL alike, so Herald keeps running and writing meanwhile) and of
 * the stored media, described by a manifest with a row count and checksum per table and a hash per
 * file. The encryption key stays out unless asked for: a backup that holds its own key hands every
 * stored token to whoever holds the backup.
 */
import { appendFile, copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import type { Deps } from '../../deps.ts';
import { version } from '../../http/version.ts';
import { KEY_FILE, listFiles, MANIFEST_FILE, type Manifest, mediaDirOf, tableFile } from './manifest.ts';
import { readTables } from './table-data.ts';

export type BackupResult = { dir: string; manifest: Manifest };

/** Where backups go unless told otherwise. */
export const defaultBackupRoot = (deps: Pick<Deps, 'config'>) =>
  deps.config.backupDir ?? path.join(deps.config.dataDir, 'backups');

const stamp = (at: Date) =>
  at
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');

export async function createBackup(
  deps: Pick<Deps, 'db' | 'database' | 'config' | 'clock' | 'secrets'>,
  options: { to?: string; includeKey?: boolean; secretKey?: string } = {},
): Promise<BackupResult> {
  const root = options.to ?? defaultBackupRoot(deps);
  const createdAt = deps.clock.now();
  const name = `herald-backup-${stamp(createdAt)}`;
  // Written under a temporary name and renamed when complete: a crash never leaves a folder that
  // looks like a finished backup.
  const partial = path.join(root, `.${name}.partial`);
  const dir = path.join(root, name);
  await rm(partial, { recursive: true, force: true });
  await mkdir(path.join(partial, 'tables'), { recursive: true });
  try {
    const migrations = rowsOf<{ tag: string }>(
      await deps.db.execute(sql`select tag from herald_migrations order by tag`),
    ).map((r) => r.tag);
    const tables = await readTables(deps.db, async (table, lines) => {
      await appendFile(tableFile(partial, table), `${lines.join('\n')}\n`);
    });
    for (const table of Object.keys(tables)) await appendFile(tableFile(partial, table), '');

    const mediaRoot = path.join(deps.config.dataDir, 'media');
    const files = await listFiles(mediaRoot);
    for (const file of files) {
      const target = path.join(mediaDirOf(partial), file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(mediaRoot, file.path), target);
    }
    if (options.includeKey) {
      if (!options.secretKey) throw new Error('no key to include');
      await writeFile(path.join(partial, KEY_FILE), options.secretKey, { mode: 0o600 });
    }
    const manifest: Manifest = {
      format: 1,
      heraldVersion: version,
      createdAt: createdAt.toISOString(),
      database: { kind: deps.database.kind, method: 'logical' },
      migrations,
      tables,
      files,
      keyIncluded: !!options.includeKey,
    };
    await writeFile(path.join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(partial, dir);
    return { dir, manifest };
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}
