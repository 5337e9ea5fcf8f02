import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import { lockDataDir } from '../../db/data-dir-lock.ts';
import { migrate, migrationStatus } from '../../db/migrate.ts';
import { printRows } from '../output.ts';

async function withDatabase<T>(
  run: (handle: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const release = config.database.kind === 'pglite' ? lockDataDir(config.dataDir) : () => {};
  const handle = await openDatabase(config.database);
  try {
    return await run(handle);
  } finally {
    await handle.close();
    release();
  }
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('database migrations');
  db.command('migrate')
    .description('apply pending migrations')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withDatabase(async (handle) => {
        const applied = await migrate(handle.db, { kind: handle.kind });
        if (options.json) process.stdout.write(`${JSON.stringify({ applied })}\n`);
        else
          process.stdout.write(
            applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
          );
      }),
    );
  db.command('status')
    .description('list migrations and whether each is applied')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withDatabase(async (handle) => {
        const rows = (await migrationStatus(handle.db)).map((m) => ({
          migration: m.tag,
          applied: m.appliedAt ? m.appliedAt.toISOString() : 'pending',
          note: m.changedSinceApplied ? 'file changed since it was applied' : '',
        }));
        printRows(rows, options);
      }),
    );
}
