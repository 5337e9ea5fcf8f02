/**
 * Cookie sessions: every write, on every route, needs the session's own `X-CSRF-Token`; reads do not.
 * A browser attaches the cookie to a forged cross-site request, but cannot read the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/http/auth.ts';
import { isRead, isWorkspaceRoute, routes } from './routes.ts';
import { describeRoute, expectWorkspaceNotFound, requestFor, send, startWorld, type World } from './world.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world?.herald.close());

const forbiddenWithout = (
  res: { statusCode: number; body: string; json(): { error: { code: string; message: string } } },
  what: string,
) => {
  expect(res.statusCode, `${what}: ${res.body}`).toBe(403);
  expect(res.json().error.code, what).toBe('forbidden');
  expect(res.json().error.message, what).toContain('X-CSRF-Token');
};

describe('a cookie-authenticated write', () => {
  for (const route of routes((r) => !isRead(r))) {
    it(`${describeRoute(route)}: 403 without the session's X-CSRF-Token`, async () => {
      const { admin, outsider } = world.sessions;
      const attempts: [string, Record<string, string>][] = [
        ['no token', { cookie: admin.cookie }],
        ['a wrong token', { cookie: admin.cookie, [CSRF_HEADER]: 'not-the-token' }],
        ['an empty token', { cookie: admin.cookie, [CSRF_HEADER]: '' }],
        ["another session's token", { cookie: admin.cookie, [CSRF_HEADER]: outsider.csrfToken }],
      ];
      for (const [what, headers] of attempts) {
        forbiddenWithout(
          await send(world, requestFor(route, { resources: world.ours, headers })),
          `${route.key}, ${what}`,
        );
      }
      if (isWorkspaceRoute(route)) {
        // The same request with a session's own token gets past the check (to the workspace guard).
        const res = await send(
          world,
          requestFor(route, { resources: world.ours, headers: outsider.headers }),
        );
        expectWorkspaceNotFound(res, `${route.key}, the outsider's own token`);
      }
    });
  }

  it('changed nothing: the resources are there and the session still works', async () => {
    const { ours, sessions } = world;
    const base = `/api/workspaces/${ours.workspaceId}`;
    const get = (url: string) =>
      send(world, { method: 'GET', url, headers: { cookie: sessions.admin.cookie } });
    const post = await get(`${base}/posts/${ours.postId}`);
    expect(post.statusCode).toBe(200);
    expect(post.json()).toMatchObject({ content: 'Seeded', status: 'draft' });
    expect((await get(`${base}/media/${ours.mediaId}`)).json().altText).toBeNull();
    expect((await get(`${base}/channels/${ours.channelId}`)).json()).toMatchObject({
      isActive: true,
      connection: { status: 'active' },
    });
    const members = (await get(`${base}/members`)).json().members as { userId: string; role: string }[];
    expect(members).toHaveLength(3);
    expect(members).toContainEqual(expect.objectContaining({ userId: ours.memberId, role: 'user' }));
    const tokens = (await get('/api/tokens')).json().tokens as { id: string; revokedAt: string | null }[];
    expect(tokens).toEqual([expect.objectContaining({ id: ours.tokenId, revokedAt: null })]);
    expect((await get('/api/workspaces')).json().workspaces).toHaveLength(1);
  });
});

describe('a cookie-authenticated read', () => {
  it('needs no X-CSRF-Token', async () => {
    for (const route of routes((r) => isRead(r) && r.spec.needs !== 'public')) {
      const res = await send(
        world,
        requestFor(route, { resources: world.ours, headers: { cookie: world.sessions.admin.cookie } }),
      );
      expect(res.statusCode, `${route.key}: ${res.body}`).toBe(200);
    }
  });
});
