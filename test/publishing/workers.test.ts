/**
 * Several `herald worker` processes on one PostgreSQL: a worker killed after the platform accepted
 * a post but before Herald recorded it, and three workers racing for the same queue. In both, every
 * target must reach the platform exactly once.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, TEST_SECRET_KEY, type TestHerald } from '../support/harness.ts';
import { type HeraldProcess, spawnHerald } from '../support/processes.ts';
import { type ConnectedChannel, connectSandbox, setKnobs, waitFor } from '../support/publishing.ts';

describe.runIf(process.env.TEST_DATABASE_URL)('worker processes on PostgreSQL', () => {
  let herald: TestHerald;
  let team: Team;
  let channels: ConnectedChannel[];
  const workers: HeraldProcess[] = [];

  const workerEnv = () => ({
    DATABASE_URL: herald.config.database.kind === 'postgres' ? herald.config.database.url : '',
    HERALD_SECRET_KEY: TEST_SECRET_KEY,
    HERALD_SANDBOX_URL: `${herald.baseUrl}/sandbox`,
    PUBLIC_URL: herald.baseUrl,
    HERALD_QUEUE_MONITOR_SECONDS: '2',
    HERALD_POLL_SECONDS: '0.5',
    HERALD_RETRY_BASE_SECONDS: '0.5',
    LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
  });
  const startWorker = async (concurrency = 4) => {
    const worker = spawnHerald(['worker', '--concurrency', String(concurrency)], workerEnv());
    workers.push(worker);
    await worker.waitForOutput(/worker .* started/);
    return worker;
  };
  const createPosts = async (count: number, prefix: string) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await herald.app.inject({
        method: 'POST',
        url: `/api/workspaces/${team.workspace.id}/posts`,
        headers: team.user.headers,
        payload: {
          content: `${prefix} ${i}`,
          channelIds: channels.map((c) => c.channelId),
          publishNow: true,
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    return ids;
  };
  const sandboxPostsFor = async (prefix: string) =>
    rowsOf<{ idempotency_key: string; n: number }>(
      await herald.deps.db.execute(
        sql`select idempotency_key, count(*)::int as n from sandbox.posts where text like ${`${prefix}%`} group by idempotency_key`,
      ),
    );
  const targetStatuses = async (postIds: string[]) =>
    rowsOf<{ status: string; n: number }>(
      await herald.deps.db.execute(
        sql`select status, count(*)::int as n from post_targets where post_id in ${sql.raw(`('${postIds.join("','")}')`)} group by status`,
      ),
    );

  beforeAll(async () => {
    // This process only serves the API and the sandbox; the workers are separate processes.
    herald = await startHerald();
    await herald.listen();
    team = await newTeam(herald);
    channels = [
      await connectSandbox(herald, {
        workspaceId: team.workspace.id,
        member: team.user,
        username: 'crash_a',
      }),
      await connectSandbox(herald, {
        workspaceId: team.workspace.id,
        member: team.user,
        username: 'crash_b',
      }),
    ];
  });
  afterAll(async () => {
    if (process.env.TEST_WORKER_LOG_LEVEL) for (const w of workers) console.log(w.output());
    await Promise.all(workers.map((w) => w.stop()));
    await herald?.close();
  });

  it('reconciles instead of re-posting when a worker dies after the platform accepted', async () => {
    for (const c of channels) await setKnobs(herald, c.username, { latencyAfterCommitMs: 5000 });
    const postIds = await createPosts(3, 'crash-test');
    const first = await startWorker(8);
    // The sandbox has stored every post and is holding its answers: the platform has accepted.
    await waitFor(async () => (await sandboxPostsFor('crash-test')).length === 6, {
      what: 'the sandbox to accept all six posts',
    });
    await first.kill();
    expect(await targetStatuses(postIds)).toEqual([{ status: 'publishing', n: 6 }]);

    for (const c of channels) await setKnobs(herald, c.username, { latencyAfterCommitMs: 0 });
    await startWorker();
    await waitFor(
      async () => {
        const statuses = await targetStatuses(postIds);
        return statuses.length === 1 && statuses[0]!.status === 'published' && statuses[0]!.n === 6;
      },
      { timeoutMs: 60_000, what: 'all six targets to be published after the crash' },
    );

    const posted = await sandboxPostsFor('crash-test');
    expect(posted).toHaveLength(6);
    expect(posted.every((p) => p.n === 1)).toBe(true);
    const outcomes = rowsOf<{ outcome: string; n: number }>(
      await herald.deps.db.execute(sql`select outcome, count(*)::int as n from publish_attempts a
        join post_targets t on t.id = a.target_id where t.post_id in ${sql.raw(`('${postIds.join("','")}')`)}
        group by outcome order by outcome`),
    );
    // The killed run's rows are closed as unknown; the next run found the posts instead of re-posting.
    expect(outcomes).toEqual([
      { outcome: 'reconciled', n: 6 },
      { outcome: 'unknown', n: 6 },
    ]);
  });

  it('three workers share the queue and never publish a target twice', async () => {
    while (workers.length < 3) await startWorker();
    const postIds = await createPosts(30, 'race-test');
    await waitFor(
      async () => {
        const statuses = await targetStatuses(postIds);
        return statuses.length === 1 && statuses[0]!.status === 'published' && statuses[0]!.n === 60;
      },
      { timeoutMs: 90_000, what: 'all sixty targets to be published' },
    );
    const posted = await sandboxPostsFor('race-test');
    expect(posted).toHaveLength(60);
    expect(posted.every((p) => p.n === 1)).toBe(true);
    const [workersUsed] = rowsOf<{ n: number }>(
      await herald.deps.db.execute(sql`select count(distinct worker_id)::int as n from publish_attempts a
        join post_targets t on t.id = a.target_id where t.post_id in ${sql.raw(`('${postIds.join("','")}')`)}`),
    );
    expect(workersUsed!.n).toBeGreaterThan(1);
  });
});
