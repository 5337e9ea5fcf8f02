/**
 * `herald worker` processes riding out the database going away mid-drain, on PostgreSQL: every
 * connection of the database terminated (what a restart does to clients), and an outage during which
 * no connection can be opened at all. The workers must stay up, reconnect, and publish every target
 * exactly once.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, TEST_SECRET_KEY, type TestHerald } from '../support/harness.ts';
import { freePort, type HeraldProcess, spawnHerald } from '../support/processes.ts';
import { type ConnectedChannel, connectSandbox, setKnobs, waitFor } from '../support/publishing.ts';

/**
 * A TCP relay in front of PostgreSQL that can be taken down: while down it refuses connections and
 * has cut every open one, as a database server that stopped would.
 */
async function databaseRelay(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const up = () =>
    new Promise<void>((resolve) => {
      if (server) return resolve();
      server = createServer((client) => {
        const upstream = tcpConnect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await up();
  return { port, up, down };
}

describe.runIf(process.env.TEST_DATABASE_URL)(
  'workers across a database restart and outage (PostgreSQL)',
  () => {
    let herald: TestHerald;
    let team: Team;
    let channels: ConnectedChannel[];
    let relay: Awaited<ReturnType<typeof databaseRelay>>;
    const workers: HeraldProcess[] = [];

    beforeAll(async () => {
      herald = await startHerald();
      await herald.listen();
      team = await newTeam(herald);
      channels = [
        await connectSandbox(herald, {
          workspaceId: team.workspace.id,
          member: team.user,
          username: 'restart_a',
        }),
        await connectSandbox(herald, {
          workspaceId: team.workspace.id,
          member: team.user,
          username: 'restart_b',
        }),
      ];
      const url = new URL((herald.config.database as { url: string }).url);
      relay = await databaseRelay({ host: url.hostname, port: Number(url.port || 5432) });
    });
    afterAll(async () => {
      if (process.env.TEST_WORKER_LOG_LEVEL) for (const w of workers) console.log(w.output());

      await Promise.all(workers.map((w) => w.stop()));
      await herald?.close();
    });

    const databaseName = () => new URL((herald.config.database as { url: string }).url).pathname.slice(1);
    /** Terminates every connection of the test database but the caller's, as a server restart does. */
    const terminateAll = async () => {
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      const result = await admin.query(
        'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [databaseName()],
      );
      await admin.end();
      return result.rows[0].n as number;
    };
    const countBy = async (prefix: string) => {
      const [row] = rowsOf<{ published: number; total: number }>(
        await herald.deps.db
          .execute(sql`select count(*) filter (where t.status = 'published')::int as published,
        count(*)::int as total from post_targets t join posts p on p.id = t.post_id
        where p.content like ${`${prefix}%`}`),
      );
      return row!;
    };

    it('survives its connections being terminated and a database outage, and publishes every target once', async () => {
      for (const c of channels) await setKnobs(herald, c.username, { latencyMs: 150 });
      const workerUrl = new URL((herald.config.database as { url: string }).url);
      workerUrl.hostname = '127.0.0.1';
      workerUrl.port = String(relay.port);
      const env = {
        DATABASE_URL: workerUrl.toString(),
        HERALD_SECRET_KEY: TEST_SECRET_KEY,
        HERALD_SANDBOX_URL: `${herald.baseUrl}/sandbox`,
        PUBLIC_URL: herald.baseUrl,
        HERALD_QUEUE_MONITOR_SECONDS: '2',
        HERALD_POLL_SECONDS: '0.5',
        HERALD_RETRY_BASE_SECONDS: '0.5',
        LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
      };
      for (let i = 0; i < 2; i++) {
        const worker = spawnHerald(['worker', '--concurrency', '4'], env);
        workers.push(worker);
        await worker.waitForOutput(/worker .* started/);
      }

      const total = 40;
      for (let i = 0; i < total / channels.length; i++) {
        const res = await herald.app.inject({
          method: 'POST',
          url: `/api/workspaces/${team.workspace.id}/posts`,
          headers: team.user.headers,
          payload: {
            content: `restart ${i}`,
            channelIds: channels.map((c) => c.channelId),
            publishNow: true,
          },
        });
        expect(res.statusCode, res.body).toBe(201);
      }

      // Mid-drain: a restart's worth of terminated connections, three times over.
      await waitFor(async () => (await countBy('restart')).published >= 4, { what: 'the drain to start' });
      for (let i = 0; i < 3; i++) {
        expect(await terminateAll()).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      // Then an outage: nothing can connect for a while.
      await relay.down();
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      for (const w of workers) expect(w.child.exitCode, w.output()).toBeNull();
      await relay.up();

      await waitFor(async () => (await countBy('restart')).published === total, {
        timeoutMs: 120_000,
        what: 'every target to be published after the restart and the outage',
      });
      for (const w of workers) expect(w.child.exitCode, w.output()).toBeNull();
      const copies = rowsOf<{ n: number }>(
        await herald.deps.db.execute(
          sql`select count(*)::int as n from sandbox.posts where text like 'restart %' group by idempotency_key`,
        ),
      );
      expect(copies).toHaveLength(total);
      expect(copies.every((c) => c.n === 1)).toBe(true);
    }, 240_000);
  },
);
