/**
 * `POST /jobs/:targetId/retry` (the `retryJob` use-case, shared with `herald queue retry`): a waiting
 * target skips its wait, a failed one gets a fresh attempt budget, anything else is refused. No
 * workers run here, so every target stays where the retry put it.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postTargets } from '../../src/db/schema.ts';
import { createPlatforms } from '../../src/platforms/registry.ts';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { scriptedChannel, scriptedPlatform } from '../support/scripted-platform.ts';

describe('retrying a target from the queue', () => {
  let herald: TestHerald;
  let team: Team;
  let channelId: string;

  beforeAll(async () => {
    herald = await startHerald({
      overrides: { platforms: createPlatforms([sandboxAdapter, scriptedPlatform().adapter]) },
    });
    team = await newTeam(herald);
    ({ channelId } = await scriptedChannel(herald.deps, team.workspace.id));
  });
  afterAll(async () => herald?.close());

  const base = () => `/api/workspaces/${team.workspace.id}`;

  /** A post on the scripted channel; returns its one target's id. */
  const newTarget = async (payload: Record<string, unknown>) => {
    const res = await herald.app.inject({
      method: 'POST',
      url: `${base()}/posts`,
      headers: team.user.headers,
      payload: { content: `retry ${randomUUID()}`, channelIds: [channelId], ...payload },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().targets[0].id as string;
  };
  const retry = (targetId: string, workspaceId = team.workspace.id, headers = team.user.headers) =>
    herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${workspaceId}/jobs/${targetId}/retry`,
      headers,
    });
  const targetRow = async (id: string) =>
    (await herald.deps.db.select().from(postTargets).where(eq(postTargets.id, id)))[0]!;

  it('runs a waiting target now instead of at its time', async () => {
    const targetId = await newTarget({ scheduledAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    const before = await targetRow(targetId);
    const res = await retry(targetId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ targetId, status: 'scheduled' });
    const after = await targetRow(targetId);
    expect(after.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(after.jobId).not.toBe(before.jobId);
  });

  it('gives a failed target a fresh attempt budget', async () => {
    const targetId = await newTarget({ scheduledAt: new Date(Date.now() + 86_400_000).toISOString() });
    await herald.deps.db
      .update(postTargets)
      .set({ status: 'failed', attempts: 5, errorCode: 'boom', errorMessage: 'it broke', jobId: null })
      .where(eq(postTargets.id, targetId));
    const res = await retry(targetId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ targetId, status: 'retrying' });
    expect(await targetRow(targetId)).toMatchObject({ attempts: 0, errorCode: null, errorMessage: null });
  });

  it('refuses a draft target, and hides targets of other workspaces', async () => {
    const draft = await newTarget({});
    const refused = await retry(draft);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toBe('a draft target cannot be retried from the queue');

    expect((await retry(randomUUID())).statusCode).toBe(404);
    const elsewhere = await retry(draft, team.otherWorkspace.id, team.outsider.headers);
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.json().error.message).toBe('target not found');
  });
});
