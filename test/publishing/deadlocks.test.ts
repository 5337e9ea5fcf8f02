/**
 * Lock order under load, on PostgreSQL: many targets of the same post retrying, deferring and
 * publishing at once on several workers, while the API edits, reschedules, cancels and retries the
 * same posts. Every transaction that fires the post roll-up must take the post row in the same order
 * as the others, so the database never has to break a deadlock (and no run is lost to one).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { retryJob } from '../../src/features/jobs/retry-job.ts';
import { cancelTarget } from '../../src/features/posts/cancel-post.ts';
import { retryPost } from '../../src/features/posts/retry-post.ts';
import { updatePost } from '../../src/features/posts/update-post.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { createLog } from '../../src/lib/log.ts';
import { createPlatforms } from '../../src/platforms/registry.ts';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import { type PlatformAdapter, PlatformError } from '../../src/platforms/types.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { waitFor } from '../support/publishing.ts';
import { scriptedChannel, scriptedPlatform } from '../support/scripted-platform.ts';

const POSTS = 20;
const CHANNELS = 10;

/**
 * A platform that makes every target walk the retry and defer paths before it publishes: a 5xx, a
 * rate limit whose reset has already passed, another 5xx, then success. Each answer reports the
 * connection's rate-limit bucket, as real platforms do, so settles also write the shared bucket row.
 */
function churningPlatform(): PlatformAdapter {
  const calls = new Map<string, number>();
  const rateLimit = () => ({
    bucket: 'posts',
    limit: 1000,
    remaining: 900,
    resetAt: new Date(Date.now() + 60_000),
  });
  const base = scriptedPlatform().adapter;
  return {
    ...base,
    async publish(_ctx, _credentials, request) {
      const n = (calls.get(request.idempotencyKey) ?? 0) + 1;
      calls.set(request.idempotencyKey, n);
      if (n === 1 || n === 3)
        throw new PlatformError({ kind: 'transient', message: `HTTP 503 (${n})`, rateLimit: rateLimit() });
      if (n === 2)
        throw new PlatformError({
          kind: 'rate_limited',
          message: 'slow down',
          retryAfter: new Date(Date.now() - 1000),
          rateLimit: { ...rateLimit(), remaining: 0, resetAt: new Date(Date.now() - 1000) },
        });
      return {
        status: 'published',
        remoteId: request.idempotencyKey,
        remoteUrl: null,
        rateLimit: rateLimit(),
      };
    },
    async reconcile() {
      return { status: 'not_found' };
    },
  };
}

describe.runIf(process.env.TEST_DATABASE_URL)('lock order under load (PostgreSQL)', () => {
  let herald: TestHerald;
  let team: Team;
  const channelIds: string[] = [];
  const logged: { level: number; msg: string; err?: { code?: string; message?: string } }[] = [];

  beforeAll(async () => {
    const log = createLog({
      level: 'warn',
      destination: { write: (line: string) => void logged.push(JSON.parse(line)) },
    });
    herald = await startHerald({
      env: { HERALD_RETRY_BASE_SECONDS: '0', HERALD_POLL_SECONDS: '0.5' },
      overrides: {
        log,
        platforms: createPlatforms([sandboxAdapter, { ...churningPlatform(), id: 'scripted' }]),
      },
    });
    team = await newTeam(herald);
    // One connection per channel, as separate accounts would be: settles of one post do not queue
    // behind each other on a shared rate-limit row, so they reach the post row at the same time.
    for (let i = 0; i < CHANNELS; i++) {
      channelIds.push((await scriptedChannel(herald.deps, team.workspace.id)).channelId);
    }
    // Two worker sets in one process, as two `herald worker` processes would run.
    await startWorkers(herald.deps, { concurrency: 12 });
    await startWorkers(herald.deps, { concurrency: 12 });
  });
  afterAll(async () => herald?.close());

  const deadlocks = async () =>
    rowsOf<{ n: number }>(
      await herald.deps.db.execute(
        sql`select deadlocks::int as n from pg_stat_database where datname = current_database()`,
      ),
    )[0]!.n;

  it('targets of one post retrying, deferring and publishing while the API edits them never deadlock', async () => {
    await herald.deps.db.execute(sql`select pg_stat_clear_snapshot()`);
    const before = await deadlocks();
    const postIds: string[] = [];
    for (let i = 0; i < POSTS; i++) {
      const res = await herald.app.inject({
        method: 'POST',
        url: `/api/workspaces/${team.workspace.id}/posts`,
        headers: team.user.headers,
        payload: { content: `churn ${i}`, channelIds, publishNow: true, maxAttempts: 10 },
      });
      expect(res.statusCode, res.body).toBe(201);
      postIds.push(res.json().id);
    }
    const workspaceId = team.workspace.id;

    // The API meanwhile: edits, cancels and retries on the same posts, each call in its own
    // transaction, as fast as they come back. Conflicts (nothing left to edit) are expected.
    let stop = false;
    const apiErrors: unknown[] = [];
    const apiLoop = async (seed: number) => {
      for (let round = 0; !stop; round++) {
        const postId = postIds[(seed + round) % postIds.length]!;
        const targets = rowsOf<{ id: string; status: string }>(
          await herald.deps.db.execute(
            sql`select id, status from post_targets where post_id = ${postId} order by random()`,
          ),
        );
        const pick = targets[0];
        try {
          switch (round % 4) {
            case 0:
              await updatePost(herald.deps, {
                workspaceId,
                postId,
                patch: { content: `churn edited ${round}` },
              });
              break;
            case 1:
              if (pick && round % 8 === 1)
                await cancelTarget(herald.deps, { workspaceId, postId, targetId: pick.id });
              break;
            case 2:
              if (pick) await retryJob(herald.deps, { workspaceId, targetId: pick.id });
              break;
            case 3:
              await retryPost(herald.deps, { workspaceId, postId });
              break;
          }
        } catch (error) {
          if ((error as { code?: string }).code === 'conflict') continue;
          apiErrors.push(error);
        }
      }
    };
    const loops = [apiLoop(0), apiLoop(3), apiLoop(5)];
    await waitFor(
      async () => {
        const [open] = rowsOf<{ n: number }>(
          await herald.deps.db.execute(sql`select count(*)::int as n from post_targets
            where post_id in ${sql.raw(`('${postIds.join("','")}')`)}
              and status not in ('published', 'cancelled', 'failed')`),
        );
        return open!.n === 0;
      },
      { timeoutMs: 120_000, what: 'every target to settle' },
    );
    stop = true;
    await Promise.all(loops);

    const crashed = logged.filter((l) => l.msg === 'publish job crashed');
    const deadlockErrors = [...crashed.map((l) => l.err), ...apiErrors].filter(
      (e) =>
        (e as { code?: string } | undefined)?.code === '40P01' ||
        /deadlock/.test(String((e as Error)?.message)),
    );
    expect(deadlockErrors).toEqual([]);
    expect(apiErrors).toEqual([]);
    expect(crashed).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // statistics are flushed once a second
    await herald.deps.db.execute(sql`select pg_stat_clear_snapshot()`);
    expect(await deadlocks()).toBe(before);

    const [published] = rowsOf<{ n: number }>(
      await herald.deps.db.execute(sql`select count(*)::int as n from post_targets
        where post_id in ${sql.raw(`('${postIds.join("','")}')`)} and status = 'published'`),
    );
    expect(published!.n).toBeGreaterThan(0);
  });
});
