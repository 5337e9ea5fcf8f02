/**
 * The whole path on a real Herald with workers: a sandbox account's feed is collected, enriched by
 * the offline provider and drafted as a post on a connected sandbox channel; approving publishes it
 * through the normal engine; a takedown (grace period zero) deletes it on the platform exactly once
 * and marks the item removed.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sandboxAccounts, sandboxPosts, takedownTargets } from '../../src/db/schema.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { connectSandbox, waitFor, waitForPost } from '../support/publishing.ts';

let herald: TestHerald;
let team: Team;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_POLL_SECONDS: '0.5' } });
  await herald.listen();
  await startWorkers(herald.deps, { concurrency: 2 });
  team = await newTeam(herald);
});

afterAll(async () => {
  await herald?.close();
});

async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  const res = await herald.app.inject({
    method: method as 'GET',
    url: `/api/workspaces/${team.workspace.id}${path}`,
    headers: team.admin.headers,
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.json() as T };
}

type Item = { id: string; stage: string; postId: string | null; aiOutput: Record<string, unknown> | null };

it('collects, enriches, drafts, approves, publishes and takes down', async () => {
  const channel = await connectSandbox(herald, {
    workspaceId: team.workspace.id,
    member: team.admin,
    username: `pub${Date.now() % 100000}`,
  });
  const [writer] = await herald.deps.db
    .insert(sandboxAccounts)
    .values({ username: `writer${Date.now() % 100000}`, displayName: 'Writer' })
    .returning();
  await herald.deps.db.insert(sandboxPosts).values({
    accountId: writer!.id,
    text: 'Invoicing is painful for freelancers. I keep losing track of unpaid invoices. I wish there was a tool that chased clients for me.',
  });
  const source = await api<{ id: string }>('POST', '/sources', {
    kind: 'sandbox',
    name: 'Writer',
    config: { username: writer!.username },
    draftChannelIds: [channel.channelId],
  });
  expect(source.status, JSON.stringify(source.body)).toBe(201);
  expect((await api('POST', `/sources/${source.body.id}/collect`)).body).toMatchObject({ created: 1 });

  const drafted = await waitFor(
    async () => {
      const { body } = await api<{ items: Item[] }>('GET', `/pipeline/items?sourceId=${source.body.id}`);
      return body.items[0]?.stage === 'drafted' ? body.items[0] : undefined;
    },
    { what: 'the item to be enriched and drafted' },
  );
  expect(drafted.aiOutput).toMatchObject({ basic: true, provider: 'basic' });
  const post = await api<{ content: string; status: string }>('GET', `/posts/${drafted.postId}`);
  expect(post.body.status).toBe('draft');
  expect(post.body.content).toContain('I wish there was a tool that chased clients for me.');

  const approved = await api<Item>('POST', `/pipeline/items/${drafted.id}/approve`, {});
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  expect(approved.body.stage).toBe('scheduled');
  await waitForPost(herald, {
    workspaceId: team.workspace.id,
    member: team.admin,
    postId: drafted.postId!,
    statuses: ['published'],
  });
  expect((await api<Item>('GET', `/pipeline/items/${drafted.id}`)).body.stage).toBe('published');

  await api('PUT', '/ai/settings', { takedownGraceMinutes: 0 });
  const takedown = await api<{ id: string; status: string; targets: { status: string }[] }>(
    'POST',
    `/posts/${drafted.postId}/takedown`,
    { reason: 'the author asked us to' },
  );
  expect(takedown.status, JSON.stringify(takedown.body)).toBe(202);
  expect(takedown.body).toMatchObject({ status: 'pending', targets: [{ status: 'pending' }] });
  expect((await api('POST', `/posts/${drafted.postId}/takedown`, { reason: 'again' })).status).toBe(409);

  await waitFor(
    async () => {
      const { body } = await api<{ takedowns: { id: string; status: string }[] }>('GET', '/takedowns');
      return body.takedowns.find((t) => t.id === takedown.body.id)?.status === 'removed';
    },
    { what: 'the takedown to finish' },
  );
  const deleted = await herald.deps.db
    .select()
    .from(sandboxPosts)
    .innerJoin(sandboxAccounts, eq(sandboxAccounts.id, sandboxPosts.accountId))
    .where(and(eq(sandboxAccounts.username, channel.username), isNotNull(sandboxPosts.deletedAt)));
  expect(deleted).toHaveLength(1);
  const [step] = await herald.deps.db
    .select()
    .from(takedownTargets)
    .where(eq(takedownTargets.takedownId, takedown.body.id));
  expect(step).toMatchObject({ status: 'removed', attempts: 1 });
  expect(step!.deletedPartIds).toHaveLength(1);
  expect((await api<Item>('GET', `/pipeline/items/${drafted.id}`)).body.stage).toBe('removed');
});
