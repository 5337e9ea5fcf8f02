/**
 * The whole path over real HTTP: connect sandbox accounts through OAuth, schedule a post with an
 * image on three channels, and watch the workers publish it through the sandbox adapter.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import {
  type ConnectedChannel,
  connectSandbox,
  sandboxFeed,
  setKnobs,
  uploadImage,
  waitForPost,
} from '../support/publishing.ts';

describe('publishing end to end through the sandbox', () => {
  let herald: TestHerald;
  let team: Team;
  let channels: ConnectedChannel[];
  const ws = () => team.workspace.id;

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_RETRY_BASE_SECONDS: '0.2', HERALD_POLL_SECONDS: '0.5' } });
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 4 });
    team = await newTeam(herald);
    channels = [];
    for (const username of ['alice', 'bob', 'carol']) {
      channels.push(await connectSandbox(herald, { workspaceId: ws(), member: team.user, username }));
    }
  });
  afterAll(async () => herald?.close());

  const create = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${ws()}/posts`,
      headers: { ...team.user.headers, ...headers },
      payload: body,
    });
    return res;
  };

  it('publishes a scheduled post with an image on three channels, each target with its remote id and URL', async () => {
    const mediaId = await uploadImage(herald, {
      workspaceId: ws(),
      member: team.user,
      altText: 'a single pixel',
    });
    const at = new Date(Date.now() + 1500).toISOString();
    const res = await create({
      content: 'Hello from Herald #launch',
      mediaIds: [mediaId],
      channelIds: channels.map((c) => c.channelId),
      scheduledAt: at,
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created.status).toBe('scheduled');
    expect(created.contentType).toBe('image');
    expect(created.hashtags).toEqual(['launch']);
    expect(created.targets).toHaveLength(3);

    const post = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: created.id,
      statuses: ['published'],
    });
    for (const target of post.targets) {
      expect(target.status).toBe('published');
      expect(target.remoteId).toBeTruthy();
      expect(target.remoteUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\//);
      expect(target.attemptsLog.map((a) => a.outcome)).toEqual(['published']);
    }
    const [counts] = rowsOf<{ target_count: number; published_count: number; published_at: Date | null }>(
      await herald.deps.db.execute(
        sql`select target_count, published_count, published_at from posts where id = ${created.id}`,
      ),
    );
    expect(counts).toMatchObject({ target_count: 3, published_count: 3 });
    expect(counts!.published_at).not.toBeNull();
    for (const channel of channels) {
      const feed = await sandboxFeed(herald, channel.username);
      expect(feed).toContain('Hello from Herald #launch');
      expect(feed).toContain('a single pixel');
    }
  });

  it('retries a transient failure with backoff and logs both attempts', async () => {
    await setKnobs(herald, 'alice', { failNext: { status: 503, count: 1 } });
    const res = await create({
      content: 'survives a 503',
      channelIds: [channels[0]!.channelId],
      publishNow: true,
    });
    expect(res.statusCode, res.body).toBe(201);
    const post = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: res.json().id,
      statuses: ['published', 'failed'],
    });
    const target = post.targets[0]!;
    expect(target.status).toBe('published');
    expect(target.attempts).toBe(2);
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['published', 'retry']);
  });

  it('defers on a 429 until the reset without spending an attempt', async () => {
    await setKnobs(herald, 'bob', { failNext: { status: 429, count: 1 }, retryAfterSeconds: 1 });
    const res = await create({
      content: 'waits for the rate limit',
      channelIds: [channels[1]!.channelId],
      publishNow: true,
    });
    const post = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: res.json().id,
      statuses: ['published', 'failed'],
    });
    const target = post.targets[0]!;
    expect(target.status).toBe('published');
    expect(target.attempts).toBe(1);
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['published', 'rate_limited']);
  });

  it('refreshes an expired token once and publishes, keeping the old tokens in history', async () => {
    await setKnobs(herald, 'carol', { expireTokens: true });
    const res = await create({
      content: 'after a token refresh',
      channelIds: [channels[2]!.channelId],
      publishNow: true,
    });
    const post = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: res.json().id,
      statuses: ['published', 'failed'],
    });
    expect(post.targets[0]!.status).toBe('published');
    const history = rowsOf<{ reason: string }>(
      await herald.deps.db.execute(
        sql`select reason from token_history where connection_id = ${channels[2]!.connectionId} order by created_at`,
      ),
    );
    expect(history.map((h) => h.reason)).toEqual(['connected', 'rotated']);
  });

  it('fails a duplicate permanently with the platform message', async () => {
    const body = {
      content: 'exactly the same words',
      channelIds: [channels[0]!.channelId],
      publishNow: true,
    };
    const first = await create(body);
    await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: first.json().id,
      statuses: ['published'],
    });
    const second = await create(body);
    const post = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: second.json().id,
      statuses: ['published', 'failed'],
    });
    expect(post.status).toBe('failed');
    expect(post.targets[0]!.errorCode).toBe('duplicate');
    expect(post.targets[0]!.attemptsLog.map((a) => a.outcome)).toEqual(['duplicate']);
  });

  it('waits for re-authorisation when the platform keeps refusing the token, then publishes after reconnect', async () => {
    await setKnobs(herald, 'alice', { failNext: { status: 401, count: 2 } });
    const res = await create({
      content: 'needs a reconnect',
      channelIds: [channels[0]!.channelId],
      publishNow: true,
    });
    const waiting = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: res.json().id,
      statuses: ['scheduled', 'failed', 'published'],
    }).then(async () => {
      // The post stays "scheduled" while its only target waits; poll the target itself.
      for (;;) {
        const r = await herald.app.inject({
          method: 'GET',
          url: `/api/workspaces/${ws()}/posts/${res.json().id}`,
          headers: team.user.headers,
        });
        const t = r.json().targets[0];
        if (t.status === 'waiting_reauth' || t.status === 'published') return r.json();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    expect(waiting.targets[0].status).toBe('waiting_reauth');
    const connections = await herald.app.inject({
      method: 'GET',
      url: `/api/workspaces/${ws()}/connections`,
      headers: team.user.headers,
    });
    const alice = connections.json().items.find((c: { id: string }) => c.id === channels[0]!.connectionId);
    expect(alice.status).toBe('expired');

    await connectSandbox(herald, { workspaceId: ws(), member: team.user, username: 'alice' });
    const post = await waitForPost(herald, {
      workspaceId: ws(),
      member: team.user,
      postId: res.json().id,
      statuses: ['published'],
    });
    expect(post.targets[0]!.status).toBe('published');
  });

  it('replays a create with the same Idempotency-Key instead of creating twice', async () => {
    const body = { content: 'draft once', channelIds: [channels[1]!.channelId] };
    const a = await create(body, { 'idempotency-key': 'create-draft-1' });
    const b = await create(body, { 'idempotency-key': 'create-draft-1' });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json().id).toBe(a.json().id);
    const c = await create({ ...body, content: 'different' }, { 'idempotency-key': 'create-draft-1' });
    expect(c.statusCode).toBe(422);
  });
});
