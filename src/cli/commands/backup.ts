/**
 * `herald backup`, `herald backup verify` and `herald restore`.
 *
 * On the embedded database a running Herald holds the data dir: `herald backup` then says to use the
 * running server (`POST /api/admin/backups`, or the daily schedule), which backs up without stopping.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import { lockDataDir } from '../../db/data-dir-lock.ts';
import { runBackup, runVerify } from '../../features/backups/backup-jobs.ts';
import { KEY_FILE, readManifest } from '../../features/backups/manifest.ts';
import { assertEmptyDatabase, assertEmptyDir, restoreBackup } from '../../features/backups/restore-backup.ts';
import { verifyBackup } from '../../features/backups/verify-backup.ts';
import { withDeps } from '../with-deps.ts';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

function keyOf(config: ReturnType<typeof loadConfig>): string {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new Error('there is no encryption key to include: set HERALD_SECRET_KEY');
}

export function registerBackupCommands(program: Command): void {
  const backup = program
    .command('backup')
    .description('back up the database and stored media (and `backup verify` to test-restore one)')
    .option('--to <dir>', 'folder to write the backup into (default: HERALD_BACKUP_DIR or DATA_DIR/backups)')
    .option('--include-key', 'also put the encryption key in the backup (then guard it like the key itself)')
    .option('--json', 'print JSON')
    .action((options: { to?: string; includeKey?: boolean; json?: boolean }) =>
      withDeps(async (deps) => {
        const result = await runBackup(deps, {
          trigger: 'manual',
          ...(options.to ? { to: path.resolve(options.to) } : {}),
          ...(options.includeKey ? { includeKey: true, secretKey: keyOf(deps.config) } : {}),
        });
        if (options.json) return out(JSON.stringify(result));
        const d = result.details as { tables: number; rows: number; files: number };
        out(`backup written to ${result.path}`);
        out(`  ${d.tables} tables, ${d.rows} rows, ${d.files} media files (logical export in one snapshot)`);
        out(
          options.includeKey
            ? '  the encryption key IS in this backup: whoever holds it can read every stored token'
            : `  the encryption key is NOT in it: keep ${deps.config.secretKey ? 'HERALD_SECRET_KEY' : path.join(deps.config.dataDir, 'secret.key')} safe, apart from the backups; without it stored tokens cannot be read after a restore`,
        );
      }),
    );

  backup
    .command('verify <dir>')
    .description(
      'restore a backup into a scratch database and compare every table and file with its manifest',
    )
    .option('--json', 'print JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const config = loadConfig();
      const full = path.resolve(dir);
      // Recorded (for health and the admin page) when the database can be opened; on a running
      // embedded Herald it can't, and the check runs all the same.
      const result = await withDeps((deps) => runVerify(deps, { trigger: 'manual', dir: full }))
        .then((r) => ({
          ok: r.ok,
          problems: (r.details.problems as string[] | undefined) ?? [],
          recorded: true,
          ...r.details,
        }))
        .catch(async () => ({
          ...(await verifyBackup({
            dir: full,
            serverUrl: config.database.kind === 'postgres' ? config.database.url : null,
          })),
          recorded: false,
        }));
      if (options.json) out(JSON.stringify(result));
      else if (result.ok) out(`backup ${full} verified: restored and matched its manifest`);
      else out(`backup ${full} FAILED verification:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
      if (!result.ok) process.exitCode = 1;
    });

  program
    .command('restore <dir>')
    .description('restore a backup into an empty data dir or an empty database, then apply newer migrations')
    .option('--json', 'print JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const config = loadConfig();
      const full = path.resolve(dir);
      const manifest = await readManifest(full);
      const mediaDir = path.join(config.dataDir, 'media');
      if (config.database.kind === 'pglite')
        await assertEmptyDir(config.database.dataDir, 'the embedded database folder');
      await assertEmptyDir(mediaDir, 'the media folder');
      const release = config.database.kind === 'pglite' ? lockDataDir(config.dataDir) : () => {};
      const handle = await openDatabase(config.database);
      try {
        await assertEmptyDatabase(handle);
        const result = await restoreBackup({ dir: full, handle, mediaDir });
        let key = 'not in the backup: set HERALD_SECRET_KEY to the key the backed-up Herald used';
        if (manifest.keyIncluded && !config.secretKey) {
          await writeFile(
            path.join(config.dataDir, 'secret.key'),
            readFileSync(path.join(full, KEY_FILE), 'utf8'),
            {
              mode: 0o600,
            },
          );
          key = `restored to ${path.join(config.dataDir, 'secret.key')}`;
        } else if (manifest.keyIncluded) key = 'in the backup; HERALD_SECRET_KEY is set and is used instead';
        if (options.json)
          return out(JSON.stringify({ ...result, manifest: undefined, createdAt: manifest.createdAt, key }));
        const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
        out(
          `restored the backup of ${manifest.createdAt} (Herald ${manifest.heraldVersion}, migration ${manifest.migrations.at(-1)})`,
        );
        out(`  ${Object.keys(result.tables).length} tables, ${rows} rows, ${result.files} media files`);
        out(
          result.newerMigrations.length
            ? `  then applied newer migrations: ${result.newerMigrations.join(', ')}`
            : "  the schema is at the backup's level (no newer migrations)",
        );
        out(`  encryption key: ${key}`);
        out('  scheduled posts get their jobs back when Herald starts (start-up recovery)');
      } finally {
        await handle.close();
        release();
      }
    });
}
