/**
 * `herald backup verify`: a restore test that really restores. The backup goes into a scratch
 * database (an in-memory PGlite, or a temporary database beside the live one on PostgreSQL) at its
 * own migration level, then every table's row count and checksum, read back the way the backup read
 * them, and every media file's hash are compared with the manifest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { withScratchDatabase } from '../../db/scratch-database.ts';
import { AppError } from '../../errors.ts';
import { readManifest } from './manifest.ts';
import { restoreBackup } from './restore-backup.ts';
import { readTables } from './table-data.ts';

export type VerifyResult = {
  ok: boolean;
  dir: string;
  createdAt: string;
  tables: number;
  rows: number;
  files: number;
  problems: string[];
};

export async function verifyBackup(options: {
  dir: string;
  serverUrl: string | null;
}): Promise<VerifyResult> {
  const manifest = await readManifest(options.dir);
  const scratchMedia = await mkdtemp(path.join(os.tmpdir(), 'herald-verify-media-'));
  const problems: string[] = [];
  let rows = 0;
  try {
    await withScratchDatabase(options.serverUrl, async (handle) => {
      try {
        await restoreBackup({
          dir: options.dir,
          handle,
          mediaDir: scratchMedia,
          applyNewerMigrations: false,
        });
      } catch (error) {
        if (error instanceof AppError) {
          problems.push(error.message);
          return;
        }
        throw error;
      }
      const restored = await readTables(handle.db, async () => {});
      for (const [table, expected] of Object.entries(manifest.tables)) {
        const actual = restored[table];
        rows += actual?.rows ?? 0;
        if (!actual) problems.push(`${table} is missing after the restore`);
        else if (actual.rows !== expected.rows)
          problems.push(`${table}: ${actual.rows} rows restored, the manifest says ${expected.rows}`);
        else if (actual.sha256 !== expected.sha256)
          problems.push(`${table}: the restored rows differ from the backed-up ones (checksum mismatch)`);
      }
    });
  } finally {
    await rm(scratchMedia, { recursive: true, force: true });
  }
  return {
    ok: problems.length === 0,
    dir: options.dir,
    createdAt: manifest.createdAt,
    tables: Object.keys(manifest.tables).length,
    rows,
    files: manifest.files.length,
    problems,
  };
}
