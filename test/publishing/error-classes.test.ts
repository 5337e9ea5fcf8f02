/**
 * What the engine does with each kind of platform answer, driven by a scripted platform: permanent
 * failures, giving up after max attempts, resumable "pending" publishes, and outcomes nobody can
 * know, which wait for a person.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, postTargets } from '../../src/db/schema.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { createPlatforms } from '../../src/platforms/registry.ts';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import { PlatformError } from '../../src/platforms/types.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { publishNow as publishNowTo, waitForTarget } from '../support/publishing.ts';
import { scriptedChannel, scriptedPlatform } from '../support/scripted-platform.ts';

describe('error classes', () => {
  const scripted = scriptedPlatform();
  let herald: TestHerald;
  let team: Team;
  let channelId: string;

  beforeAll(async () => {
    herald = await startHerald({
      env: { HERALD_RETRY_BASE_SECONDS: '0.1', HERALD_POLL_SECONDS: '0.5' },
      overrides: { platforms: createPlatforms([sandboxAdapter, scripted.adapter]) },
    });
    await startWorkers(herald.deps, { concurrency: 2 });
    team = await newTeam(herald);
    ({ channelId } = await scriptedChannel(herald.deps, team.workspace.id));
  });
  afterAll(async () => herald?.close());

  const publishNow = (content: string, extra: Record<string, unknown> = {}) =>
    publishNowTo(herald, { workspaceId: team.workspace.id, member: team.user, channelId, content, extra });
  const targetOf = (postId: string, statuses: string[]) =>
    waitForTarget(herald, { workspaceId: team.workspace.id, member: team.user, postId, statuses });

  it('refuses before scheduling what the platform would refuse', async () => {
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts`,
      headers: team.user.headers,
      payload: { content: 'x'.repeat(101), channelIds: [channelId], publishNow: true },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.issues[0]).toMatchObject({ path: 'text', channelId });
    expect(scripted.calls).toHaveLength(0);
  });

  it('fails an invalid post permanently with the platform message, spending one attempt', async () => {
    scripted.publishes.push(
      new PlatformError({ kind: 'invalid', code: 'bad_media', message: 'the image is too small' }),
    );
    const postId = await publishNow('invalid on the platform');
    const { post, target } = await targetOf(postId, ['failed']);
    expect(post.status).toBe('failed');
    expect(target).toMatchObject({
      errorCode: 'bad_media',
      errorMessage: 'the image is too small',
      attempts: 1,
    });
  });

  it('gives up after maxAttempts transient failures, reconciling before each retry', async () => {
    // Nothing reached the platform here: the token refresh before any publish call keeps failing.
    const { channelId: expiring, connectionId } = await scriptedChannel(herald.deps, team.workspace.id);
    await herald.deps.db
      .update(connections)
      .set({ refreshToken: herald.deps.secrets.encrypt('r'), tokenExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(connections.id, connectionId));
    for (let i = 0; i < 3; i++)
      scripted.refreshes.push(async () => {
        throw new PlatformError({ kind: 'transient', message: 'HTTP 502' });
      });
    const before = scripted.calls.length;
    const postId = await publishNowTo(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      channelId: expiring,
      content: 'keeps failing before it could post',
      extra: { maxAttempts: 3 },
    });
    const { target } = await targetOf(postId, ['failed']);
    expect(target.attempts).toBe(3);
    expect(target.errorMessage).toBe('HTTP 502 (gave up after 3 attempts)');
    expect(scripted.calls.slice(before)).toEqual([]);
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['failed', 'retry', 'retry']);
  });

  it('says `unknown`, not `failed`, when the last try may have reached the platform, and a retry asks first', async () => {
    // The platform stored the post, then the call timed out; every check after that met a 5xx.
    scripted.publishes.push(new PlatformError({ kind: 'transient', message: 'timed out' }));
    for (let i = 0; i < 2; i++)
      scripted.reconciles.push(new PlatformError({ kind: 'transient', message: 'HTTP 503', status: 503 }));
    const before = scripted.calls.length;
    const postId = await publishNow('stored, then nobody could tell', { maxAttempts: 3 });
    const { target } = await targetOf(postId, ['unknown', 'failed']);
    expect(target.status).toBe('unknown');
    expect(target.attempts).toBe(3);
    expect(target.errorMessage).toMatch(/gave up after 3 attempts; the post may have reached the platform/);
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['retry', 'retry', 'unknown']);
    expect(scripted.calls.slice(before).map((c) => c.method)).toEqual(['publish', 'reconcile', 'reconcile']);
    const [saved] = await herald.deps.db
      .select({ publishState: postTargets.publishState })
      .from(postTargets)
      .where(eq(postTargets.id, target.id));
    expect(saved!.publishState).toEqual({ reconcile: true });

    // A person asks for another try: Herald asks the platform first and finds the one copy.
    scripted.reconciles.push({ status: 'found', remoteId: 'r-stored', remoteUrl: null });
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts/${postId}/targets/${target.id}/resolve`,
      headers: team.user.headers,
      payload: { action: 'retry' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const done = await targetOf(postId, ['published', 'failed', 'unknown']);
    expect(done.target).toMatchObject({ status: 'published', remoteId: 'r-stored' });
    expect(scripted.calls.slice(before).map((c) => c.method)).toEqual([
      'publish',
      'reconcile',
      'reconcile',
      'reconcile',
    ]);
  });

  it('a reconcile the platform refuses leaves the target `unknown`, and a retry still asks first', async () => {
    scripted.publishes.push(new PlatformError({ kind: 'transient', message: 'timed out' }));
    scripted.reconciles.push(new PlatformError({ kind: 'invalid', message: 'lookup refused' }));
    const before = scripted.calls.length;
    const postId = await publishNow('refused lookup', { maxAttempts: 3 });
    const { target } = await targetOf(postId, ['unknown', 'failed']);
    expect(target).toMatchObject({
      status: 'unknown',
      errorMessage: expect.stringMatching(/^lookup refused/),
    });
    scripted.reconciles.push({ status: 'found', remoteId: 'r-refused', remoteUrl: null });
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts/${postId}/targets/${target.id}/resolve`,
      headers: team.user.headers,
      payload: { action: 'retry' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const done = await targetOf(postId, ['published', 'failed']);
    expect(done.target.remoteId).toBe('r-refused');
    expect(scripted.calls.slice(before).map((c) => c.method)).toEqual(['publish', 'reconcile', 'reconcile']);
  });

  it('finds a post an earlier timed-out try did publish instead of posting again', async () => {
    scripted.publishes.push(new PlatformError({ kind: 'transient', message: 'timed out' }));
    scripted.reconciles.push({ status: 'found', remoteId: 'r-1', remoteUrl: 'https://scripted.test/r-1' });
    const postId = await publishNow('published despite the timeout');
    const { target } = await targetOf(postId, ['published']);
    expect(target).toMatchObject({ remoteId: 'r-1', remoteUrl: 'https://scripted.test/r-1' });
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['reconciled', 'retry']);
  });

  it('finishes a thread an interrupted try left half-posted, from what the reconcile found', async () => {
    scripted.publishes.push(new PlatformError({ kind: 'transient', message: 'timed out' }));
    scripted.reconciles.push({ status: 'partial', state: { posted: ['root-1'] } });
    scripted.publishes.push((request) =>
      request.state?.posted
        ? { status: 'published', remoteId: 'root-1', remoteUrl: null, partIds: ['reply-2'] }
        : new PlatformError({ kind: 'invalid', message: 'started over instead of carrying on' }),
    );
    const before = scripted.calls.length;
    const postId = await publishNow('a thread cut in half');
    const { target } = await targetOf(postId, ['published', 'failed']);
    expect(target).toMatchObject({ status: 'published', remoteId: 'root-1', remotePartIds: ['reply-2'] });
    expect(scripted.calls.slice(before).map((c) => c.method)).toEqual(['publish', 'reconcile', 'publish']);
  });

  it('keeps asking the platform before posting again while a reconcile itself fails', async () => {
    scripted.publishes.push(new PlatformError({ kind: 'transient', message: 'timed out' }));
    scripted.reconciles.push(new PlatformError({ kind: 'transient', message: 'lookup failed' }));
    scripted.reconciles.push({ status: 'found', remoteId: 'r-late', remoteUrl: null });
    const before = scripted.calls.length;
    const postId = await publishNow('found on the second look');
    const { target } = await targetOf(postId, ['published', 'failed']);
    expect(target).toMatchObject({ status: 'published', remoteId: 'r-late', attempts: 2 });
    expect(scripted.calls.slice(before).map((c) => c.method)).toEqual(['publish', 'reconcile', 'reconcile']);
  });

  it('resumes a publish the platform is still processing with the state it returned', async () => {
    scripted.publishes.push({ status: 'pending', state: { container: 'c-9' }, retryAfterMs: 200 });
    scripted.publishes.push((request) =>
      request.state?.container === 'c-9'
        ? { status: 'published', remoteId: 'r-9', remoteUrl: null }
        : new PlatformError({
            kind: 'invalid',
            message: `resumed without state: ${JSON.stringify(request.state)}`,
          }),
    );
    const postId = await publishNow('video still processing');
    const { target } = await targetOf(postId, ['published', 'failed']);
    expect(target).toMatchObject({ status: 'published', remoteId: 'r-9', attempts: 1 });
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['pending', 'published']);
  });

  it('keeps the saved platform state through a rate limit and resumes from it', async () => {
    scripted.publishes.push({ status: 'pending', state: { container: 'c-7' }, retryAfterMs: 100 });
    scripted.publishes.push(
      new PlatformError({
        kind: 'rate_limited',
        message: 'slow down',
        retryAfter: new Date(Date.now() + 300),
      }),
    );
    scripted.publishes.push((request) =>
      request.state?.container === 'c-7'
        ? { status: 'published', remoteId: 'r-7', remoteUrl: null }
        : new PlatformError({ kind: 'invalid', message: `lost the state: ${JSON.stringify(request.state)}` }),
    );
    const postId = await publishNow('processing, then rate limited');
    const { target } = await targetOf(postId, ['published', 'failed']);
    expect(target).toMatchObject({ status: 'published', remoteId: 'r-7' });
    expect(target.attemptsLog.map((a) => a.outcome).sort()).toEqual(['pending', 'published', 'rate_limited']);
  });

  it('puts a target nobody can check in `unknown`, and lets a person resolve it', async () => {
    scripted.publishes.push(new PlatformError({ kind: 'transient', message: 'connection reset' }));
    scripted.reconciles.push({ status: 'unknowable' });
    const postId = await publishNow('did it go out?');
    const { target } = await targetOf(postId, ['unknown']);
    expect(target.errorCode).toBe('unknown_outcome');

    const viewer = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts/${postId}/targets/${target.id}/resolve`,
      headers: team.viewer.headers,
      payload: { action: 'mark_published' },
    });
    expect(viewer.statusCode).toBe(403);
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts/${postId}/targets/${target.id}/resolve`,
      headers: team.user.headers,
      payload: { action: 'mark_published', remoteUrl: 'https://scripted.test/seen' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('published');
    expect(res.json().targets[0]).toMatchObject({
      status: 'published',
      remoteUrl: 'https://scripted.test/seen',
    });
  });

  it('retries only the failed targets of a post', async () => {
    scripted.publishes.push(new PlatformError({ kind: 'invalid', message: 'nope' }));
    const postId = await publishNow('retry me');
    await targetOf(postId, ['failed']);
    scripted.publishes.push({ status: 'published', remoteId: 'r-retry', remoteUrl: null });
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts/${postId}/retry`,
      headers: team.user.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const { target } = await targetOf(postId, ['published']);
    expect(target.remoteId).toBe('r-retry');
    const again = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts/${postId}/retry`,
      headers: team.user.headers,
    });
    expect(again.statusCode).toBe(409);
  });
});
