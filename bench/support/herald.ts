/**
 * The Herald under test, in the bench's own process (so its statements can be counted), with a
 * workspace, an API token and sandbox channels connected through the real OAuth flow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.ts';
import { type DatabaseHandle, openDatabase, rowsOf } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { setupInstance } from '../../src/features/auth/setup-instance.ts';
import { createPost } from '../../src/features/posts/create-post.ts';
import { postInput } from '../../src/features/posts/posts.schemas.ts';
import { createApiToken } from '../../src/features/tokens/create-api-token.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLog } from '../../src/lib/log.ts';
import { connectSandbox } from '../../test/support/sandbox-oauth.ts';
import { dropDatabase, freshDatabase } from './postgres.ts';
import { BENCH_SECRET_KEY } from './processes.ts';
import { log } from './report.ts';
import { liftRateLimit } from './sandbox-host.ts';

export type Backend = 'postgres' | 'pglite';

/** A uuid[] parameter as PostgreSQL's array literal (the same on both drivers). */
const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

export type BenchHerald = {
  backend: Backend;
  deps: Deps;
  /** The PostgreSQL database's name and URL (null on PGlite). */
  database: { name: string; url: string } | null;
  workspaceId: string;
  userId: string;
  channelIds: string[];
  /** Environment for `herald` child processes that share this database and sandbox. */
  childEnv: Record<string, string>;
  close(): Promise<void>;
};

/** A fresh database with Herald's schema, Herald's deps and API in this process, and `channels` sandbox channels. */
export async function startBenchHerald(options: {
  backend: Backend;
  sandboxUrl: string;
  channels: number;
  databaseName?: string;
}): Promise<BenchHerald> {
  const name = options.databaseName ?? 'herald_bench';
  const url = options.backend === 'postgres' ? await freshDatabase(name) : null;
  const handle: DatabaseHandle = url
    ? await openDatabase({ kind: 'postgres', url, poolSize: 20 })
    : await openDatabase({ kind: 'pglite' });
  await migrate(handle.db, { kind: handle.kind });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-'));
  const baseEnv: Record<string, string> = {
    HERALD_DATA_DIR: dataDir,
    HERALD_SECRET_KEY: BENCH_SECRET_KEY,
    HERALD_SANDBOX_URL: options.sandboxUrl,
    HERALD_POLL_SECONDS: '0.5',
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...(url ? { DATABASE_URL: url } : {}),
  };
  const deps = await createDeps(loadConfig(baseEnv), {
    database: handle,
    skipMigrations: true,
    log: createLog({ level: 'silent' }),
  });
  const app = await buildApp(deps);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  // The OAuth callback must point at the address the API really listens on.
  Object.assign(deps.config, loadConfig({ ...baseEnv, PUBLIC_URL: address }));

  const { user, workspace } = await setupInstance(deps, {
    email: 'bench@example.test',
    password: 'benchmark password',
    name: 'Bench',
    workspaceName: 'Bench',
  });
  const { token } = await createApiToken(deps, { userId: user.id, name: 'bench' });
  const member = { headers: { authorization: `Bearer ${token}` } };
  const channelIds: string[] = [];
  for (let i = 0; i < options.channels; i++) {
    const username = `bench_${i}`;
    const channel = await connectSandbox(
      { baseUrl: address },
      { workspaceId: workspace.id, member, username },
    );
    await liftRateLimit(options.sandboxUrl, username);
    channelIds.push(channel.channelId);
  }
  log(`${options.backend}: connected ${channelIds.length} sandbox channels`);
  return {
    backend: options.backend,
    deps,
    database: url ? { name, url } : null,
    workspaceId: workspace.id,
    userId: user.id,
    channelIds,
    childEnv: {
      HERALD_DATA_DIR: dataDir,
      HERALD_SANDBOX_URL: options.sandboxUrl,
      HERALD_POLL_SECONDS: '0.5',
      ...(url ? { DATABASE_URL: url } : {}),
    },
    async close() {
      await app.close();
      await deps.close();
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (url) await dropDatabase(name);
    },
  };
}

const RUN = Date.now().toString(36);
let postSerial = 0;

/**
 * Creates posts with one target per channel, scheduled a day ahead so nothing runs yet, until there
 * are `total` targets; returns the new posts' ids (a batch that `makeDue` and `drain` work on).
 */
export async function createTargets(herald: BenchHerald, total: number): Promise<string[]> {
  const far = new Date(Date.now() + 24 * 3600_000).toISOString();
  const postIds: string[] = [];
  let created = 0;
  while (created < total) {
    const count = Math.min(herald.channelIds.length, total - created);
    const post = await createPost(herald.deps, {
      workspaceId: herald.workspaceId,
      authorId: herald.userId,
      input: postInput.parse({
        // The sandbox refuses the same text twice in a day from one account, and accounts outlive a
        // batch (and a backend): every post's text is unique in the run.
        content: `benchmark post ${(postSerial += 1)} of run ${RUN}`,
        channelIds: herald.channelIds.slice(0, count),
        scheduledAt: far,
      }),
    });
    postIds.push(post.id);
    created += count;
  }
  return postIds;
}

/**
 * Moves a batch's targets (and their jobs) to new due times: `dueAt(rank)` for each target, ranked by
 * creation order (`created_at`, then id).
 */
export async function makeDue(
  herald: BenchHerald,
  postIds: string[],
  dueAt: { startMs: number; stepMs: number; order?: 'creation' | 'shuffled' },
): Promise<void> {
  const db = herald.deps.db;
  // `shuffled`: due order unrelated to creation order (a fixed pseudo-random permutation), so a job
  // created earlier is often due later.
  const rank =
    dueAt.order === 'shuffled'
      ? sql`row_number() over (order by md5(t.id::text))`
      : sql`row_number() over (order by t.created_at, t.id)`;
  await db.execute(sql`
    with ranked as (
      select t.id, ${rank} - 1 as r from post_targets t where t.post_id = any(${uuidArray(postIds)}::uuid[])
    )
    update post_targets t
       set scheduled_at = to_timestamp((${dueAt.startMs}::float8 + ranked.r * ${dueAt.stepMs}::float8) / 1000),
           next_attempt_at = to_timestamp((${dueAt.startMs}::float8 + ranked.r * ${dueAt.stepMs}::float8) / 1000)
      from ranked where ranked.id = t.id`);
  await db.execute(sql`
    update pgboss.job j set start_after = t.scheduled_at
      from post_targets t
     where j.name = 'publish-target' and j.id = t.job_id and t.post_id = any(${uuidArray(postIds)}::uuid[])`);
}

/** Waits until every target of the batch is published; throws if any ends otherwise. */
export async function waitForPublished(
  herald: BenchHerald,
  postIds: string[],
  onPoll: () => void = () => {},
): Promise<void> {
  for (;;) {
    onPoll();
    const [row] = rowsOf<{ waiting: number; failed: number }>(
      await herald.deps.db.execute(sql`select
          count(*) filter (where status <> 'published')::int as waiting,
          count(*) filter (where status in ('failed', 'unknown', 'waiting_reauth', 'missed'))::int as failed
        from post_targets where post_id = any(${uuidArray(postIds)}::uuid[])`),
    );
    if (row!.failed > 0) {
      const samples = rowsOf<{ status: string; error_code: string | null; error_message: string | null }>(
        await herald.deps.db.execute(sql`select status, error_code, error_message from post_targets
          where post_id = any(${uuidArray(postIds)}::uuid[])
            and status in ('failed', 'unknown', 'waiting_reauth', 'missed') limit 3`),
      );
      throw new Error(
        `${row!.failed} targets did not publish; the benchmark is void: ${JSON.stringify(samples)}`,
      );
    }
    if (row!.waiting === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Lateness (first attempt's start − scheduled time) of a batch, in seconds, and its time span. */
export async function batchTimings(
  herald: BenchHerald,
  postIds: string[],
): Promise<{ p50: number; p99: number; max: number; firstStart: Date; lastFinish: Date }> {
  const [row] = rowsOf<{ p50: number; p99: number; max: number; first_start: string; last_finish: string }>(
    await herald.deps.db.execute(sql`
      with firsts as (
        select t.id, t.scheduled_at, min(a.started_at) as started_at, max(a.finished_at) as finished_at
          from post_targets t join publish_attempts a on a.target_id = t.id
         where t.post_id = any(${uuidArray(postIds)}::uuid[])
         group by t.id, t.scheduled_at
      )
      select percentile_cont(0.5) within group (order by extract(epoch from started_at - scheduled_at)) as p50,
             percentile_cont(0.99) within group (order by extract(epoch from started_at - scheduled_at)) as p99,
             max(extract(epoch from started_at - scheduled_at)) as max,
             min(started_at)::text as first_start, max(finished_at)::text as last_finish
        from firsts`),
  );
  return {
    p50: Number(row!.p50),
    p99: Number(row!.p99),
    max: Number(row!.max),
    firstStart: new Date(row!.first_start),
    lastFinish: new Date(row!.last_finish),
  };
}
