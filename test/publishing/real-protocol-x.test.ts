/**
 * The publishing engine driving the real X adapter against the local server that speaks X API v2
 * (test/platforms/x/server.ts). X has no idempotency key: after a reply that never arrived, the engine
 * must find the post among the account's recent posts (reconcile by lookup) rather than post again,
 * and X itself refuses a second post with the same text. The account is connected through X's OAuth
 * 2.0 + PKCE against the server; its access tokens expire and refresh tokens rotate.
 */
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reauthAudit, tokenHistory } from '../../src/db/schema.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { startXServer, type XServer } from '../platforms/x/server.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import {
  getPostJson,
  publishNow as publishNowTo,
  uploadImage,
  waitForTarget,
} from '../support/publishing.ts';
import {
  connectionView,
  connectThroughOAuth,
  type OAuthChannel,
  reconnectThroughOAuth,
  registerPlatformApp,
} from '../support/real-protocol.ts';

describe('the engine publishing to X over its protocol', () => {
  let server: XServer;
  let herald: TestHerald;
  let team: Team;
  let channel: OAuthChannel;
  const ws = () => team.workspace.id;

  beforeAll(async () => {
    server = await startXServer();
    // Report a roomy 24-hour post cap: the server's default of 17 would (rightly) defer later tests.
    server.knobs.postsPerWindow = 1000;
    herald = await startHerald({ env: { HERALD_RETRY_BASE_SECONDS: '0.2', HERALD_POLL_SECONDS: '0.5' } });
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 2 });
    team = await newTeam(herald);
    await registerPlatformApp(herald, {
      workspaceId: ws(),
      admin: team.admin,
      app: {
        platform: 'x',
        name: 'X (protocol server)',
        clientId: server.clientId,
        clientSecret: server.clientSecret,
        baseUrl: server.base,
      },
    });
    channel = await connectThroughOAuth(herald, { workspaceId: ws(), member: team.user, platform: 'x' });
  });
  afterAll(async () => {
    await herald?.close();
    await server?.close();
  });

  const publishNow = (content: string, extra: Record<string, unknown> = {}) =>
    publishNowTo(herald, {
      workspaceId: ws(),
      member: team.user,
      channelId: channel.channelId,
      content,
      extra,
    });
  const targetOf = async (postId: string, statuses: string[]) =>
    (await waitForTarget(herald, { workspaceId: ws(), member: team.user, postId, statuses })).target;
  const postsWith = (text: string) => [...server.posts.values()].filter((p) => p.text === text);
  const outcomes = (target: { attemptsLog: { outcome: string }[] }) =>
    target.attemptsLog.map((a) => a.outcome).sort();
  const creates = () => server.requests.filter((r) => r === 'POST /2/tweets').length;
  const settled = ['published', 'failed', 'unknown', 'waiting_reauth'];

  it('publishes text with an image once; the target holds the post id and URL', async () => {
    const mediaId = await uploadImage(herald, { workspaceId: ws(), member: team.user, altText: 'one pixel' });
    const postId = await publishNow('Hello X from the engine', { mediaIds: [mediaId] });
    const target = await targetOf(postId, settled);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    const [post, ...more] = postsWith('Hello X from the engine');
    expect(more).toHaveLength(0);
    expect(target.remoteId).toBe(post!.id);
    expect(target.remoteUrl).toBe(`https://x.com/heraldtest/status/${post!.id}`);
    expect(post!.mediaIds).toHaveLength(1);
    expect(server.media.get(post!.mediaIds[0]!)).toMatchObject({
      type: 'image/png',
      finalized: true,
      altText: 'one pixel',
    });
    expect(target.attempts).toBe(1);
    expect(target.attemptsLog.map((a) => a.outcome)).toEqual(['published']);
  });

  it('finds a post whose reply was lost among the recent posts instead of posting it again', async () => {
    // X stores the post, then answers 503: the worker cannot tell it went out.
    server.faults.push({
      route: 'POST /2/tweets',
      status: 503,
      afterCommit: true,
      when: 'created, then X answered 503',
      times: 1,
    });
    const before = creates();
    const postId = await publishNow('created, then X answered 503');
    const target = await targetOf(postId, settled);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(outcomes(target)).toEqual(['reconciled', 'retry']);
    const [post, ...more] = postsWith('created, then X answered 503');
    expect(more).toHaveLength(0);
    expect(target.remoteId).toBe(post!.id);
    // The lookup answered: nothing was sent a second time (not even to be refused as a duplicate).
    expect(creates()).toBe(before + 1);
  });

  it('retries a 503 that created nothing and publishes once', async () => {
    server.faults.push({
      route: 'POST /2/tweets',
      status: 503,
      when: 'X was down for a moment',
      times: 1,
    });
    const postId = await publishNow('X was down for a moment');
    const target = await targetOf(postId, settled);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(target.attempts).toBe(2);
    expect(outcomes(target)).toEqual(['published', 'retry']);
    const [post, ...more] = postsWith('X was down for a moment');
    expect(more).toHaveLength(0);
    expect(target.remoteId).toBe(post!.id);
  });

  it('defers a 429 to the x-rate-limit-reset time without spending an attempt, then publishes', async () => {
    const resetSeconds = Math.ceil(Date.now() / 1000) + 2;
    server.faults.push({
      route: 'POST /2/tweets',
      status: 429,
      body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
      headers: {
        'x-rate-limit-limit': '100',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(resetSeconds),
      },
      times: 1,
    });
    const postId = await publishNow('waits for the X rate limit');
    const target = await targetOf(postId, settled);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(target.attempts).toBe(1);
    expect(outcomes(target)).toEqual(['published', 'rate_limited']);
    expect(postsWith('waits for the X rate limit')).toHaveLength(1);
    const post = await getPostJson(herald, ws(), team.user, postId);
    const log = post.targets[0]!.attemptsLog as unknown as {
      outcome: string;
      startedAt: string;
      rateLimit: unknown;
    }[];
    const limited = log.find((a) => a.outcome === 'rate_limited')!;
    const published = log.find((a) => a.outcome === 'published')!;
    expect(limited.rateLimit).toMatchObject({ bucket: 'posts', remaining: 0 });
    expect(Date.parse(published.startedAt)).toBeGreaterThanOrEqual(resetSeconds * 1000);
  });

  it('fails a duplicate with X’s message, spending one attempt', async () => {
    const first = await targetOf(await publishNow('the very same words on X'), settled);
    expect(first.status).toBe('published');
    const second = await targetOf(await publishNow('the very same words on X'), settled);
    expect(second.status).toBe('failed');
    expect(second.errorMessage).toContain('You are not allowed to create a Tweet with duplicate content.');
    expect(second.attempts).toBe(1);
    expect(second.attemptsLog.map((a) => a.outcome)).toEqual(['duplicate']);
    expect(postsWith('the very same words on X')).toHaveLength(1);
  });

  it('fails with X’s message on a 400', async () => {
    server.faults.push({
      route: 'POST /2/tweets',
      status: 400,
      body: {
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.x.com/2/problems/invalid-request',
        status: 400,
      },
      when: 'refused by X as invalid',
      times: 1,
    });
    const target = await targetOf(await publishNow('refused by X as invalid'), settled);
    expect(target.status).toBe('failed');
    expect(target.errorMessage).toContain(
      'X answered 400: One or more parameters to your request was invalid.',
    );
    expect(target.attemptsLog.map((a) => a.outcome)).toEqual(['failed']);
    expect(postsWith('refused by X as invalid')).toHaveLength(0);
  });

  it('on a 401 refreshes the expired token (the refresh token rotates) and publishes in the same attempt', async () => {
    server.expireAccessTokens();
    const postId = await publishNow('published after X rotated the tokens');
    const target = await targetOf(postId, settled);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(target.attempts).toBe(1);
    expect(target.attemptsLog.map((a) => a.outcome)).toEqual(['published']);
    expect(postsWith('published after X rotated the tokens')).toHaveLength(1);
    const history = await herald.deps.db
      .select({ reason: tokenHistory.reason })
      .from(tokenHistory)
      .where(eq(tokenHistory.connectionId, channel.connectionId))
      .orderBy(asc(tokenHistory.createdAt));
    expect(history.at(-1)?.reason).toBe('rotated');
    const refreshes = await herald.deps.db
      .select()
      .from(reauthAudit)
      .where(and(eq(reauthAudit.connectionId, channel.connectionId), eq(reauthAudit.kind, 'refresh')));
    expect(refreshes).toEqual([expect.objectContaining({ trigger: 'publish', succeeded: true })]);
  });

  it('when X refuses the refresh too, the connection is expired and the target waits; a reconnect publishes it', async () => {
    server.expireAccessTokens();
    server.faults.push({
      route: 'POST /2/oauth2/token',
      status: 400,
      body: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
      when: 'grant_type=refresh_token',
      times: 1,
    });
    const postId = await publishNow('waits for X to be reconnected');
    const waiting = await targetOf(postId, settled);
    expect(waiting.status).toBe('waiting_reauth');
    expect(waiting.errorMessage).toMatch(/could not be refreshed/);
    const connection = await connectionView(herald, {
      workspaceId: ws(),
      member: team.user,
      connectionId: channel.connectionId,
    });
    expect(connection).toMatchObject({ status: 'expired', health: 'unhealthy' });
    expect(connection.lastError).toMatch(/token refresh refused/);
    expect(postsWith('waits for X to be reconnected')).toHaveLength(0);

    await reconnectThroughOAuth(herald, {
      workspaceId: ws(),
      member: team.user,
      connectionId: channel.connectionId,
    });
    const target = await targetOf(postId, ['published', 'failed', 'unknown']);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(outcomes(target)).toEqual(['auth', 'published']);
    const [post, ...more] = postsWith('waits for X to be reconnected');
    expect(more).toHaveLength(0);
    expect(target.remoteId).toBe(post!.id);
  });
});
