/**
 * Part `api`: the API under data. Seeds BENCH_POSTS posts (default 1,000,000) with
 * BENCH_TARGETS_PER_POST targets each (3) into one workspace on PostgreSQL, starts `herald start
 * --no-workers` on it as its own process, and times BENCH_API_REQUESTS requests per endpoint at
 * BENCH_API_CONCURRENCY at once (50): the month calendar, the posts list filtered by status, the posts
 * list with a full-text `q`, the dashboard stats, and `GET /api/health` as the reference.
 */
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, rowsOf } from '../../src/db/client.ts';
import { createDeps } from '../../src/deps.ts';
import { setupInstance } from '../../src/features/auth/setup-instance.ts';
import { createApiToken } from '../../src/features/tokens/create-api-token.ts';
import { createLog } from '../../src/lib/log.ts';
import { dropDatabase, freshDatabase } from '../support/postgres.ts';
import { BENCH_SECRET_KEY, freePort, spawnHerald, waitForHealthy } from '../support/processes.ts';
import { fmt, log, printTable, quantile } from '../support/report.ts';
import type { BenchContext } from './context.ts';

const DATABASE = 'herald_bench_api';

// Words the seeded posts are written from; a post uses two of the first list (so a word is in ~5%
// of posts) and one of the second (~0.1%).
const COMMON = [
  'launch',
  'update',
  'release',
  'webinar',
  'hiring',
  'sale',
  'event',
  'recap',
  'podcast',
  'tips',
  'story',
  'design',
  'team',
  'roadmap',
  'feature',
  'guide',
  'survey',
  'demo',
  'news',
  'thanks',
  'summer',
  'winter',
  'spring',
  'autumn',
  'coffee',
  'travel',
  'music',
  'photo',
  'video',
  'thread',
  'question',
  'answer',
  'milestone',
  'customer',
  'partner',
  'meetup',
  'workshop',
  'course',
  'deal',
  'offer',
];

/** The seed, in SQL: posts spread over two years up to a month ahead, targets on three channels. */
async function seed(
  url: string,
  options: { workspaceId: string; userId: string; posts: number; perPost: number },
) {
  const handle = await openDatabase({ kind: 'postgres', url, poolSize: 1 });
  const db = handle.db;
  const { workspaceId, userId, posts, perPost } = options;
  try {
    // One connection for the whole seed: triggers and foreign-key checks are off for this session
    // only (the counts the triggers keep are recomputed at the end), so the load is one pass per table.
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`set local synchronous_commit = off`);
      await tx.execute(sql`set local maintenance_work_mem = '256MB'`);
      await tx.execute(sql`
        with c as (
          insert into connections (workspace_id, platform, external_account_id, username, status, health)
          select ${workspaceId}, p, 'bench-' || p, 'bench_' || p, 'active', 'healthy'
            from unnest(array['sandbox','mastodon','bluesky','x','linkedin','threads']) with ordinality as u(p, n)
           where n <= ${perPost}
          returning id, platform
        )
        insert into channels (workspace_id, connection_id, platform, external_id, name)
        select ${workspaceId}, id, platform, 'bench-' || platform, 'Bench ' || platform from c`);
      // Loading into unindexed tables and building the indexes afterwards (one sort each) is several
      // times faster than updating every index row by row; the indexes are exactly the migrated ones.
      const indexes = rowsOf<{ name: string; definition: string }>(
        await tx.execute(sql`select indexname as name, indexdef as definition from pg_indexes
          where schemaname = 'public' and tablename in ('posts', 'post_targets')
            and indexname not in (select conname from pg_constraint)`),
      );
      for (const index of indexes) await tx.execute(sql.raw(`drop index ${index.name}`));
      log(`api: seeding ${posts} posts`);
      const words = `{${COMMON.join(',')}}`;
      await tx.execute(sql`
        insert into posts (workspace_id, author_id, content, status, scheduled_at, published_at, failed_at,
                           target_count, published_count, failed_count, hashtags, created_at, updated_at)
        select ${workspaceId}, ${userId},
               'Post ' || g || ' about ' || (${words}::text[])[k.w1] || ' and '
                 || (${words}::text[])[k.w2] || ' ref' || k.r || ' #' || (${words}::text[])[k.w3],
               s.status,
               case when s.status <> 'draft' then s.due end,
               case when s.status in ('published', 'partially_published') then s.due + interval '2 seconds' end,
               case when s.status in ('failed', 'partially_published') then s.due + interval '2 seconds' end,
               case when s.status = 'cancelled' then 0 else ${perPost} end,
               case s.status when 'published' then ${perPost} when 'partially_published' then ${perPost} - 1 else 0 end,
               case s.status when 'failed' then ${perPost} when 'partially_published' then 1 else 0 end,
               jsonb_build_array((${words}::text[])[k.w3]),
               least(s.due - make_interval(hours => k.back_hours), now() - make_interval(secs => (${posts} - g) * 0.001)),
               s.due
          from generate_series(1, ${posts}) g,
               -- Pseudo-random but repeatable choices per post (bigint: g * 7919 passes 2^31).
               lateral (select ((g::bigint * 7919) % 1000)::int as r,
                               ((g::bigint * 31) % 40)::int + 1 as w1,
                               ((g::bigint * 17 + 7) % 40)::int + 1 as w2,
                               ((g::bigint * 13) % 40)::int + 1 as w3,
                               ((g::bigint * 37) % 336)::int as back_hours) k,
               lateral (select now() - interval '700 days' + make_interval(secs => g * (730.0 * 86400 / ${posts})) as due) d,
               lateral (select d.due, case
                 when d.due > now() then 'scheduled'
                 when k.r < 900 then 'published'
                 when k.r < 930 then 'partially_published'
                 when k.r < 960 then 'failed'
                 when k.r < 975 then 'cancelled'
                 else 'draft' end as status) s`);
      log(`api: seeding ${posts * perPost} targets`);
      await tx.execute(sql`
        insert into post_targets (post_id, workspace_id, channel_id, platform, status, scheduled_at,
                                  next_attempt_at, attempts, idempotency_key, published_at, failed_at,
                                  remote_id, created_at, updated_at)
        select p.id, p.workspace_id, ch.id, ch.platform, t.status, p.scheduled_at,
               case when t.status = 'scheduled' then p.scheduled_at end,
               case when t.status in ('published', 'failed') then 1 else 0 end,
               md5(p.id::text || ch.id::text),
               case when t.status = 'published' then p.published_at end,
               case when t.status = 'failed' then p.failed_at end,
               case when t.status = 'published' then 'r-' || left(md5(p.id::text || ch.id::text), 12) end,
               p.created_at, p.updated_at
          from posts p
          cross join lateral (select row_number() over (order by c.platform) as n, c.* from channels c
                               where c.workspace_id = p.workspace_id) ch,
               lateral (select case
                 when p.status = 'partially_published' and ch.n = 1 then 'failed'
                 when p.status = 'partially_published' then 'published'
                 else p.status end as status) t
         where p.workspace_id = ${workspaceId}`);
      log(`api: building ${indexes.length} indexes`);
      for (const index of indexes) await tx.execute(sql.raw(index.definition));
    });
    // What the triggers would have kept: the dashboard's status counts.
    const [recount] = rowsOf<{ fn: string | null }>(
      await db.execute(sql`select to_regproc('herald_recount_status_counts')::text as fn`),
    );
    if (recount?.fn) await db.execute(sql`select herald_recount_status_counts()`);
    log('api: analyze');
    await db.execute(sql`analyze`);
  } finally {
    await handle.close();
  }
}

type Endpoint = { name: string; path: string };

async function load(base: string, token: string, endpoint: Endpoint, requests: number, concurrency: number) {
  const headers = { authorization: `Bearer ${token}` };
  const latencies: number[] = [];
  let next = 0;
  const worker = async (record: boolean, count: number) => {
    while (next < count) {
      next += 1;
      const started = performance.now();
      const response = await fetch(`${base}${endpoint.path}`, { headers });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${endpoint.name}: HTTP ${response.status}`);
      if (record) latencies.push(performance.now() - started);
    }
  };
  // Warm-up (connections, plans, caches), then the measured requests.
  await Promise.all(Array.from({ length: concurrency }, () => worker(false, Math.min(200, requests))));
  next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, () => worker(true, requests)));
  const seconds = (performance.now() - started) / 1000;
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    perSecond: requests / seconds,
  };
}

export async function runApi(ctx: BenchContext) {
  if (!ctx.postgres) {
    log('api: needs PostgreSQL; skipped');
    return null;
  }
  const { apiPosts: posts, apiTargetsPerPost: perPost, apiRequests, apiConcurrency } = ctx.env;
  const url = await freshDatabase(DATABASE);
  let server: ReturnType<typeof spawnHerald> | null = null;
  try {
    const env = { DATABASE_URL: url, HERALD_SECRET_KEY: BENCH_SECRET_KEY, LOG_LEVEL: 'silent' as const };
    const deps = await createDeps(loadConfig(env), { log: createLog({ level: 'silent' }) });
    const { user, workspace } = await setupInstance(deps, {
      email: 'bench@example.test',
      password: 'benchmark password',
      name: 'Bench',
      workspaceName: 'Bench',
    });
    const { token } = await createApiToken(deps, { userId: user.id, name: 'bench' });
    await deps.close();
    const seedStarted = Date.now();
    await seed(url, { workspaceId: workspace.id, userId: user.id, posts, perPost });
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const counts = await (async () => {
      const handle = await openDatabase({ kind: 'postgres', url, poolSize: 1 });
      try {
        return rowsOf<{ posts: number; targets: number; size: string }>(
          await handle.db.execute(sql`select (select count(*) from posts)::int as posts,
            (select count(*) from post_targets)::int as targets,
            pg_size_pretty(pg_database_size(current_database())) as size`),
        )[0]!;
      } finally {
        await handle.close();
      }
    })();
    log(
      `api: seeded ${counts.posts} posts, ${counts.targets} targets (${counts.size}) in ${seedSeconds.toFixed(0)} s`,
    );

    const port = await freePort();
    server = spawnHerald(['start', '--no-workers'], {
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealthy(`${base}/api/health`, 300_000);
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const ws = `/api/workspaces/${workspace.id}`;
    const endpoints: Endpoint[] = [
      { name: 'GET /api/health (reference)', path: '/api/health' },
      {
        name: 'month calendar (posts?from&to, limit 100)',
        path: `${ws}/posts?from=${monthStart.toISOString()}&to=${monthEnd.toISOString()}&limit=100`,
      },
      { name: 'posts list, status=failed (limit 25)', path: `${ws}/posts?status=failed&limit=25` },
      { name: 'posts list, q=launch (limit 25)', path: `${ws}/posts?q=launch&limit=25` },
      { name: 'dashboard stats', path: `${ws}/stats?tz=Europe%2FParis` },
    ];
    const rows: string[][] = [];
    for (const endpoint of endpoints) {
      try {
        const r = await load(base, token, endpoint, apiRequests, apiConcurrency);
        log(`api: ${endpoint.name}: p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms`);
        rows.push([endpoint.name, fmt(r.p50, 1), fmt(r.p99, 1), fmt(r.perSecond, 0)]);
      } catch (error) {
        log(`api: ${endpoint.name}: ${(error as Error).message}`);
        rows.push([endpoint.name, 'error', 'error', '']);
      }
    }
    printTable(
      `API under data (PostgreSQL; ${counts.posts.toLocaleString('en')} posts, ${counts.targets.toLocaleString('en')} targets in one workspace, ${counts.size}; ${apiConcurrency} concurrent requests, ${apiRequests} per endpoint)`,
      [['request', 'p50 ms', 'p99 ms', 'requests/s'], ...rows],
      [
        `Herald runs as its own process (\`herald start --no-workers\`, default pool); seeded in ${seedSeconds.toFixed(0)} s.`,
        'Goal: calendar p99 ≤ 25 ms, stats p99 ≤ 50 ms.',
      ],
    );
    return rows;
  } finally {
    await server?.stop();
    await dropDatabase(DATABASE);
  }
}
