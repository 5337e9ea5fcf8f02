#!/usr/bin/env node
/**
 * The `herald` command. Every subcommand uses the same use-cases as the HTTP API.
 */
import module from 'node:module';
import { Command, Option } from 'commander';
import { ConfigError } from '../config.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { AppError } from '../errors.ts';
import { version } from '../http/version.ts';
import { registerAnalyticsCommands } from './commands/analytics.ts';
import { registerDataCommands } from './commands/data.ts';
import { registerDbCommands } from './commands/db.ts';

// Node keeps the compiled code of Herald's modules on disk (in the system's temp dir) and reuses it on
// the next start, which takes compiling off the start-up path. The server is imported below, after this.
module.enableCompileCache?.();

const program = new Command()
  .name('herald')
  .description('Self-hosted social media publishing: schedule once, publish everywhere, exactly once.')
  .version(version);

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
};

program
  .command('start')
  .description('run the API, the scheduler and workers in one process')
  .option('--no-workers', 'serve the API and scheduler only')
  .addOption(new Option('--concurrency <n>', 'publish jobs run at once').argParser(positiveInt))
  // Loaded on demand: the server pulls in the whole app, which data commands don't need.
  .action(async (options: { workers: boolean; concurrency?: number }) =>
    (await import('./run-server.ts')).runStart(options),
  );

program
  .command('worker')
  .description('run publishing workers only (needs DATABASE_URL; run as many as you like)')
  .addOption(new Option('--concurrency <n>', 'publish jobs run at once').argParser(positiveInt))
  .option('--scheduler', 'also run the token-refresh sweep and start-up recovery', false)
  .action(async (options: { concurrency?: number; scheduler: boolean }) =>
    (await import('./run-server.ts')).runWorker(options),
  );

registerDbCommands(program);
registerDataCommands(program);
registerAnalyticsCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof AppError) {
    process.stderr.write(`herald: ${error.message}\n`);
  } else {
    process.stderr.write(`herald: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
