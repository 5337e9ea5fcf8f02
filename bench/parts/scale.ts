/**
 * Part `scale`: the same backlog drained by 1, 2 and 4 `herald worker` processes sharing one
 * PostgreSQL database, each with the bench's worker concurrency.
 */
import { createTargets, makeDue, startBenchHerald, waitForPublished } from '../support/herald.ts';
import { spawnHerald } from '../support/processes.ts';
import { fmt, log, printTable } from '../support/report.ts';
import type { BenchContext } from './context.ts';

type ScaleRow = { workers: number; targets: number; seconds: number; targetsPerSecond: number };

export async function runScale(ctx: BenchContext): Promise<ScaleRow[]> {
  if (!ctx.postgres) {
    log('scale: needs PostgreSQL; skipped');
    return [];
  }
  const total = ctx.env.scaleTargets;
  const herald = await startBenchHerald({
    backend: 'postgres',
    sandboxUrl: ctx.sandboxUrl,
    channels: ctx.channels,
  });
  const rows: ScaleRow[] = [];
  try {
    for (const count of ctx.env.scaleWorkers) {
      const postIds = await createTargets(herald, total);
      const workers = Array.from({ length: count }, () =>
        spawnHerald(['worker', '--concurrency', String(ctx.concurrency)], herald.childEnv),
      );
      try {
        await Promise.all(workers.map((w) => w.waitFor(/worker \S+ started/, 180_000)));
        await makeDue(herald, postIds, { startMs: Date.now(), stepMs: 0 });
        const started = Date.now();
        await waitForPublished(herald, postIds);
        const seconds = (Date.now() - started) / 1000;
        rows.push({ workers: count, targets: total, seconds, targetsPerSecond: total / seconds });
        log(`scale: ${count} worker process(es): ${(total / seconds).toFixed(1)} targets/s`);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
    }
  } finally {
    await herald.close();
  }
  const one = rows[0]?.targetsPerSecond ?? Number.NaN;
  printTable(
    `Worker processes on one PostgreSQL database (each \`herald worker --concurrency ${ctx.concurrency}\`)`,
    [
      ['worker processes', 'targets', 'drain s', 'targets/s', `× ${rows[0]?.workers ?? 1} process`],
      ...rows.map((r) => [
        String(r.workers),
        String(r.targets),
        fmt(r.seconds),
        fmt(r.targetsPerSecond),
        fmt(r.targetsPerSecond / one, 2),
      ]),
    ],
  );
  return rows;
}
