/**
 * `herald start` (API + scheduler + workers in one process) and `herald worker` (workers only).
 */
import { loadConfig } from '../config.ts';
import { createDeps, type Deps } from '../deps.ts';
import { startScheduler } from '../features/publishing/start-scheduler.ts';
import { startWorkers } from '../features/publishing/start-workers.ts';
import { buildApp } from '../http/app.ts';
import { releaseStartupMemory } from '../lib/release-startup-memory.ts';

function onShutdown(deps: Deps, stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.log.info({ signal }, 'shutting down: finishing running jobs');
    stop()
      .then(() => process.exit(0))
      .catch((error) => {
        deps.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export async function runStart(options: {
  workers: boolean;
  concurrency?: number | undefined;
}): Promise<void> {
  const config = loadConfig();
  const deps = await createDeps(config);
  const app = await buildApp(deps);
  const address = await app.listen({ port: config.port, host: config.host });
  const where =
    config.database.kind === 'pglite'
      ? `embedded PostgreSQL (PGlite) in ${config.database.dataDir}`
      : `PostgreSQL at ${redactUrl(config.database.url)}`;
  deps.log.info({ address, database: config.database.kind, dataDir: config.dataDir }, 'Herald is listening');
  process.stdout.write(
    `\nHerald is listening on ${address}${config.publicUrl !== address ? ` (public URL ${config.publicUrl})` : ''}\n` +
      `  database: ${where}\n  data dir: ${config.dataDir}\n  API docs: ${config.publicUrl}/api/docs\n  sandbox network: ${config.sandboxUrl}/\n\n`,
  );
  // The process that serves the API is the scheduler, whether or not it also runs workers.
  await startScheduler(deps);
  if (options.workers) {
    await startWorkers(deps, { concurrency: options.concurrency ?? config.workerConcurrency });
  }
  onShutdown(deps, async () => {
    await app.close();
    await deps.close();
  });
  releaseStartupMemory();
}

export async function runWorker(options: {
  concurrency?: number | undefined;
  scheduler: boolean;
}): Promise<void> {
  const config = loadConfig();
  if (config.database.kind === 'pglite') {
    throw new Error(
      'herald worker needs DATABASE_URL: the embedded database belongs to one process, and `herald start` already runs workers in it',
    );
  }
  const deps = await createDeps(config);
  const concurrency = options.concurrency ?? config.workerConcurrency;
  if (options.scheduler) await startScheduler(deps);
  await startWorkers(deps, { concurrency });
  deps.log.info({ concurrency, workerId: deps.workerId }, 'worker started');
  process.stdout.write(`Herald worker ${deps.workerId} started with concurrency ${concurrency}\n`);
  onShutdown(deps, () => deps.close());
  releaseStartupMemory();
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
