/**
 * The publishing engine (pg-boss workers, claim → execute → settle) driving the real Mastodon adapter
 * against the local server that speaks Mastodon's API (test/platforms/mastodon/server.ts), instead of
 * the sandbox. The account is connected as a user would: the instance's app registered with
 * `POST /api/v1/apps`, brought to the workspace with its base URL, then OAuth + PKCE through Herald's
 * callback. Faults come from the server's own knobs: 5xx, a connection dropped after the status was
 * stored, 429 with `X-RateLimit-*` headers, 422 bodies, 401 with and without a refresh token.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postTargets, reauthAudit } from '../../src/db/schema.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { registerMastodonApp } from '../../src/platforms/mastodon/register-app.ts';
import { type MastodonServer, startMastodonServer } from '../platforms/mastodon/server.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { publishNow as publishNowTo, uploadImage, waitForTarget } from '../support/publishing.ts';
import {
  connectionView,
  connectThroughOAuth,
  type OAuthChannel,
  reconnectThroughOAuth,
  registerPlatformApp,
} from '../support/real-protocol.ts';

const STATUSES = /^\/api\/v1\/statuses$/;
const RETRY_BASE_SECONDS = 0.2;

describe('the engine publishing to a Mastodon instance over its protocol', () => {
  let server: MastodonServer;
  let herald: TestHerald;
  let team: Team;
  /** Alice: a plain Mastodon account, tokens that never expire and no refresh token. */
  let alice: OAuthChannel;
  /** Bob: an account on an instance (a fork) that issues rotating refresh tokens. */
  let bob: OAuthChannel;
  const ws = () => team.workspace.id;

  beforeAll(async () => {
    server = await startMastodonServer();
    herald = await startHerald({
      env: { HERALD_RETRY_BASE_SECONDS: String(RETRY_BASE_SECONDS), HERALD_POLL_SECONDS: '0.5' },
    });
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 2 });
    team = await newTeam(herald);

    const app = await registerMastodonApp({
      fetch,
      instanceUrl: server.url,
      redirectUri: `${herald.baseUrl}/api/oauth/callback`,
    });
    await registerPlatformApp(herald, {
      workspaceId: ws(),
      admin: team.admin,
      app: {
        platform: 'mastodon',
        name: 'social.example',
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        scopes: app.scopes,
        baseUrl: server.url,
      },
    });
    alice = await connectThroughOAuth(herald, { workspaceId: ws(), member: team.user, platform: 'mastodon' });

    server.accounts.set('2', { id: '2', username: 'bob', displayName: 'Bob', followers: 7 });
    server.state.signedInAs = '2';
    server.state.issueRefreshTokens = true;
    bob = await connectThroughOAuth(herald, { workspaceId: ws(), member: team.user, platform: 'mastodon' });
    server.state.signedInAs = '1';
    server.state.issueRefreshTokens = false;
  });
  afterAll(async () => {
    await herald?.close();
    await server?.close();
  });

  const publishNow = (channel: OAuthChannel, content: string, extra: Record<string, unknown> = {}) =>
    publishNowTo(herald, {
      workspaceId: ws(),
      member: team.user,
      channelId: channel.channelId,
      content,
      extra,
    });
  const targetOf = async (postId: string, statuses: string[]) =>
    (await waitForTarget(herald, { workspaceId: ws(), member: team.user, postId, statuses })).target;
  const statusesWith = (text: string) => [...server.statuses.values()].filter((s) => s.text === text);
  const outcomes = (target: { attemptsLog: { outcome: string }[] }) =>
    target.attemptsLog.map((a) => a.outcome).sort();
  const attemptLog = async (postId: string) => {
    const res = await herald.app.inject({
      method: 'GET',
      url: `/api/workspaces/${ws()}/posts/${postId}`,
      headers: team.user.headers,
    });
    return (
      res.json() as {
        targets: {
          attemptsLog: { outcome: string; startedAt: string; finishedAt: string; rateLimit: unknown }[];
        }[];
      }
    ).targets[0]!.attemptsLog;
  };

  it('publishes text with an image once; the target holds the id and URL the instance gave', async () => {
    const mediaId = await uploadImage(herald, { workspaceId: ws(), member: team.user, altText: 'one pixel' });
    const postId = await publishNow(alice, 'Hello Mastodon from the engine', { mediaIds: [mediaId] });
    const target = await targetOf(postId, ['published', 'failed', 'unknown']);
    expect(target.status, target.errorMessage ?? '').toBe('published');

    const [status, ...more] = statusesWith('Hello Mastodon from the engine');
    expect(more).toHaveLength(0);
    expect(status!.accountId).toBe('1');
    expect(target.remoteId).toBe(status!.id);
    expect(target.remoteUrl).toBe(`https://social.example/@alice/${status!.id}`);
    expect(status!.mediaIds).toHaveLength(1);
    expect(server.media.get(status!.mediaIds[0]!)).toMatchObject({
      mimeType: 'image/png',
      description: 'one pixel',
    });
    expect(target.attempts).toBe(1);
    expect(target.attemptsLog.map((a) => a.outcome)).toEqual(['published']);
    // The status went out under the target's own idempotency key.
    const [row] = await herald.deps.db
      .select({ key: postTargets.idempotencyKey })
      .from(postTargets)
      .where(eq(postTargets.id, target.id));
    const sent = server.requests.filter((r) => r.method === 'POST' && STATUSES.test(r.path));
    expect(sent.at(-1)!.headers['idempotency-key']).toBe(row!.key);
  });

  it('retries a 503 after a backoff and publishes once', async () => {
    server.fail({ method: 'POST', path: STATUSES, status: 503, body: { error: 'Service Unavailable' } });
    const postId = await publishNow(alice, 'survives a 503 on the instance');
    const target = await targetOf(postId, ['published', 'failed', 'unknown']);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(target.attempts).toBe(2);
    expect(outcomes(target)).toEqual(['published', 'retry']);
    const [status, ...more] = statusesWith('survives a 503 on the instance');
    expect(more).toHaveLength(0);
    expect(target.remoteId).toBe(status!.id);

    const [failed, published] = (await attemptLog(postId)).sort((a, b) =>
      a.startedAt.localeCompare(b.startedAt),
    );
    expect(failed!.outcome).toBe('retry');
    // The retry waited at least the smallest jittered backoff (base × 0.75) after the failure.
    expect(Date.parse(published!.startedAt) - Date.parse(failed!.finishedAt)).toBeGreaterThanOrEqual(
      RETRY_BASE_SECONDS * 1000 * 0.75,
    );
  });

  it('reconciles a status whose reply was lost on the network instead of posting it again', async () => {
    // The instance stores the status, then the connection drops: the worker sees a network failure.
    server.state.afterCommit = 'drop';
    const postId = await publishNow(alice, 'stored, then the connection dropped');
    const target = await targetOf(postId, ['published', 'failed', 'unknown']);
    expect(server.state.afterCommit).toBeNull();
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(outcomes(target)).toEqual(['reconciled', 'retry']);
    const [status, ...more] = statusesWith('stored, then the connection dropped');
    expect(more).toHaveLength(0);
    expect(target.remoteId).toBe(status!.id);
    expect(target.remoteUrl).toBe(`https://social.example/@alice/${status!.id}`);
  });

  it('defers a 429 to the X-RateLimit-Reset time without spending an attempt, then publishes', async () => {
    const reset = new Date(Date.now() + 2000);
    server.fail({
      method: 'POST',
      path: STATUSES,
      status: 429,
      body: { error: 'Too many requests' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset.toISOString() },
    });
    const postId = await publishNow(alice, 'waits for the instance rate limit');
    const target = await targetOf(postId, ['published', 'failed', 'unknown']);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(target.attempts).toBe(1);
    expect(outcomes(target)).toEqual(['published', 'rate_limited']);
    expect(statusesWith('waits for the instance rate limit')).toHaveLength(1);

    const log = await attemptLog(postId);
    const limited = log.find((a) => a.outcome === 'rate_limited')!;
    const published = log.find((a) => a.outcome === 'published')!;
    expect(limited.rateLimit).toMatchObject({ bucket: 'statuses', remaining: 0 });
    expect(Date.parse(published.startedAt)).toBeGreaterThanOrEqual(reset.getTime());
  });

  it('fails with the instance’s message on a 422, and on a limit only the instance knows', async () => {
    server.fail({
      method: 'POST',
      path: STATUSES,
      status: 422,
      body: { error: 'Validation failed: Text contains a word this instance does not allow' },
    });
    const refused = await targetOf(await publishNow(alice, 'refused by the instance'), [
      'failed',
      'published',
    ]);
    expect(refused.status).toBe('failed');
    expect(refused.errorMessage).toContain(
      'Mastodon answered 422: Validation failed: Text contains a word this instance does not allow',
    );
    expect(refused.attempts).toBe(1);
    expect(refused.attemptsLog.map((a) => a.outcome)).toEqual(['failed']);
    expect(statusesWith('refused by the instance')).toHaveLength(0);

    // Valid for Mastodon's default 500 characters, so it is scheduled; this instance allows 40.
    server.state.limits.maxCharacters = 40;
    try {
      const long = 'longer than this instance allows, though fine for most';
      const tooLong = await targetOf(await publishNow(alice, long), ['failed', 'published']);
      expect(tooLong.status).toBe('failed');
      expect(tooLong.errorMessage).toMatch(/at most 40 characters/);
      expect(statusesWith(long)).toHaveLength(0);
    } finally {
      server.state.limits.maxCharacters = 500;
    }
  });

  it('on a 401 refreshes a rotating refresh token and retries within the same attempt', async () => {
    const tokenCalls = () => server.requests.filter((r) => r.path === '/oauth/token').length;
    const before = tokenCalls();
    server.fail({
      method: 'POST',
      path: STATUSES,
      status: 401,
      body: { error: 'The access token is invalid' },
    });
    const postId = await publishNow(bob, 'published after a token refresh');
    const target = await targetOf(postId, ['published', 'failed', 'unknown', 'waiting_reauth']);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(target.attempts).toBe(1);
    expect(target.attemptsLog.map((a) => a.outcome)).toEqual(['published']);
    const [status, ...more] = statusesWith('published after a token refresh');
    expect(more).toHaveLength(0);
    expect(status!.accountId).toBe('2');
    expect(target.remoteId).toBe(status!.id);

    expect(tokenCalls()).toBe(before + 1);
    const refreshes = await herald.deps.db
      .select()
      .from(reauthAudit)
      .where(and(eq(reauthAudit.connectionId, bob.connectionId), eq(reauthAudit.kind, 'refresh')));
    expect(refreshes).toEqual([expect.objectContaining({ trigger: 'publish', succeeded: true })]);
    expect(
      await connectionView(herald, { workspaceId: ws(), member: team.user, connectionId: bob.connectionId }),
    ).toMatchObject({ status: 'active', health: 'healthy' });
  });

  // Last: it revokes every token the instance has issued.
  it('on a 401 with nothing to refresh marks the connection expired; the target waits, then publishes after a reconnect', async () => {
    server.revokeAll();
    const postId = await publishNow(alice, 'waits for the account to be reconnected');
    const waiting = await targetOf(postId, ['waiting_reauth', 'published', 'failed', 'unknown']);
    expect(waiting.status).toBe('waiting_reauth');
    expect(waiting.errorMessage).toMatch(/Mastodon rejected the account's token/);
    const connection = await connectionView(herald, {
      workspaceId: ws(),
      member: team.user,
      connectionId: alice.connectionId,
    });
    expect(connection).toMatchObject({ status: 'expired', health: 'unhealthy' });
    expect(connection.lastError).toMatch(/access token is invalid/);
    expect(statusesWith('waits for the account to be reconnected')).toHaveLength(0);

    await reconnectThroughOAuth(herald, {
      workspaceId: ws(),
      member: team.user,
      connectionId: alice.connectionId,
    });
    const target = await targetOf(postId, ['published', 'failed', 'unknown']);
    expect(target.status, target.errorMessage ?? '').toBe('published');
    expect(outcomes(target)).toEqual(['auth', 'published']);
    const [status, ...more] = statusesWith('waits for the account to be reconnected');
    expect(more).toHaveLength(0);
    expect(target.remoteId).toBe(status!.id);
  });
});
