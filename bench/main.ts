/**
 * `npm run bench`: Herald's speed, every figure beside a reference measured in the same run.
 *
 * Parts (all by default, in this order; pick some with `npm run bench -- --only publish,api`):
 * - `publish`   backlog drain on PostgreSQL and PGlite beside pg-boss's no-op rate; statements and
 *               transactions per published target (bench/parts/publish.ts)
 * - `scale`     1, 2 and 4 `herald worker` processes on one PostgreSQL database (bench/parts/scale.ts)
 * - `ontime`    lateness at half capacity, and order inversions in a backlog (bench/parts/on-time.ts)
 * - `footprint` `herald start` on PGlite: start to healthy, idle RSS, beside bare PGlite
 *               (bench/parts/footprint.ts)
 * - `api`       the API over 1,000,000 posts on PostgreSQL: calendar, lists, stats beside
 *               `GET /api/health` at 50 concurrent requests (bench/parts/api.ts)
 *
 * The sandbox network Herald publishes to is served by a separate process. Environment:
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; scratch databases named
 * herald_bench* are created and dropped there), BENCH_CHANNELS (50), BENCH_CONCURRENCY (16),
 * BENCH_SKIP_PGLITE / BENCH_SKIP_POSTGRES, and the sizes in bench/parts/context.ts.
 */
import { parseArgs } from 'node:util';
import { runApi } from './parts/api.ts';
import { type BenchContext, benchEnv } from './parts/context.ts';
import { runFootprint } from './parts/footprint.ts';
import { runOnTime } from './parts/on-time.ts';
import { runPublish } from './parts/publish.ts';
import { runScale } from './parts/scale.ts';
import { postgresReachable } from './support/postgres.ts';
import { log } from './support/report.ts';
import { startSandboxHost } from './support/sandbox-host.ts';

const PARTS = ['publish', 'scale', 'ontime', 'footprint', 'api'] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const chosen = (values.only ?? PARTS.join(','))
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);
for (const part of chosen) {
  if (!PARTS.includes(part as Part)) {
    process.stderr.write(`unknown bench part "${part}"; parts: ${PARTS.join(', ')}\n`);
    process.exit(2);
  }
}
const wants = (part: Part) => chosen.includes(part);

const env = process.env;
const postgres = !env.BENCH_SKIP_POSTGRES && (await postgresReachable());
if (!postgres && !env.BENCH_SKIP_POSTGRES) log('PostgreSQL is not reachable: PostgreSQL parts are skipped');
const started = Date.now();
const ctx: BenchContext = {
  env: benchEnv(),
  sandboxUrl: '',
  channels: Number(env.BENCH_CHANNELS ?? 50),
  concurrency: Number(env.BENCH_CONCURRENCY ?? 16),
  postgres,
  pglite: !env.BENCH_SKIP_PGLITE,
};

const needsSandbox = wants('publish') || wants('scale') || wants('ontime');
const sandbox = needsSandbox ? await startSandboxHost({ postgres }) : null;
try {
  ctx.sandboxUrl = sandbox?.url ?? '';
  if (wants('publish')) {
    const rows = await runPublish(ctx);
    const pgRow = rows.find((r) => r.backend === 'postgres');
    if (pgRow) ctx.capacity = pgRow.targetsPerSecond;
  }
  if (wants('scale')) await runScale(ctx);
  if (wants('ontime')) await runOnTime(ctx);
  if (wants('footprint')) await runFootprint(ctx);
  if (wants('api')) await runApi(ctx);
} finally {
  await sandbox?.close();
}
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
