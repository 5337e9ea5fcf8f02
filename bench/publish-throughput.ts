/**
 * `npm run bench`: how fast Herald drains a backlog of due targets, beside the job engine's own
 * ceiling measured in the same run on the same database.
 *
 * For each backend (PostgreSQL server, then embedded PGlite) it connects 50 sandbox accounts through
 * the real OAuth flow, creates posts with one target per channel (scheduled far ahead, so nothing
 * runs), makes them all due at one instant, starts the workers and times the drain: targets/s and
 * lateness (attempt start − scheduled time) p50/p99. Then it runs pg-boss alone with a no-op handler
 * over as many jobs, with the same fetch settings, for the reference throughput.
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a database
 * `herald_bench` is created and dropped there), BENCH_TARGETS (20000), BENCH_PGLITE_TARGETS (5000),
 * BENCH_CHANNELS (50), BENCH_CONCURRENCY (16), BENCH_SKIP_PGLITE / BENCH_SKIP_POSTGRES.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { Job } from 'pg-boss';
import { loadConfig } from '../src/config.ts';
import { type DatabaseHandle, openDatabase, rowsOf } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDeps, type Deps } from '../src/deps.ts';
import { setupInstance } from '../src/features/auth/setup-instance.ts';
import { createPost } from '../src/features/posts/create-post.ts';
import { postInput } from '../src/features/posts/posts.schemas.ts';
import { startWorkers, WORKER_BATCH } from '../src/features/publishing/start-workers.ts';
import { createApiToken } from '../src/features/tokens/create-api-token.ts';
import { buildApp } from '../src/http/app.ts';
import { createLog } from '../src/lib/log.ts';
import { connectSandbox } from '../test/support/sandbox-oauth.ts';

const env = process.env;
const CHANNELS = Number(env.BENCH_CHANNELS ?? 50);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 16);
const PG_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

type Row = {
  backend: string;
  targets: number;
  seconds: number;
  targetsPerSecond: number;
  latenessP50: number;
  latenessP99: number;
  noopJobsPerSecond: number;
};

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function freshPostgres(): Promise<{ handle: DatabaseHandle; url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query('drop database if exists herald_bench with (force)');
  await admin.query('create database herald_bench');
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = '/herald_bench';
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 20 });
  return {
    handle,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query('drop database if exists herald_bench with (force)');
      await c.end();
    },
  };
}

async function startHerald(handle: DatabaseHandle, databaseUrl: string | null) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
  await migrate(handle.db, { kind: handle.kind });
  const baseEnv: Record<string, string> = {
    HERALD_DATA_DIR: dataDir,
    HERALD_SECRET_KEY: 'bench-secret-key-not-for-production',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HERALD_POLL_SECONDS: '0.5',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const config = loadConfig(baseEnv);
  const deps = await createDeps(config, {
    database: handle,
    skipMigrations: true,
    log: createLog({ level: 'silent' }),
  });
  const app = await buildApp(deps);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  Object.assign(deps.config, loadConfig({ ...baseEnv, PUBLIC_URL: address }));
  return {
    deps,
    baseUrl: address,
    async close() {
      await app.close();
      await deps.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Publishes `total` due targets and times the drain. */
async function measureHerald(deps: Deps, baseUrl: string, total: number) {
  const { user, workspace } = await setupInstance(deps, {
    email: 'bench@example.test',
    password: 'benchmark password',
    name: 'Bench',
    workspaceName: 'Bench',
  });
  const { token } = await createApiToken(deps, { userId: user.id, name: 'bench' });
  const member = { headers: { authorization: `Bearer ${token}` } };
  const channels = [];
  for (let i = 0; i < CHANNELS; i++) {
    channels.push(
      await connectSandbox({ baseUrl }, { workspaceId: workspace.id, member, username: `bench_${i}` }),
    );
  }
  log(`connected ${channels.length} sandbox channels; creating ${total} targets`);
  const far = new Date(Date.now() + 24 * 3600_000).toISOString();
  const posts = Math.ceil(total / CHANNELS);
  let created = 0;
  for (let p = 0; p < posts; p++) {
    const count = Math.min(CHANNELS, total - created);
    await createPost(deps, {
      workspaceId: workspace.id,
      authorId: user.id,
      input: postInput.parse({
        content: `benchmark post ${p}`,
        channelIds: channels.slice(0, count).map((c) => c.channelId),
        scheduledAt: far,
      }),
    });
    created += count;
    if (p % 50 === 0) log(`  ${created}/${total}`);
  }
  // Everything becomes due at one instant: the drain measures throughput with a full backlog.
  const dueAt = new Date();
  await deps.db.execute(sql`update post_targets set scheduled_at = ${dueAt}, next_attempt_at = ${dueAt}`);
  await deps.db.execute(sql`update pgboss.job set start_after = ${dueAt} where name = 'publish-target'`);
  log('all targets due; starting workers');
  const started = Date.now();
  await startWorkers(deps, { concurrency: CONCURRENCY });
  for (;;) {
    const [row] = rowsOf<{ done: number; failed: number }>(
      await deps.db.execute(sql`select count(*) filter (where status = 'published')::int as done,
        count(*) filter (where status in ('failed','unknown','waiting_reauth'))::int as failed from post_targets`),
    );
    if (row!.failed > 0) throw new Error(`${row!.failed} targets did not publish; the benchmark is void`);
    if (row!.done >= total) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (Date.now() - started) / 1000;
  const [lateness] = rowsOf<{ p50: number; p99: number }>(
    await deps.db.execute(sql`select
      percentile_cont(0.5) within group (order by extract(epoch from a.started_at - t.scheduled_at)) as p50,
      percentile_cont(0.99) within group (order by extract(epoch from a.started_at - t.scheduled_at)) as p99
      from publish_attempts a join post_targets t on t.id = a.target_id where a.outcome = 'published'`),
  );
  await deps.queue.offWork('publish-target', { wait: true });
  return {
    seconds,
    targetsPerSecond: total / seconds,
    latenessP50: Number(lateness!.p50),
    latenessP99: Number(lateness!.p99),
  };
}

/** pg-boss alone: the same number of no-op jobs, fetched with the same settings as Herald's workers. */
async function measureNoop(deps: Deps, total: number): Promise<number> {
  const name = 'bench-noop';
  await deps.queue.createQueue(name);
  for (let i = 0; i < total; i += 1000) {
    await deps.queue.insert(
      name,
      Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ data: { n: i + j } })),
    );
  }
  let done = 0;
  const started = Date.now();
  const finished = new Promise<void>((resolve) => {
    void deps.queue.work(
      name,
      {
        batchSize: Math.min(WORKER_BATCH, CONCURRENCY),
        localConcurrency: Math.max(1, Math.ceil(CONCURRENCY / WORKER_BATCH)),
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 0.5,
      },
      async (jobs: Job<object>[]) => {
        done += jobs.length;
        if (done >= total) resolve();
      },
    );
  });
  await finished;
  const seconds = (Date.now() - started) / 1000;
  await deps.queue.offWork(name, { wait: true });
  return total / seconds;
}

async function run(backend: 'postgres' | 'pglite', total: number): Promise<Row> {
  log(`${backend}: ${total} targets across ${CHANNELS} channels, concurrency ${CONCURRENCY}`);
  const pgDb = backend === 'postgres' ? await freshPostgres() : null;
  const handle = pgDb?.handle ?? (await openDatabase({ kind: 'pglite' }));
  const herald = await startHerald(handle, pgDb?.url ?? null);
  try {
    const result = await measureHerald(herald.deps, herald.baseUrl, total);
    log(`${backend}: herald ${result.targetsPerSecond.toFixed(1)} targets/s; measuring pg-boss no-op`);
    const noop = await measureNoop(herald.deps, total);
    return { backend, targets: total, ...result, noopJobsPerSecond: noop };
  } finally {
    await herald.close();
    await handle.close();
    await pgDb?.drop();
  }
}

const rows: Row[] = [];
if (!env.BENCH_SKIP_POSTGRES) rows.push(await run('postgres', Number(env.BENCH_TARGETS ?? 20_000)));
if (!env.BENCH_SKIP_PGLITE) rows.push(await run('pglite', Number(env.BENCH_PGLITE_TARGETS ?? 5_000)));

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const table = [
  [
    'backend',
    'targets',
    'drain s',
    'targets/s',
    'lateness p50 s',
    'lateness p99 s',
    'pg-boss no-op jobs/s',
    'herald ÷ no-op',
  ],
  ...rows.map((r) => [
    r.backend,
    String(r.targets),
    fmt(r.seconds),
    fmt(r.targetsPerSecond),
    fmt(r.latenessP50, 2),
    fmt(r.latenessP99, 2),
    fmt(r.noopJobsPerSecond),
    fmt(r.targetsPerSecond / r.noopJobsPerSecond, 3),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
console.log(
  `\nHerald publish throughput (${CHANNELS} sandbox channels, worker concurrency ${CONCURRENCY}, ${os.cpus().length} cores)\n`,
);
for (const [i, row] of table.entries()) {
  console.log(
    row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '),
  );
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
process.exit(0);
