import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/client.ts';
import { lockDataDir } from '../../db/data-dir-lock.ts';
import { migrate, migrationStatus } from '../../db/migrate.ts';
import { verifySchema } from '../../db/verify-schema.ts';
import { printRows } from '../output.ts';

async function withDatabase<T>(
  run: (handle: Awaited<ReturnType<typeof openDatabase>>, url: string | null) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const release = config.database.kind === 'pglite' ? lockDataDir(config.dataDir) : () => {};
  const handle = await openDatabase(config.database);
  try {
    return await run(handle, config.database.kind === 'postgres' ? config.database.url : null);
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
  db.command('verify')
    .description('compare the live schema with what the migrations define; exit 1 on drift')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withDatabase(async (handle, url) => {
        const differences = await verifySchema(handle, { url });
        if (options.json)
          process.stdout.write(`${JSON.stringify({ ok: differences.length === 0, differences })}\n`);
        else if (differences.length === 0) process.stdout.write('the schema matches the migrations\n');
        else {
          for (const d of differences) {
            process.stdout.write(`${d.change} ${d.kind} ${d.name}\n`);
            if (d.expected !== null)
              process.stdout.write(`  migrations: ${d.expected.replaceAll('\n', '\n    ')}\n`);
            if (d.actual !== null)
              process.stdout.write(`  database:   ${d.actual.replaceAll('\n', '\n    ')}\n`);
          }
          process.stdout.write(
            `${differences.length} difference(s) between the database and the migrations\n`,
          );
        }
        if (differences.length > 0) process.exitCode = 1;
      }),
    );
}
