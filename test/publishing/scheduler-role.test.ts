/**
 * `herald start --no-workers` serves the API and is the scheduler: it registers the token-refresh
 * sweep and runs it, queueing refreshes for tokens about to expire, while workers elsewhere publish.
 * Needs PostgreSQL (a second process on the same database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { connections } from '../../src/db/schema.ts';
import { queues } from '../../src/queue/boss.ts';
import { newTeam } from '../support/factories.ts';
import { startHerald, TEST_SECRET_KEY, type TestHerald } from '../support/harness.ts';
import { freePort, type HeraldProcess, spawnHerald } from '../support/processes.ts';
import { waitFor } from '../support/publishing.ts';
import { scriptedChannel } from '../support/scripted-platform.ts';

describe.runIf(process.env.TEST_DATABASE_URL)('the scheduler role of `herald start --no-workers`', () => {
  let herald: TestHerald;
  let server: HeraldProcess;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-scheduler-'));

  beforeAll(async () => {
    herald = await startHerald();
  });
  afterAll(async () => {
    await server?.stop();
    await herald?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers and runs the token-refresh sweep without any worker', async () => {
    const team = await newTeam(herald);
    const { connectionId } = await scriptedChannel(herald.deps, team.workspace.id);
    await herald.deps.db
      .update(connections)
      .set({
        refreshToken: herald.deps.secrets.encrypt('refresh-me'),
        tokenExpiresAt: new Date(Date.now() + 5 * 60_000),
      })
      .where(eq(connections.id, connectionId));

    server = spawnHerald(['start', '--no-workers'], {
      DATABASE_URL: (herald.config.database as { url: string }).url,
      HERALD_SECRET_KEY: TEST_SECRET_KEY,
      HERALD_DATA_DIR: dataDir,
      PORT: String(await freePort()),
    });
    await server.waitForOutput(/Herald is listening/);

    // The schedule is registered once start-up recovery is done, just after the API listens.
    await waitFor(
      async () =>
        rowsOf<{ name: string }>(
          await herald.deps.db.execute(
            sql`select name from pgboss.schedule where name = ${queues.refreshSweep}`,
          ),
        ).length === 1,
      { what: 'the refresh sweep to be scheduled' },
    );

    // A sweep falls due (the schedule would send one within the minute); only that process works it.
    await herald.deps.queue.send(queues.refreshSweep, {});
    await waitFor(
      async () =>
        rowsOf<{ n: number }>(
          await herald.deps.db.execute(sql`select count(*)::int as n from pgboss.job
            where name = ${queues.refreshConnection} and data->>'connectionId' = ${connectionId}`),
        )[0]!.n > 0,
      { what: 'the sweep to queue a refresh of the expiring connection' },
    );
    expect(server.child.exitCode).toBeNull();
  });
});
