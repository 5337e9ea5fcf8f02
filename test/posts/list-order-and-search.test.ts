/**
 * The posts list in the order a person reads it: by the post's time (soonest first for what is
 * coming, newest first for the past), across pages, and search that finds a per-channel text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { type ConnectedChannel, connectSandbox } from '../support/publishing.ts';

describe('listing posts by time, and searching per-channel text', () => {
  let herald: TestHerald;
  let team: Team;
  let alice: ConnectedChannel;
  let bob: ConnectedChannel;
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

  beforeAll(async () => {
    herald = await startHerald();
    await herald.listen();
    team = await newTeam(herald);
    alice = await connectSandbox(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      username: 'lo_a',
    });
    bob = await connectSandbox(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      username: 'lo_b',
    });
    // Created in an order unrelated to their times (as the dashboard saw: 18, 9, 9, then 7 Dec).
    for (const [content, days] of [
      ['in eleven days', 11],
      ['in two days', 2],
      ['in three days', 3],
      ['tomorrow', 1],
    ] as const) {
      const res = await herald.app.inject({
        method: 'POST',
        url: `/api/workspaces/${team.workspace.id}/posts`,
        headers: team.user.headers,
        payload: {
          content,
          channelIds: [alice.channelId, bob.channelId],
          scheduledAt: inDays(days),
          overrides: content === 'tomorrow' ? { [bob.channelId]: { content: 'Bonjour les marmottes' } } : {},
        },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  afterAll(async () => herald?.close());

  const list = async (query: Record<string, string>) => {
    const res = await herald.app.inject({
      method: 'GET',
      url: `/api/workspaces/${team.workspace.id}/posts?${new URLSearchParams(query)}`,
      headers: team.viewer.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { content: string }[]; nextCursor: string | null };
  };

  it('sorts soonest first, page after page', async () => {
    const first = await list({ status: 'scheduled', sort: 'when_asc', limit: '3' });
    expect(first.items.map((p) => p.content)).toEqual(['tomorrow', 'in two days', 'in three days']);
    const second = await list({
      status: 'scheduled',
      sort: 'when_asc',
      limit: '3',
      cursor: first.nextCursor!,
    });
    expect(second.items.map((p) => p.content)).toEqual(['in eleven days']);
    expect(second.nextCursor).toBeNull();
  });

  it('sorts latest first', async () => {
    const page = await list({ sort: 'when_desc' });
    expect(page.items.map((p) => p.content)).toEqual([
      'in eleven days',
      'in three days',
      'in two days',
      'tomorrow',
    ]);
  });

  it('refuses a cursor from a list in another order', async () => {
    const first = await list({ sort: 'when_asc', limit: '1' });
    const res = await herald.app.inject({
      method: 'GET',
      url: `/api/workspaces/${team.workspace.id}/posts?sort=created_desc&cursor=${first.nextCursor}`,
      headers: team.viewer.headers,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.issues[0].path).toBe('cursor');
  });

  it('finds a post by its per-channel text', async () => {
    const page = await list({ q: 'marmottes' });
    expect(page.items.map((p) => p.content)).toEqual(['tomorrow']);
  });
});
