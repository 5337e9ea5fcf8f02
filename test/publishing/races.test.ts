/**
 * Rescheduling and cancelling while workers are taking the same targets: whatever the interleaving,
 * a target is published at most once, and never after a cancel or reschedule that won.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { type ConnectedChannel, connectSandbox, getPostJson, waitFor } from '../support/publishing.ts';

describe('reschedule and cancel races', () => {
  let herald: TestHerald;
  let team: Team;
  let channel: ConnectedChannel;
  const ws = () => team.workspace.id;

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_POLL_SECONDS: '0.5' } });
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 4 });
    team = await newTeam(herald);
    channel = await connectSandbox(herald, { workspaceId: ws(), member: team.user, username: 'racer' });
  });
  afterAll(async () => herald?.close());

  const call = (method: 'POST' | 'PATCH', url: string, payload?: unknown) =>
    herald.app.inject({
      method,
      url: `/api/workspaces/${ws()}${url}`,
      headers: team.user.headers,
      payload: payload as never,
    });
  const sandboxCopies = async (text: string) =>
    rowsOf<{ n: number }>(
      await herald.deps.db.execute(sql`select count(*)::int as n from sandbox.posts where text = ${text}`),
    )[0]!.n;
  /** A target's jobs in `states`: by default every state in which a job can still run. */
  const liveJobs = async (targetId: string, states = ['created', 'retry', 'active']) =>
    rowsOf<{ n: number }>(
      await herald.deps.db.execute(sql`select count(*)::int as n from pgboss.job
        where name = 'publish-target' and data->>'targetId' = ${targetId}
          and state::text = any(${`{${states.join(',')}}`}::text[])`),
    )[0]!.n;
  const settled = (postId: string) =>
    waitFor(
      async () => {
        const post = await getPostJson(herald, ws(), team.user, postId);
        return ['publishing'].includes(post.targets[0]!.status) ? undefined : post;
      },
      { what: 'the target to settle' },
    );

  it('a cancel racing a due publish leaves the target either cancelled and unsent, or published once', async () => {
    const outcomes = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const text = `cancel race ${i}`;
      const created = await call('POST', '/posts', {
        content: text,
        channelIds: [channel.channelId],
        publishNow: true,
      });
      expect(created.statusCode, created.body).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, i * 60));
      const cancel = await call('POST', `/posts/${created.json().id}/cancel`);
      expect([200, 409]).toContain(cancel.statusCode);
      const post = await settled(created.json().id);
      const target = post.targets[0]!;
      outcomes.add(target.status);
      if (target.status === 'cancelled') {
        expect(cancel.statusCode).toBe(200);
        expect(await sandboxCopies(text)).toBe(0);
      } else {
        expect(target.status).toBe('published');
        expect(await sandboxCopies(text)).toBe(1);
      }
      // Nothing is left to run again. The run that settled the target is marked done a moment after
      // the target's own commit (pg-boss completes a job once its handler returns), so wait for that,
      // then count the copies once more.
      expect(await liveJobs(target.id, ['created', 'retry'])).toBe(0);
      await waitFor(async () => (await liveJobs(target.id)) === 0, { what: 'the settled job to finish' });
      expect(await sandboxCopies(text)).toBe(target.status === 'published' ? 1 : 0);
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it('a reschedule racing a due publish moves the job or loses cleanly, never both', async () => {
    for (let i = 0; i < 8; i++) {
      const text = `reschedule race ${i}`;
      const created = await call('POST', '/posts', {
        content: text,
        channelIds: [channel.channelId],
        publishNow: true,
      });
      await new Promise((resolve) => setTimeout(resolve, i * 60));
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const moved = await call('POST', `/posts/${created.json().id}/schedule`, { scheduledAt: later });
      expect([200, 409]).toContain(moved.statusCode);
      const post = await settled(created.json().id);
      const target = post.targets[0]!;
      if (target.status === 'scheduled') {
        expect(moved.statusCode).toBe(200);
        expect(new Date(target.scheduledAt!).toISOString()).toBe(later);
        expect(await liveJobs(target.id)).toBe(1);
        // Give a stale job every chance to fire: it must not publish.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(await sandboxCopies(text)).toBe(0);
        expect((await getPostJson(herald, ws(), team.user, created.json().id)).targets[0]!.status).toBe(
          'scheduled',
        );
      } else {
        expect(target.status).toBe('published');
        expect(await sandboxCopies(text)).toBe(1);
      }
    }
  });

  it('many concurrent reschedules leave exactly one live job at the last time that won', async () => {
    const created = await call('POST', '/posts', {
      content: 'rescheduled many times',
      channelIds: [channel.channelId],
      scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const times = Array.from({ length: 10 }, (_, i) =>
      new Date(Date.now() + 7_200_000 + i * 60_000).toISOString(),
    );
    const replies = await Promise.all(
      times.map((t) => call('POST', `/posts/${created.json().id}/schedule`, { scheduledAt: t })),
    );
    expect(replies.every((r) => r.statusCode === 200)).toBe(true);
    const post = await getPostJson(herald, ws(), team.user, created.json().id);
    const target = post.targets[0]!;
    expect(await liveJobs(target.id)).toBe(1);
    const [job] = rowsOf<{ id: string; start_after: Date }>(
      await herald.deps.db.execute(sql`select id, start_after from pgboss.job
        where name = 'publish-target' and data->>'targetId' = ${target.id} and state = 'created'`),
    );
    expect(new Date(job!.start_after).toISOString()).toBe(new Date(target.scheduledAt!).toISOString());
  });

  it('editing a scheduled post moves its job with it and a published target is left alone', async () => {
    const other = await connectSandbox(herald, {
      workspaceId: ws(),
      member: team.user,
      username: 'racer_two',
    });
    const created = await call('POST', '/posts', {
      content: 'edit me later',
      channelIds: [channel.channelId, other.channelId],
      publishNow: true,
    });
    await waitFor(
      async () => (await getPostJson(herald, ws(), team.user, created.json().id)).status === 'published',
      {
        what: 'publish',
      },
    );
    const edit = await call('PATCH', `/posts/${created.json().id}`, { content: 'too late' });
    expect(edit.statusCode).toBe(409);

    const scheduled = await call('POST', '/posts', {
      content: 'edit me now',
      channelIds: [channel.channelId],
      scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const newTime = new Date(Date.now() + 5_400_000).toISOString();
    const patched = await call('PATCH', `/posts/${scheduled.json().id}`, {
      content: 'edited text',
      scheduledAt: newTime,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ content: 'edited text', status: 'scheduled' });
    expect(new Date(patched.json().targets[0].scheduledAt).toISOString()).toBe(newTime);
    expect(await liveJobs(patched.json().targets[0].id)).toBe(1);
  });
});
