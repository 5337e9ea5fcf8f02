import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, rowsOf } from '../../src/db/client.ts';
import {
  channels,
  connections,
  type PostStatus,
  posts,
  postTargets,
  type TargetStatus,
} from '../../src/db/schema.ts';
import { manualClock } from '../../src/lib/clock.ts';
import { newTeam, newWorkspace, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

// 22:30 UTC on 15 June: already 16 June in Paris (UTC+2), still 15 June in New York (UTC-4).
const NOW = new Date('2025-06-15T22:30:00Z');
const hours = (n: number) => n * 3600_000;

type Target = { channelId: string; platform: string; status: TargetStatus; publishedAt?: string };

async function newPost(db: Db, workspaceId: string, targets: Target[], status?: PostStatus): Promise<string> {
  const [post] = await db
    .insert(posts)
    .values({ workspaceId, content: 'stats', ...(status ? { status } : {}) })
    .returning({ id: posts.id });
  if (targets.length) {
    // The roll-up trigger derives the post's status and published_at from these, as in production.
    await db.insert(postTargets).values(
      targets.map((t) => ({
        postId: post!.id,
        workspaceId,
        channelId: t.channelId,
        platform: t.platform,
        status: t.status,
        publishedAt: t.publishedAt ? new Date(t.publishedAt) : null,
        idempotencyKey: randomUUID(),
      })),
    );
  }
  return post!.id;
}

async function newChannel(
  db: Db,
  workspaceId: string,
  options: {
    platform: string;
    connection?: { status?: 'active' | 'expired'; refreshToken?: string | null; expiresAt?: Date | null };
    connectionId?: string;
    isActive?: boolean;
  },
): Promise<{ channelId: string; connectionId: string }> {
  let connectionId = options.connectionId;
  if (!connectionId) {
    const [c] = await db
      .insert(connections)
      .values({
        workspaceId,
        platform: options.platform,
        externalAccountId: randomUUID(),
        status: options.connection?.status ?? 'active',
        refreshToken: options.connection?.refreshToken ?? null,
        tokenExpiresAt: options.connection?.expiresAt ?? null,
      })
      .returning({ id: connections.id });
    connectionId = c!.id;
  }
  const [ch] = await db
    .insert(channels)
    .values({
      workspaceId,
      connectionId,
      platform: options.platform,
      externalId: randomUUID(),
      name: options.platform,
      isActive: options.isActive ?? true,
    })
    .returning({ id: channels.id });
  return { channelId: ch!.id, connectionId };
}

describe('dashboard stats', () => {
  let herald: TestHerald;
  let team: Team;

  const stats = (query = '', headers = team.viewer.headers, workspaceId = team.workspace.id) =>
    herald.app.inject({ method: 'GET', url: `/api/workspaces/${workspaceId}/stats${query}`, headers });

  beforeAll(async () => {
    herald = await startHerald({ overrides: { clock: manualClock(NOW) } });
    team = await newTeam(herald);
    const db = herald.deps.db;
    const ws = team.workspace.id;

    // Connections: one expiring without a way to refresh, one that refreshes itself, one broken.
    const sandbox = await newChannel(db, ws, {
      platform: 'sandbox',
      connection: { expiresAt: new Date(NOW.getTime() + hours(72)) },
    });
    await newChannel(db, ws, { platform: 'sandbox', connectionId: sandbox.connectionId, isActive: false });
    const mastodon = await newChannel(db, ws, {
      platform: 'mastodon',
      connection: { refreshToken: 'sealed', expiresAt: new Date(NOW.getTime() + hours(1)) },
    });
    await newChannel(db, ws, { platform: 'mastodon', connection: { status: 'expired' } });
    await newChannel(db, ws, {
      platform: 'bluesky',
      connection: { expiresAt: new Date(NOW.getTime() + hours(240)) },
    });
    const s = { channelId: sandbox.channelId, platform: 'sandbox' };
    const m = { channelId: mastodon.channelId, platform: 'mastodon' };

    await newPost(db, ws, [{ ...s, status: 'published', publishedAt: '2025-06-15T22:10:00Z' }]); // 00:10 in Paris
    await newPost(db, ws, [{ ...m, status: 'published', publishedAt: '2025-06-15T21:50:00Z' }]); // 23:50 in Paris
    await newPost(db, ws, [{ ...m, status: 'published', publishedAt: '2025-06-15T01:00:00Z' }]); // 21:00 the 14th in NY
    await newPost(db, ws, [
      { ...s, status: 'published', publishedAt: '2025-06-14T23:30:00Z' },
      { ...m, status: 'failed' },
    ]); // partially published, yesterday in UTC
    await newPost(db, ws, [{ ...m, status: 'failed' }]);
    await newPost(db, ws, [{ ...s, status: 'scheduled' }]);
    await newPost(db, ws, [{ ...m, status: 'retrying' }]);
    await newPost(db, ws, [{ ...s, status: 'unknown' }]); // rolls up to a failed post
    await newPost(db, ws, [{ ...m, status: 'waiting_reauth' }]); // rolls up to scheduled
    await newPost(db, ws, [{ ...s, status: 'missed' }]);
    await newPost(db, ws, []);
    await newPost(db, ws, [], 'cancelled');

    // Another workspace's rows must not count.
    const other = await newChannel(db, team.otherWorkspace.id, {
      platform: 'sandbox',
      connection: { status: 'expired' },
    });
    await newPost(db, team.otherWorkspace.id, [
      {
        channelId: other.channelId,
        platform: 'sandbox',
        status: 'published',
        publishedAt: '2025-06-15T22:00:00Z',
      },
    ]);
    await newPost(db, team.otherWorkspace.id, [], 'scheduled');
  });
  afterAll(async () => herald?.close());

  it('counts posts, targets needing attention and connection health in UTC by default', async () => {
    const res = await stats();
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      today: { timeZone: 'UTC', start: '2025-06-15T00:00:00.000Z', end: '2025-06-16T00:00:00.000Z' },
      totalScheduled: 3,
      publishedToday: 3,
      // Channel posts, as per platform: 4 published / (4 published + 2 failed + 1 missed)
      successRate: 57.1,
      failedPosts: 3,
      failedTargets: 3,
      unknownTargets: 1,
      waitingReauthTargets: 1,
      connectionsExpiringSoon: 1,
      connectionsBroken: 1,
    });
    expect(body.platforms).toEqual([
      {
        platform: 'bluesky',
        connectedChannels: 1,
        scheduled: 0,
        publishedToday: 0,
        successRate: null,
        failed: 0,
      },
      {
        platform: 'mastodon',
        connectedChannels: 1,
        scheduled: 1,
        publishedToday: 2,
        successRate: 50,
        failed: 2,
      },
      {
        platform: 'sandbox',
        connectedChannels: 1,
        scheduled: 1,
        publishedToday: 1,
        successRate: 66.7,
        failed: 1,
      },
    ]);
  });

  it('moves "today" with the time zone, around midnight', async () => {
    const paris = (await stats('?tz=Europe/Paris')).json();
    expect(paris.today).toEqual({
      timeZone: 'Europe/Paris',
      start: '2025-06-15T22:00:00.000Z',
      end: '2025-06-16T22:00:00.000Z',
    });
    expect(paris.publishedToday).toBe(1);
    expect(paris.platforms.map((p: { publishedToday: number }) => p.publishedToday)).toEqual([0, 0, 1]);
    // Everything that is not about today stays the same.
    expect(paris.totalScheduled).toBe(3);
    expect(paris.successRate).toBe(57.1);

    const newYork = (await stats('?tz=america/new_york')).json();
    expect(newYork.today).toEqual({
      timeZone: 'America/New_York',
      start: '2025-06-15T04:00:00.000Z',
      end: '2025-06-16T04:00:00.000Z',
    });
    expect(newYork.publishedToday).toBe(2);
    expect(newYork.platforms.map((p: { publishedToday: number }) => p.publishedToday)).toEqual([0, 1, 1]);
  });

  it('refuses a time zone that is not an IANA zone, naming tz', async () => {
    for (const tz of ['Mars/Olympus_Mons', '+02:00', 'x'.repeat(65)]) {
      const res = await stats(`?tz=${encodeURIComponent(tz)}`);
      expect(res.statusCode, tz).toBe(400);
      expect(res.json().error.message).toMatch(/^querystring\.tz: /);
    }
  });

  it("counts only the workspace's own rows, and answers 404 to a non-member", async () => {
    const other = (await stats('', team.outsider.headers, team.otherWorkspace.id)).json();
    expect(other).toMatchObject({
      totalScheduled: 1,
      publishedToday: 1,
      successRate: 100,
      connectionsBroken: 1,
    });
    expect((await stats('', team.outsider.headers)).statusCode).toBe(404);
  });

  it('is zeros, nulls and no platforms for an empty workspace', async () => {
    const empty = await newWorkspace(herald.deps, { owner: team.outsider.id });
    const body = (await stats('', team.outsider.headers, empty.id)).json();
    expect(body).toMatchObject({
      totalScheduled: 0,
      publishedToday: 0,
      successRate: null,
      failedPosts: 0,
      failedTargets: 0,
      unknownTargets: 0,
      waitingReauthTargets: 0,
      connectionsExpiringSoon: 0,
      connectionsBroken: 0,
      platforms: [],
    });
  });
});

describe('status counts kept by triggers', () => {
  let herald: TestHerald;
  let team: Team;

  beforeAll(async () => {
    herald = await startHerald({ overrides: { clock: manualClock(NOW) } });
    team = await newTeam(herald);
  });
  afterAll(async () => herald?.close());

  /** The dashboard's counts, and the same counted from the rows themselves. */
  async function countsBothWays(workspaceId: string) {
    const body = (
      await herald.app.inject({
        method: 'GET',
        url: `/api/workspaces/${workspaceId}/stats`,
        headers: team.viewer.headers,
      })
    ).json();
    const [fromRows] = rowsOf<Record<string, number>>(
      await herald.deps.db.execute(sql`select
        (select count(*) from posts where workspace_id = ${workspaceId} and status = 'scheduled')::int as "totalScheduled",
        (select count(*) from posts where workspace_id = ${workspaceId} and status = 'failed')::int as "failedPosts",
        (select count(*) from post_targets where workspace_id = ${workspaceId} and status in ('failed', 'missed'))::int as "failedTargets",
        (select count(*) from post_targets where workspace_id = ${workspaceId} and status = 'unknown')::int as "unknownTargets",
        (select count(*) from post_targets where workspace_id = ${workspaceId} and status = 'waiting_reauth')::int as "waitingReauthTargets"`),
    );
    const platforms = rowsOf<{ platform: string; scheduled: number; failed: number }>(
      await herald.deps.db.execute(sql`select platform,
          count(*) filter (where status in ('scheduled', 'retrying', 'deferred'))::int as scheduled,
          count(*) filter (where status in ('failed', 'missed'))::int as failed
        from post_targets where workspace_id = ${workspaceId} group by platform order by platform`),
    );
    return {
      dashboard: {
        totalScheduled: body.totalScheduled,
        failedPosts: body.failedPosts,
        failedTargets: body.failedTargets,
        unknownTargets: body.unknownTargets,
        waitingReauthTargets: body.waitingReauthTargets,
        platforms: body.platforms.map((p: { platform: string; scheduled: number; failed: number }) => ({
          platform: p.platform,
          scheduled: p.scheduled,
          failed: p.failed,
        })),
      },
      fromRows: { ...fromRows, platforms },
    };
  }

  it('follow inserts, status changes and deletes, and stay right when folded together', async () => {
    const db = herald.deps.db;
    const ws = team.workspace.id;
    const s = await newChannel(db, ws, { platform: 'sandbox' });
    const m = await newChannel(db, ws, { platform: 'mastodon' });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(
        await newPost(db, ws, [
          { channelId: s.channelId, platform: 'sandbox', status: 'scheduled' },
          { channelId: m.channelId, platform: 'mastodon', status: 'scheduled' },
        ]),
      );
    }
    await db.execute(sql`update post_targets set status = 'failed' where post_id = ${ids[0]!}`);
    await db.execute(
      sql`update post_targets set status = 'unknown' where post_id = ${ids[1]!} and platform = 'sandbox'`,
    );
    await db.execute(sql`update post_targets set status = 'waiting_reauth' where post_id = ${ids[2]!}`);
    await db.execute(sql`update post_targets set status = 'missed' where post_id = ${ids[3]!}`);
    await db.execute(sql`delete from posts where id = ${ids[4]!}`);
    await db.execute(sql`delete from post_targets where post_id = ${ids[5]!} and platform = 'mastodon'`);

    const before = await countsBothWays(ws);
    expect(before.dashboard).toEqual(before.fromRows);
    expect(before.dashboard).toMatchObject({ totalScheduled: 2, failedPosts: 2, unknownTargets: 1 });

    const rowCount = async () =>
      rowsOf<{ n: number }>(
        await db.execute(sql`select count(*)::int as n from target_status_counts where workspace_id = ${ws}`),
      )[0]!.n;
    const unfolded = await rowCount();
    const [folded] = rowsOf<{ ok: boolean }>(
      await db.execute(sql`select herald_compact_status_counts(${ws}) as ok`),
    );
    expect(folded!.ok).toBe(true);
    expect(await rowCount()).toBeLessThan(unfolded);
    const after = await countsBothWays(ws);
    expect(after.dashboard).toEqual(before.dashboard);
  });
});
