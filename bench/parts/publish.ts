/**
 * Part `publish`: how fast Herald drains a backlog of due targets, beside pg-boss alone (a no-op
 * handler over as many jobs, fetched with the same settings) in the same run on the same database,
 * and what each published target costs in statements and transactions.
 */
import os from 'node:os';
import type { Job } from 'pg-boss';
import type { Queue } from '../../src/queue/boss.ts';
import { startWorkers, WORKER_BATCH } from '../../src/features/publishing/start-workers.ts';
import { countStatements, statementCount } from '../support/count-statements.ts';
import {
  type Backend,
  batchTimings,
  createTargets,
  makeDue,
  startBenchHerald,
  waitForPublished,
} from '../support/herald.ts';
import { serverTransactions } from '../support/postgres.ts';
import { fmt, log, printTable } from '../support/report.ts';
import type { BenchContext } from './context.ts';

export type PublishRow = {
  backend: Backend;
  targets: number;
  seconds: number;
  targetsPerSecond: number;
  latenessP50: number;
  latenessP99: number;
  noopJobsPerSecond: number;
  statementsPerTarget: number | null;
  beginsPerTarget: number | null;
  serverTransactionsPerTarget: number | null;
};

/** pg-boss alone: `total` no-op jobs, fetched with the same settings as Herald's workers. */
async function measureNoop(queue: Queue, total: number, concurrency: number) {
  const name = 'bench-noop';
  await queue.createQueue(name);
  for (let i = 0; i < total; i += 1000) {
    await queue.insert(
      name,
      Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({ data: { n: i + j } })),
    );
  }
  let done = 0;
  const started = Date.now();
  await new Promise<void>((resolve) => {
    void queue.work(
      name,
      {
        batchSize: Math.min(WORKER_BATCH, concurrency),
        localConcurrency: Math.max(1, Math.ceil(concurrency / WORKER_BATCH)),
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 0.5,
      },
      async (jobs: Job<object>[]) => {
        done += jobs.length;
        if (done >= total) resolve();
      },
    );
  });
  const seconds = (Date.now() - started) / 1000;
  await queue.offWork(name, { wait: true });
  return total / seconds;
}

async function runBackend(ctx: BenchContext, backend: Backend, total: number): Promise<PublishRow> {
  log(`publish/${backend}: ${total} targets across ${ctx.channels} channels, concurrency ${ctx.concurrency}`);
  const herald = await startBenchHerald({ backend, sandboxUrl: ctx.sandboxUrl, channels: ctx.channels });
  try {
    const postIds = await createTargets(herald, total);
    // Everything becomes due at one instant: the drain measures throughput with a full backlog.
    await makeDue(herald, postIds, { startMs: Date.now(), stepMs: 0 });
    log(`publish/${backend}: all targets due; starting workers`);
    const xactsBefore = herald.database ? await serverTransactions(herald.database.name) : 0;
    const before = statementCount();
    const started = Date.now();
    await startWorkers(herald.deps, { concurrency: ctx.concurrency });
    let polls = 0;
    await waitForPublished(herald, postIds, () => (polls += 1));
    const seconds = (Date.now() - started) / 1000;
    const after = statementCount();
    await herald.deps.queue.offWork('publish-target', { wait: true });
    const xactsAfter = herald.database ? await serverTransactions(herald.database.name) : 0;
    const timings = await batchTimings(herald, postIds);
    log(`publish/${backend}: herald ${(total / seconds).toFixed(1)} targets/s; measuring pg-boss no-op`);
    const noop = await measureNoop(herald.deps.queue, total, ctx.concurrency);
    const postgres = backend === 'postgres';
    return {
      backend,
      targets: total,
      seconds,
      targetsPerSecond: total / seconds,
      latenessP50: timings.p50,
      latenessP99: timings.p99,
      noopJobsPerSecond: noop,
      // The drain's own progress polls are the bench's, not Herald's: one statement each.
      statementsPerTarget: postgres ? (after.statements - before.statements - polls) / total : null,
      beginsPerTarget: postgres ? (after.transactions - before.transactions) / total : null,
      serverTransactionsPerTarget: postgres ? (xactsAfter - xactsBefore - polls) / total : null,
    };
  } finally {
    await herald.close();
  }
}

export async function runPublish(ctx: BenchContext): Promise<PublishRow[]> {
  countStatements();
  const rows: PublishRow[] = [];
  if (ctx.postgres) rows.push(await runBackend(ctx, 'postgres', ctx.env.publishTargets));
  if (ctx.pglite) rows.push(await runBackend(ctx, 'pglite', ctx.env.pgliteTargets));
  printTable(
    `Publish throughput (${ctx.channels} sandbox channels served by a separate process, worker concurrency ${ctx.concurrency}, ${os.cpus().length} cores)`,
    [
      [
        'backend',
        'targets',
        'drain s',
        'targets/s',
        'pg-boss no-op jobs/s',
        'herald ÷ no-op',
        'lateness p50 s',
        'lateness p99 s',
        'statements/target',
        'BEGINs/target',
        'server xacts/target',
      ],
      ...rows.map((r) => [
        r.backend,
        String(r.targets),
        fmt(r.seconds),
        fmt(r.targetsPerSecond),
        fmt(r.noopJobsPerSecond),
        fmt(r.targetsPerSecond / r.noopJobsPerSecond, 3),
        fmt(r.latenessP50, 2),
        fmt(r.latenessP99, 2),
        fmt(r.statementsPerTarget),
        fmt(r.beginsPerTarget, 2),
        fmt(r.serverTransactionsPerTarget, 2),
      ]),
    ],
    [
      "statements/target: every query Herald's process sent (its pool and pg-boss's) during the drain, ÷ targets (PostgreSQL only).",
      'BEGINs/target: explicit transactions among them; server xacts/target: pg_stat_database commits + rollbacks of',
      'the bench database (each statement outside a transaction counts as one). Lateness here is in a full backlog.',
    ],
  );
  return rows;
}
