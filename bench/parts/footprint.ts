/**
 * Part `footprint`: the embedded default as a person runs it. `herald start` on PGlite in a fresh
 * data dir (first start: database created and migrated), then started again on that data dir: time
 * from spawning the process to `GET /api/health` answering, and resident memory after
 * BENCH_IDLE_SECONDS idle. Without the web build (the process is started directly, not through
 * `npm start`). Beside it, in the same run, bare PGlite processes on the same data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, freePort, rssMb, spawnHerald, spawnNode, waitForHealthy } from '../support/processes.ts';
import { fmt, log, printTable } from '../support/report.ts';
import type { BenchContext } from './context.ts';

const BARE = fileURLToPath(new URL('../support/bare-pglite.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Row = { what: string; toReadyMs: number; rss: number };

async function heraldStart(dataDir: string, idleMs: number, what: string): Promise<Row> {
  const port = await freePort();
  const started = Date.now();
  const child = spawnHerald(['start'], { HERALD_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
  try {
    await waitForHealthy(`http://127.0.0.1:${port}/api/health`, 300_000);
    const toReadyMs = Date.now() - started;
    await sleep(idleMs);
    return { what, toReadyMs, rss: rssMb(child.pid) };
  } finally {
    await child.stop();
  }
}

async function barePglite(dataDir: string, mode: 'defaults' | 'herald', idleMs: number): Promise<Row> {
  const started = Date.now();
  const child: Child = spawnNode([BARE, dataDir, mode], {});
  try {
    await child.waitFor(/^ready$/m, 300_000);
    const toReadyMs = Date.now() - started;
    await sleep(idleMs);
    return {
      what: `bare PGlite process (${mode === 'herald' ? "Herald's settings" : "PGlite's defaults"})`,
      toReadyMs,
      rss: rssMb(child.pid),
    };
  } finally {
    await child.stop();
  }
}

export async function runFootprint(ctx: BenchContext): Promise<Row[]> {
  const idleMs = ctx.env.idleSeconds * 1000;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-footprint-'));
  const rows: Row[] = [];
  try {
    log('footprint: herald start on PGlite (first start, fresh data dir)');
    rows.push(await heraldStart(dataDir, idleMs, '`herald start`, first start (creates and migrates)'));
    log('footprint: herald start on PGlite (restart)');
    rows.push(await heraldStart(dataDir, idleMs, '`herald start`, restart'));
    log('footprint: bare PGlite');
    const pgliteDir = path.join(dataDir, 'pglite');
    rows.push(await barePglite(pgliteDir, 'herald', idleMs));
    rows.push(await barePglite(pgliteDir, 'defaults', idleMs));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  printTable(
    `Embedded footprint (PGlite, no web build, RSS after ${ctx.env.idleSeconds} s idle, ${os.cpus().length} cores)`,
    [
      ['process', 'spawn → ready ms', 'idle RSS MB'],
      ...rows.map((r) => [r.what, String(r.toReadyMs), fmt(r.rss, 0)]),
    ],
    [
      'ready: `GET /api/health` answers 200 (Herald), or the first query returned (bare PGlite). Goal: ≤ 3000 ms, ≤ 300 MB.',
    ],
  );
  return rows;
}
