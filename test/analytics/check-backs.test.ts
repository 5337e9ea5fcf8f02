/**
 * Check-backs end to end on a controllable clock: a sandbox post published by the workers is
 * tracked in the publish transaction, checked on its schedule, deferred under a rate limit, stopped
 * when the remote post is deleted; roll-ups gain deltas; the API answers with the denominator used.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import {
  channels,
  metricRollups,
  metricSnapshots,
  rateLimits,
  sandboxAccounts,
  sandboxPosts,
  trackedPosts,
} from '../../src/db/schema.ts';
import { MAX_JITTER_MS } from '../../src/features/analytics/check-schedule.ts';
import { runCheck } from '../../src/features/analytics/run-check.ts';
import { recordSnapshot } from '../../src/features/analytics/record-snapshot.ts';
import { startTracking } from '../../src/features/analytics/start-tracking.ts';
import { syncChannelStats } from '../../src/features/analytics/sync-channel-stats.ts';
import { DEFAULT_ANALYTICS_SETTINGS } from '../../src/features/analytics/analytics-settings.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { manualClock } from '../../src/lib/clock.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import {
  type ConnectedChannel,
  connectSandbox,
  publishNow,
  setKnobs,
  waitForTarget,
} from '../support/publishing.ts';

const HOUR = 3600_000;
const clock = manualClock(new Date());

describe('metric check-backs', () => {
  let herald: TestHerald;
  let team: Team;
  let alice: ConnectedChannel;
  const ws = () => team.workspace.id;
  const api = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    who: { headers: Record<string, string> },
    payload?: unknown,
  ) =>
    herald.app.inject({
      method,
      url: `/api/workspaces/${ws()}${url}`,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const tracked = async (id: string) =>
    (await herald.deps.db.select().from(trackedPosts).where(eq(trackedPosts.id, id)))[0]!;
  const snapshotCount = async (id: string) =>
    (await herald.deps.db.select().from(metricSnapshots).where(eq(metricSnapshots.trackedPostId, id))).length;

  beforeAll(async () => {
    herald = await startHerald({ overrides: { clock }, env: { HERALD_POLL_SECONDS: '0.5' } });
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 4 });
    team = await newTeam(herald);
    alice = await connectSandbox(herald, {
      workspaceId: ws(),
      member: team.user,
      username: `alice${Date.now() % 100000}`,
    });
  }, 120_000);
  afterAll(async () => herald?.close());

  async function publishAndTrack(content: string) {
    // The queue runs publish jobs by the database's clock: publish in the present.
    clock.set(new Date());
    const postId = await publishNow(herald, {
      workspaceId: ws(),
      member: team.user,
      channelId: alice.channelId,
      content,
    });
    const { target } = await waitForTarget(herald, {
      workspaceId: ws(),
      member: team.user,
      postId,
      statuses: ['published'],
    });
    const [row] = await herald.deps.db
      .select()
      .from(trackedPosts)
      .where(eq(trackedPosts.targetId, target.id));
    return { postId, target, trackedPost: row! };
  }

  it('tracks a published target from the publish transaction, its first check job queued at T+1h plus jitter', async () => {
    const publishedAt = clock.now();
    const { trackedPost, target } = await publishAndTrack('first tracked post');
    expect(trackedPost.source).toBe('published');
    expect(trackedPost.remoteId).toBe(target.remoteId);
    expect(trackedPost.checkScheduleMinutes).toEqual([60, 360, 1440, 4320, 10080, 43200]);
    const offsets = trackedPost.checkDueAt.map((d) => d.getTime() - publishedAt.getTime());
    trackedPost.checkScheduleMinutes.forEach((minutes, i) => {
      expect(offsets[i]).toBeGreaterThanOrEqual(minutes * 60_000);
      expect(offsets[i]).toBeLessThan(minutes * 60_000 + Math.min(minutes * 6000, MAX_JITTER_MS));
    });
    expect(trackedPost.nextCheckAt).toEqual(trackedPost.checkDueAt[0]);
    const jobs = rowsOf<{ name: string; start_after: Date | string }>(
      await herald.deps.db.execute(
        sql`select name, start_after from pgboss.job where id = ${trackedPost.jobId}`,
      ),
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.name).toBe('metrics-check');
    expect(new Date(jobs[0]!.start_after).getTime()).toBe(trackedPost.checkDueAt[0]!.getTime());
  });

  it('takes each check on schedule, passes over checks missed while it waited, and completes', async () => {
    const { trackedPost, postId } = await publishAndTrack('a post followed to the end');
    clock.set(new Date(trackedPost.checkDueAt[0]!.getTime() + 1000));
    const first = await runCheck(herald.deps, { trackedPostId: trackedPost.id, kind: 'scheduled' });
    expect(first).toMatchObject({
      status: 'snapshot',
      trackingComplete: false,
      nextCheckAt: trackedPost.checkDueAt[1],
    });
    let row = await tracked(trackedPost.id);
    expect(row).toMatchObject({ checksCompleted: 1, nextCheckIndex: 1 });
    expect(row.jobId).not.toBe(trackedPost.jobId);

    // Herald was away from 6 h to past 3 d: one check now stands for the 6 h, 24 h and 3 d ones.
    clock.set(new Date(trackedPost.checkDueAt[3]!.getTime() + HOUR));
    const late = await runCheck(herald.deps, { trackedPostId: trackedPost.id, kind: 'scheduled' });
    expect(late).toMatchObject({ status: 'snapshot', nextCheckAt: trackedPost.checkDueAt[4] });
    row = await tracked(trackedPost.id);
    expect(row).toMatchObject({ checksCompleted: 2, nextCheckIndex: 4 });

    for (const i of [4, 5]) {
      clock.set(new Date(trackedPost.checkDueAt[i]!.getTime() + 1000));
      await runCheck(herald.deps, { trackedPostId: trackedPost.id, kind: 'scheduled' });
    }
    row = await tracked(trackedPost.id);
    expect(row).toMatchObject({
      checksCompleted: 4,
      trackingComplete: true,
      stopReason: 'schedule_complete',
      nextCheckAt: null,
    });
    expect(await runCheck(herald.deps, { trackedPostId: trackedPost.id, kind: 'scheduled' })).toMatchObject({
      status: 'skipped',
    });

    const res = await api('GET', `/posts/${postId}/metrics`, team.viewer);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.tracked[0].schedule.map((c: { state: string }) => c.state)).toEqual([
      'done',
      'passed',
      'passed',
      'done',
      'done',
      'done',
    ]);
    const series = body.tracked[0].snapshots;
    expect(series).toHaveLength(4);
    // The sandbox's numbers grow fast, then flatten; the API names the rate's denominator.
    expect(series[3].impressions).toBeGreaterThan(series[0].impressions);
    expect(series[3].engagementRate.denominator).toBe('impressions');
    expect(series[3].engagementRate.rate).toBeCloseTo(series[3].engagement / series[3].impressions);
  });

  it('defers a check while the platform limit is used up, spending nothing and keeping its place', async () => {
    const { trackedPost } = await publishAndTrack('a post checked under a rate limit');
    clock.set(new Date(trackedPost.checkDueAt[0]!.getTime() + 1000));
    const resetAt = new Date(clock.now().getTime() + 20 * 60_000);
    await herald.deps.db
      .insert(rateLimits)
      .values({ connectionId: alice.connectionId, bucket: 'posts', limit: 100, remaining: 5, resetAt })
      .onConflictDoUpdate({
        target: [rateLimits.connectionId, rateLimits.bucket],
        set: { limit: 100, remaining: 5, resetAt },
      });
    try {
      const result = await runCheck(herald.deps, { trackedPostId: trackedPost.id, kind: 'scheduled' });
      expect(result).toMatchObject({ status: 'deferred', until: resetAt });
      const row = await tracked(trackedPost.id);
      expect(row).toMatchObject({ checksCompleted: 0, nextCheckIndex: 0, nextCheckAt: resetAt });
      expect(await snapshotCount(trackedPost.id)).toBe(0);
      // A member asking for fresh numbers is refused the same way.
      const res = await api('POST', `/posts/${trackedPost.id}/metrics/refresh`, team.user);
      expect(res.statusCode, res.body).toBe(429);
      expect(res.json().error.details.retryAt).toBe(resetAt.toISOString());
    } finally {
      await herald.deps.db.delete(rateLimits).where(eq(rateLimits.connectionId, alice.connectionId));
    }
    clock.set(new Date(resetAt.getTime() + 1000));
    expect(await runCheck(herald.deps, { trackedPostId: trackedPost.id, kind: 'scheduled' })).toMatchObject({
      status: 'snapshot',
    });
  });

  it('stops with a reason when the remote post is deleted', async () => {
    const { trackedPost } = await publishAndTrack('a post deleted on the platform');
    await herald.deps.db
      .update(sandboxPosts)
      .set({ deletedAt: clock.now() })
      .where(eq(sandboxPosts.id, trackedPost.remoteId));
    clock.set(new Date(trackedPost.checkDueAt[0]!.getTime() + 1000));
    expect(await runCheck(herald.deps, { trackedPostId: trackedPost.id, kind: 'scheduled' })).toEqual({
      status: 'stopped',
      reason: 'remote_deleted',
    });
    expect(await tracked(trackedPost.id)).toMatchObject({
      trackingComplete: true,
      stopReason: 'remote_deleted',
      jobId: null,
    });
  });

  it('refreshes on demand for users, not viewers, without moving the schedule', async () => {
    const { trackedPost, postId } = await publishAndTrack('a post refreshed by hand');
    expect((await api('POST', `/posts/${postId}/metrics/refresh`, team.viewer)).statusCode).toBe(403);
    clock.advance(10 * 60_000);
    const res = await api('POST', `/posts/${postId}/metrics/refresh`, team.user);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().tracked[0].snapshots.map((s: { kind: string }) => s.kind)).toEqual(['manual']);
    expect(await tracked(trackedPost.id)).toMatchObject({
      checksCompleted: 0,
      nextCheckIndex: 0,
      jobId: trackedPost.jobId,
    });
  });

  it('tracks a post published outside Herald by its URL', async () => {
    const [account] = await herald.deps.db
      .select()
      .from(sandboxAccounts)
      .where(eq(sandboxAccounts.username, alice.username));
    const [outside] = await herald.deps.db
      .insert(sandboxPosts)
      .values({ accountId: account!.id, text: 'posted on the sandbox directly', createdAt: clock.now() })
      .returning();
    const url = `${herald.baseUrl}/sandbox/@${alice.username}/posts/${outside!.id}`;
    expect((await api('POST', '/tracked-posts', team.viewer, { url })).statusCode).toBe(403);
    const bad = await api('POST', '/tracked-posts', team.user, { url: 'https://example.com/nothing/here' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toMatch(/^url:/);
    const res = await api('POST', '/tracked-posts', team.user, { url });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ channelId: alice.channelId, remoteId: outside!.id });
    expect((await api('POST', '/tracked-posts', team.user, { url })).statusCode).toBe(409);
    const list = await api('GET', '/tracked-posts?source=external', team.viewer);
    expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([res.json().trackedPostId]);
    clock.advance(2 * HOUR);
    const check = await runCheck(herald.deps, { trackedPostId: res.json().trackedPostId, kind: 'scheduled' });
    expect(check.status).toBe('snapshot');
    expect((await api('DELETE', `/tracked-posts/${res.json().trackedPostId}`, team.user)).statusCode).toBe(
      204,
    );
    expect(await tracked(res.json().trackedPostId)).toMatchObject({
      trackingComplete: true,
      stopReason: 'untracked',
    });
  });

  it('reads channel figures daily into channel stats; sandbox followers grow, faster with the time knob', async () => {
    clock.set(new Date());
    const first = await syncChannelStats(herald.deps, { channelId: alice.channelId });
    expect(first.status).toBe('stored');
    await setKnobs(herald, alice.username, { timeScale: 24 });
    clock.advance(24 * HOUR);
    const second = await syncChannelStats(herald.deps, { channelId: alice.channelId });
    expect(second.status).toBe('stored');
    if (first.status !== 'stored' || second.status !== 'stored') return;
    expect(second.followers!).toBeGreaterThan(first.followers!);
    await setKnobs(herald, alice.username, { timeScale: null });
    const from = new Date(clock.now().getTime() - 3 * 24 * HOUR).toISOString();
    const to = clock.now().toISOString();
    const res = await api('GET', `/channels/${alice.channelId}/stats?from=${from}&to=${to}`, team.viewer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      supported: true,
      followers: second.followers,
      followersChange: second.followers! - first.followers!,
    });
    expect(res.json().days).toHaveLength(2);
    const csv = await api('GET', `/analytics/export.csv?from=${from}&to=${to}&kind=channels`, team.viewer);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe('day,channel,platform,followers,following,posts,views');
    expect(csv.body.trim().split('\r\n')).toHaveLength(3);
  });

  it('answers top posts and best times from the tracked posts', async () => {
    const from = '2000-01-01T00:00:00Z';
    const to = new Date(clock.now().getTime() + 365 * 24 * HOUR).toISOString();
    const top = await api(
      'GET',
      `/analytics/top-posts?from=${from}&to=${to}&by=impressions&limit=3`,
      team.viewer,
    );
    expect(top.statusCode, top.body).toBe(200);
    const items = top.json().items as { impressions: number }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.map((i) => i.impressions)).toEqual(
      [...items.map((i) => i.impressions)].sort((a, b) => b - a),
    );
    const best = await api('GET', '/analytics/best-times', team.viewer);
    expect(best.statusCode, best.body).toBe(200);
    expect(best.json().denominator).toBe('impressions');
    expect(best.json().cells.length).toBeGreaterThan(0);
    expect(new Date(best.json().nextBestSlot.at).getTime()).toBeGreaterThan(clock.now().getTime());
    const posts = await api('GET', `/analytics/export.csv?from=${from}&to=${to}&kind=posts`, team.viewer);
    expect(posts.body.split('\r\n')[0]).toMatch(/^published_at,channel,platform,url,measured_at,impressions/);
  });

  describe('roll-ups', () => {
    async function fakeTracked(publishedAt: Date, channelId = alice.channelId) {
      return herald.deps.db.transaction(async (tx) => {
        const id = await startTracking(herald.deps, tx, {
          workspaceId: ws(),
          channelId,
          remoteId: `fake-${publishedAt.getTime()}-${Math.random()}`,
          remoteUrl: null,
          publishedAt,
        });
        return (await tx.select().from(trackedPosts).where(eq(trackedPosts.id, id!)))[0]!;
      });
    }
    const snap = (
      post: typeof trackedPosts.$inferSelect,
      takenAt: Date,
      metrics: Record<string, number | null>,
      followers: number | null = null,
    ) =>
      herald.deps.db.transaction((tx) =>
        recordSnapshot(tx, {
          trackedPost: post,
          settings: DEFAULT_ANALYTICS_SETTINGS,
          takenAt,
          kind: 'scheduled',
          checkIndex: null,
          metrics: { likes: null, comments: null, shares: null, impressions: null, ...metrics },
          followers,
        }),
      );

    it('adds deltas between snapshots, a decreasing counter as a negative delta, so periods sum to the latest figure', async () => {
      const day = (d: number, h = 12) => new Date(Date.UTC(2025, 4, d, h));
      const post = await fakeTracked(day(1, 9));
      await snap(post, day(1), { likes: 10, impressions: 100 });
      await snap(post, day(2), { likes: 25, impressions: 400 });
      await snap(post, day(3), { likes: 22, impressions: 500 }); // three unlikes
      const rows = await herald.deps.db
        .select()
        .from(metricRollups)
        .where(
          and(
            eq(metricRollups.scopeId, alice.channelId),
            eq(metricRollups.granularity, 'day'),
            sql`${metricRollups.periodStart} < '2025-06-01'`,
          ),
        )
        .orderBy(metricRollups.periodStart);
      expect(rows.map((r) => [r.label, r.likes, r.impressions, r.posts])).toEqual([
        ['2025-05-01', 10, 100, 1],
        ['2025-05-02', 15, 300, 0],
        ['2025-05-03', -3, 100, 0],
      ]);
      const res = await api(
        'GET',
        '/analytics/overview?from=2025-05-01T00:00:00Z&to=2025-05-04T00:00:00Z&interval=day',
        team.viewer,
      );
      expect(res.statusCode, res.body).toBe(200);
      const overview = res.json();
      expect(overview.totals.likes).toBe(22);
      expect(overview.totals.impressions).toBe(500);
      expect(overview.totals.engagementRate).toMatchObject({ denominator: 'impressions', rate: 22 / 500 });
      expect(overview.series.map((s: { likes: number }) => s.likes)).toEqual([10, 15, -3]);
      const month = await api(
        'GET',
        '/analytics/overview?from=2025-05-01T00:00:00Z&to=2025-06-01T00:00:00Z&interval=month',
        team.viewer,
      );
      expect(month.json().series).toHaveLength(1);
      expect(month.json().series[0]).toMatchObject({ likes: 22, posts: 1 });
    });

    it('rates engagement against followers when the platform reports no impressions, and says so', async () => {
      const at = new Date(Date.UTC(2025, 6, 10, 12));
      await herald.deps.db
        .update(channels)
        .set({ followersCount: 200 })
        .where(eq(channels.id, alice.channelId));
      const post = await fakeTracked(new Date(at.getTime() - HOUR));
      await snap(post, at, { likes: 8, comments: 2 }, 200);
      const res = await api('GET', `/posts/${post.id}/metrics`, team.viewer);
      expect(res.json().tracked[0].snapshots[0].engagementRate).toEqual({
        rate: 10 / 200,
        denominator: 'followers',
      });
      const overview = await api(
        'GET',
        '/analytics/overview?from=2025-07-10T00:00:00Z&to=2025-07-11T00:00:00Z&interval=day',
        team.viewer,
      );
      expect(overview.json().totals.engagementRate).toMatchObject({
        rate: 10 / 200,
        denominator: 'followers',
        byFollowers: { engagement: 10, followers: 200 },
        byImpressions: { impressions: 0, rate: null },
      });
    });

    it('follows the workspace calendar: a new time zone rebuilds the roll-ups into its DST-correct days', async () => {
      const post = await fakeTracked(new Date('2025-03-29T20:00:00Z'));
      await snap(post, new Date('2025-03-29T22:30:00Z'), { likes: 5, impressions: 50 }); // 23:30 in Paris
      await snap(post, new Date('2025-03-30T21:30:00Z'), { likes: 9, impressions: 90 }); // 23:30 in Paris, a 23-hour day
      const put = await api('PUT', '/settings/check-backs', team.user, {
        timeZone: 'europe/paris',
        weekStartsOn: 1,
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({
        timeZone: 'Europe/Paris',
        schedule: ['1h', '6h', '1d', '3d', '7d', '30d'],
      });
      const res = await api(
        'GET',
        '/analytics/overview?from=2025-03-28T23:00:00Z&to=2025-03-30T22:00:00Z&interval=day',
        team.viewer,
      );
      expect(res.statusCode, res.body).toBe(200);
      const series = res.json().series as { label: string; start: string; end: string; likes: number }[];
      expect(series.map((s) => [s.label, s.likes])).toEqual([
        ['2025-03-29', 5],
        ['2025-03-30', 4],
      ]);
      expect(new Date(series[1]!.end).getTime() - new Date(series[1]!.start).getTime()).toBe(23 * HOUR);
      expect((await api('PUT', '/settings/check-backs', team.viewer, { schedule: ['1h'] })).statusCode).toBe(
        403,
      );
      const bad = await api('PUT', '/settings/check-backs', team.user, { schedule: ['1h', 'later'] });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error.message).toMatch(/^schedule\.1:/);
      await api('PUT', '/settings/check-backs', team.user, { timeZone: 'UTC' });
    });
  });
});
