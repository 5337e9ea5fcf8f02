/**
 * Start-up recovery (targets that came due while Herald was down, jobs that went missing) and token
 * refresh (the scheduled sweep, and two callers refreshing one connection at once against a platform
 * that revokes everything when a rotated refresh token is reused).
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { connections, postTargets } from '../../src/db/schema.ts';
import {
  connectionsDueForRefresh,
  refreshConnection,
} from '../../src/features/connections/refresh-connection.ts';
import { recoverOnStart } from '../../src/features/publishing/recover-on-start.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { type ConnectedChannel, connectSandbox } from '../support/publishing.ts';

describe('recovery at start and token refresh', () => {
  let herald: TestHerald;
  let team: Team;
  let channel: ConnectedChannel;

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_MISSED_WINDOW_MINUTES: '60' } });
    await herald.listen();
    team = await newTeam(herald);
    channel = await connectSandbox(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      username: 'recover',
    });
  });
  afterAll(async () => herald?.close());

  const schedule = async (content: string) => {
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts`,
      headers: team.user.headers,
      payload: {
        content,
        channelIds: [channel.channelId],
        scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().targets[0].id as string;
  };

  it('marks targets missed past the window, keeps the ones within it, and re-creates lost jobs', async () => {
    const late = await schedule('two hours late');
    const slightlyLate = await schedule('ten minutes late');
    const orphan = await schedule('lost its job');
    // Simulate downtime: the first two came due while nothing ran; the third's job vanished.
    await herald.deps.db.execute(sql`update post_targets set scheduled_at = now() - interval '2 hours',
      next_attempt_at = now() - interval '2 hours' where id = ${late}`);
    await herald.deps.db.execute(sql`update post_targets set scheduled_at = now() - interval '10 minutes',
      next_attempt_at = now() - interval '10 minutes' where id = ${slightlyLate}`);
    await herald.deps.db.execute(sql`delete from pgboss.job where data->>'targetId' = ${orphan}`);

    const recovery = await recoverOnStart(herald.deps);
    expect(recovery).toEqual({ missed: 1, overdue: 1, requeued: 1 });
    const status = async (id: string) =>
      (await herald.deps.db.select().from(postTargets).where(eq(postTargets.id, id)))[0]!;
    expect(await status(late)).toMatchObject({ status: 'missed', errorCode: 'missed', jobId: null });
    expect((await status(late)).errorMessage).toMatch(/past the 60-minute window/);
    expect((await status(slightlyLate)).status).toBe('scheduled');
    const repaired = await status(orphan);
    expect(repaired.status).toBe('scheduled');
    const [job] = rowsOf<{ id: string; state: string }>(
      await herald.deps.db.execute(sql`select id, state from pgboss.job where data->>'targetId' = ${orphan}`),
    );
    expect(job).toMatchObject({ id: repaired.jobId, state: 'created' });
    // Running it again finds nothing new to do.
    expect(await recoverOnStart(herald.deps)).toEqual({ missed: 0, overdue: 1, requeued: 0 });
  });

  it('refreshes a one-hour token in its last fifth, and once per lifetime', async () => {
    const connection = async () =>
      (await herald.deps.db.select().from(connections).where(eq(connections.id, channel.connectionId)))[0]!;
    // Just connected: the sandbox's one-hour token is not due, though it expires within the
    // 60-minute window (it used to be refreshed every minute).
    const fresh = await connection();
    expect(fresh.tokenExpiresAt!.getTime() - fresh.tokenIssuedAt!.getTime()).toBeGreaterThan(50 * 60_000);
    expect(await connectionsDueForRefresh(herald.deps)).not.toContain(channel.connectionId);
    const skipped = await refreshConnection(herald.deps, {
      connectionId: channel.connectionId,
      trigger: 'schedule',
    });
    expect((await connection()).lastRefreshedAt).toBeNull();
    expect(skipped.accessToken).toBeTruthy();

    // Fifty minutes into its hour: due.
    await herald.deps.db
      .update(connections)
      .set({
        tokenIssuedAt: new Date(Date.now() - 50 * 60_000),
        tokenExpiresAt: new Date(Date.now() + 10 * 60_000),
      })
      .where(eq(connections.id, channel.connectionId));
    expect(await connectionsDueForRefresh(herald.deps)).toContain(channel.connectionId);
    await refreshConnection(herald.deps, { connectionId: channel.connectionId, trigger: 'schedule' });
    const refreshed = await connection();
    expect(refreshed.lastRefreshedAt).not.toBeNull();
    expect(refreshed.tokenIssuedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await connectionsDueForRefresh(herald.deps)).not.toContain(channel.connectionId);

    // A refresh that handed back the same expiry keeps the lifetime: not due again.
    await herald.deps.db
      .update(connections)
      .set({
        tokenIssuedAt: new Date(Date.now() - 55 * 60_000),
        tokenExpiresAt: new Date(Date.now() + 5 * 60_000),
        lastRefreshedAt: new Date(Date.now() - 60_000),
      })
      .where(eq(connections.id, channel.connectionId));
    expect(await connectionsDueForRefresh(herald.deps)).not.toContain(channel.connectionId);
  });

  it('refreshes once when two callers refresh the same connection at once', async () => {
    // Due: fifty minutes into a one-hour token.
    await herald.deps.db
      .update(connections)
      .set({
        tokenIssuedAt: new Date(Date.now() - 50 * 60_000),
        tokenExpiresAt: new Date(Date.now() + 10 * 60_000),
        lastRefreshedAt: null,
      })
      .where(eq(connections.id, channel.connectionId));
    const refreshesSoFar = async () =>
      rowsOf<{ n: number }>(
        await herald.deps.db.execute(sql`select count(*)::int as n from reauth_audit
          where connection_id = ${channel.connectionId} and kind = 'refresh' and succeeded`),
      )[0]!.n;
    const earlier = await refreshesSoFar();
    const before = (
      await herald.deps.db.select().from(connections).where(eq(connections.id, channel.connectionId))
    )[0]!;
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        refreshConnection(herald.deps, { connectionId: channel.connectionId, trigger: 'schedule' }),
      ),
    );
    // The sandbox revokes the whole grant if a rotated refresh token is presented twice: one refresh
    // happened, and every caller got the same fresh token.
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    const after = (
      await herald.deps.db.select().from(connections).where(eq(connections.id, channel.connectionId))
    )[0]!;
    expect(after.status).toBe('active');
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.refreshLeaseUntil).toBeNull();
    expect((await refreshesSoFar()) - earlier).toBe(1);
    // Still usable: the platform accepts the rotated token.
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/connections/${channel.connectionId}/refresh`,
      headers: team.user.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'active', health: 'healthy' });
    expect(JSON.stringify(res.json())).not.toMatch(/token"\s*:\s*"/i);
  });
});
