/**
 * Part `ontime`: does a target start when it falls due?
 *
 * - steady: targets fall due one after another at half the measured capacity for
 *   BENCH_STEADY_SECONDS; lateness (first attempt's start − scheduled time) p50/p99.
 * - backlog: BENCH_BACKLOG_TARGETS targets all past due, their due order unrelated to the order
 *   their jobs were created; counts the pairs that started in the opposite order from the one they
 *   fell due in (a pair is counted when the later-due target started more than 50 ms before the
 *   earlier-due one, so targets fetched in the same batch are not counted against each other).
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/client.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import {
  type BenchHerald,
  batchTimings,
  createTargets,
  makeDue,
  startBenchHerald,
  waitForPublished,
} from '../support/herald.ts';
import { fmt, log, printTable } from '../support/report.ts';
import type { BenchContext } from './context.ts';

const TIE_MS = 50;

async function measureCapacity(herald: BenchHerald, total: number): Promise<number> {
  const postIds = await createTargets(herald, total);
  await makeDue(herald, postIds, { startMs: Date.now(), stepMs: 0 });
  const started = Date.now();
  await waitForPublished(herald, postIds);
  return total / ((Date.now() - started) / 1000);
}

async function inversions(herald: BenchHerald, postIds: string[]) {
  const [row] = rowsOf<{ pairs: number; inverted: number; overtaken: number; targets: number }>(
    await herald.deps.db.execute(sql`
      with s as (
        select t.id, t.scheduled_at as due, min(a.started_at) as started
          from post_targets t join publish_attempts a on a.target_id = t.id
         where t.post_id = any(${`{${postIds.join(',')}}`}::uuid[])
         group by t.id, t.scheduled_at
      ), pairs as (
        select a.id, (b.started < a.started - make_interval(secs => ${TIE_MS / 1000})) as inverted
          from s a join s b on a.due < b.due
      )
      select (select count(*) from s)::int as targets,
             count(*)::int as pairs,
             count(*) filter (where inverted)::int as inverted,
             count(distinct id) filter (where inverted)::int as overtaken
        from pairs`),
  );
  return row!;
}

export async function runOnTime(ctx: BenchContext) {
  if (!ctx.postgres) {
    log('ontime: runs on PostgreSQL; skipped');
    return null;
  }
  const herald = await startBenchHerald({
    backend: 'postgres',
    sandboxUrl: ctx.sandboxUrl,
    channels: ctx.channels,
  });
  try {
    // Workers run throughout: `makeDue` moves a whole batch's jobs in one statement.
    await startWorkers(herald.deps, { concurrency: ctx.concurrency });
    let capacity = ctx.capacity;
    let capacitySource = 'publish part of this run';
    if (!ctx.env.steadyRate && !capacity) {
      capacity = await measureCapacity(herald, 1_000);
      capacitySource = 'a 1,000-target drain in this part';
    }
    const rate = ctx.env.steadyRate || capacity! / 2;
    const seconds = ctx.env.steadySeconds;
    const total = Math.max(1, Math.round(rate * seconds));
    log(`ontime/steady: ${total} targets due at ${rate.toFixed(1)}/s for ${seconds} s`);
    const steadyIds = await createTargets(herald, total);
    await makeDue(herald, steadyIds, { startMs: Date.now() + 3_000, stepMs: 1000 / rate });
    await waitForPublished(herald, steadyIds);
    const steady = await batchTimings(herald, steadyIds);

    const backlog = ctx.env.backlogTargets;
    log(`ontime/backlog: ${backlog} past-due targets, due order shuffled against creation order`);
    const backlogIds = await createTargets(herald, backlog);
    await makeDue(herald, backlogIds, {
      startMs: Date.now() - 60_000,
      stepMs: 20_000 / backlog,
      order: 'shuffled',
    });
    await waitForPublished(herald, backlogIds);
    const inv = await inversions(herald, backlogIds);
    await herald.deps.queue.offWork('publish-target', { wait: true });

    printTable(
      'On time (PostgreSQL, workers in the bench process, poll 0.5 s)',
      [
        [
          'run',
          'targets',
          'due rate /s',
          'lateness p50 s',
          'lateness p99 s',
          'max s',
          'inverted pairs',
          'overtaken targets',
        ],
        [
          'steady',
          String(total),
          fmt(rate),
          fmt(steady.p50, 3),
          fmt(steady.p99, 3),
          fmt(steady.max, 3),
          '',
          '',
        ],
        [
          'backlog',
          String(inv.targets),
          'all due',
          '',
          '',
          '',
          `${inv.inverted} of ${inv.pairs} (${fmt((100 * inv.inverted) / Math.max(1, inv.pairs), 1)}%)`,
          String(inv.overtaken),
        ],
      ],
      [
        `steady: due at half the capacity (${fmt(capacity ?? rate * 2)} targets/s, from ${ctx.env.steadyRate ? 'BENCH_STEADY_RATE' : capacitySource}) for ${seconds} s.`,
        `backlog: a pair is inverted when the later-due target started more than ${TIE_MS} ms before the earlier-due one;`,
        'overtaken: targets that some later-due target started ahead of. Goal: zero.',
      ],
    );
    return { steady, inversions: inv, rate };
  } finally {
    await herald.close();
  }
}
