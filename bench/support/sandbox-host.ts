/**
 * The sandbox network served by its own process: a second Herald (`herald start --no-workers`) on its
 * own database, so the Herald under test spends its CPU on publishing, not on being the platform.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, freshDatabase } from './postgres.ts';
import { type Child, freePort, spawnHerald, waitForHealthy } from './processes.ts';
import { log } from './report.ts';

export type SandboxHost = { url: string; child: Child; close(): Promise<void> };

const DATABASE = 'herald_bench_sandbox';

/** Starts the sandbox host on PostgreSQL when `postgres` is true, else on PGlite in a scratch dir. */
export async function startSandboxHost(options: { postgres: boolean }): Promise<SandboxHost> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-sandbox-'));
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    HERALD_DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
  };
  if (options.postgres) env.DATABASE_URL = await freshDatabase(DATABASE);
  const child = spawnHerald(['start', '--no-workers'], env);
  const base = `http://127.0.0.1:${port}`;
  await waitForHealthy(`${base}/api/health`, 180_000);
  log(`sandbox served by its own process (pid ${child.pid}) at ${base}/sandbox`);
  return {
    url: `${base}/sandbox`,
    child,
    async close() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (options.postgres) await dropDatabase(DATABASE);
    },
  };
}

/** Lifts an account's posting limit so the bench measures Herald, not the sandbox's rate limit. */
export async function liftRateLimit(sandboxUrl: string, username: string): Promise<void> {
  const response = await fetch(`${sandboxUrl}/admin/accounts/${encodeURIComponent(username)}/knobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rateLimit: { limit: 100_000_000, windowSeconds: 60 } }),
  });
  if (!response.ok) throw new Error(`sandbox knobs: HTTP ${response.status} ${await response.text()}`);
}
