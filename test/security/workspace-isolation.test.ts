/**
 * Workspace isolation and roles, route by route from the matrix: outsiders and unknown workspaces get
 * 404 (never 403, never data), each role gets exactly the routes its rank allows, ids of another
 * workspace's resources are as missing as ids that name nothing, and nobody unauthenticated gets in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isRead,
  isWorkspaceRoute,
  type Resource,
  type Resources,
  type Route,
  resourceId,
  roleOrder,
  routes,
} from './routes.ts';
import {
  describeRoute,
  expectResourceNotFound,
  expectWorkspaceNotFound,
  missingId,
  requestFor,
  send,
  startWorld,
  type World,
} from './world.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world?.herald.close());

const workspaceRoutes = routes(isWorkspaceRoute);
const resourceParams = (route: Route) =>
  Object.entries(route.spec.params ?? {}).filter(
    (entry): entry is [string, Resource] => typeof entry[1] === 'string',
  );
/** Every resource parameter of the route set to an id that names nothing. */
const missingParams = (route: Route) =>
  Object.fromEntries(resourceParams(route).map(([name]) => [name, missingId()]));

describe('a caller who is not a member of the workspace', () => {
  for (const route of workspaceRoutes) {
    it(`gets 404 from ${describeRoute(route)}, as for a workspace that does not exist`, async () => {
      const { team, ours } = world;
      const res = await send(world, requestFor(route, { resources: ours, headers: team.outsider.headers }));
      expectWorkspaceNotFound(res, `outsider: ${route.key}`);
      if (isRead(route)) {
        const head = await send(world, {
          ...requestFor(route, { resources: ours, headers: team.outsider.headers }),
          method: 'HEAD',
        });
        expect(head.statusCode, `outsider: HEAD ${route.url}`).toBe(404);
      }
      const unknown = await send(
        world,
        requestFor(route, { resources: { ...ours, workspaceId: missingId() }, headers: team.admin.headers }),
      );
      expectWorkspaceNotFound(unknown, `unknown workspace: ${route.key}`);
    });
  }
});

describe('an unauthenticated caller', () => {
  for (const route of routes((r) => r.spec.needs !== 'public')) {
    it(`gets 401 from ${describeRoute(route)}, with no credentials or a bad token`, async () => {
      const { ours } = world;
      const anonymous: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-real-token' }];
      for (const headers of anonymous) {
        const res = await send(world, requestFor(route, { resources: ours, headers }));
        expect(res.statusCode, `${route.key} ${JSON.stringify(headers)}: ${res.body}`).toBe(401);
        expect(res.json().error.code).toBe('unauthenticated');
      }
    });
  }

  it('is let into the public routes', async () => {
    for (const route of routes((r) => r.spec.needs === 'public')) {
      const res = await send(world, requestFor(route, { resources: world.ours }));
      // Logging in with an unknown email is a 401 about the body's credentials, not the caller's.
      if (route.key === 'POST /api/auth/login')
        expect(res.json().error.message).toBe('wrong email or password');
      else expect(res.statusCode, `${route.key}: ${res.body}`).not.toBe(401);
      expect(res.statusCode, `${route.key}: ${res.body}`).toBeLessThan(500);
    }
  });
});

describe('roles', () => {
  for (const route of workspaceRoutes) {
    const needed = route.spec.needs as (typeof roleOrder)[number];
    const below = roleOrder.slice(0, roleOrder.indexOf(needed));

    if (below.length) {
      it(`${describeRoute(route)}: 403 for ${below.join(' and ')}`, async () => {
        for (const role of below) {
          const res = await send(
            world,
            requestFor(route, { resources: world.ours, headers: world.team[role].headers }),
          );
          expect(res.statusCode, `${role}: ${route.key}: ${res.body}`).toBe(403);
          expect(res.json().error).toMatchObject({
            code: 'forbidden',
            message: expect.stringContaining(needed),
          });
        }
      });
    }

    it(`${describeRoute(route)}: ${needed === 'admin' ? 'an' : 'a'} ${needed} gets past the guard`, async () => {
      const member = world.team[needed];
      // Ids that name nothing: nothing is changed, and the reply comes from the route itself.
      const params = missingParams(route);
      const res = await send(
        world,
        requestFor(route, { resources: world.ours, params, headers: member.headers }),
      );
      if (Object.keys(params).length) {
        expectResourceNotFound(res, `${needed}: ${route.key}`);
      } else {
        expect(res.statusCode, `${needed}: ${route.key}: ${res.body}`).toBeLessThan(500);
        expect([401, 403, 404], `${needed}: ${route.key}: ${res.body}`).not.toContain(res.statusCode);
      }
    });

    if (isRead(route)) {
      it(`${describeRoute(route)}: a viewer reads the workspace's own resources`, async () => {
        const res = await send(
          world,
          requestFor(route, { resources: world.ours, headers: world.team.viewer.headers }),
        );
        expect(res.statusCode, `${route.key}: ${res.body}`).toBe(200);
      });
    }
  }
});

describe("another workspace's resources", () => {
  const withResources = workspaceRoutes.filter((route) => resourceParams(route).length);

  for (const route of withResources) {
    it(`${describeRoute(route)}: a foreign id is 404, as a missing one`, async () => {
      const { team, ours, theirs } = world;
      for (const [name, resource] of resourceParams(route)) {
        const ownWorkspace = await send(
          world,
          requestFor(route, {
            resources: ours,
            params: { [name]: resourceId[resource](theirs) },
            headers: team.admin.headers,
          }),
        );
        expectResourceNotFound(ownWorkspace, `admin, foreign :${name}: ${route.key}`);
        // The other way round: the outsider in their own workspace with the team's ids.
        const theirWorkspace = await send(
          world,
          requestFor(route, {
            resources: theirs,
            params: { [name]: resourceId[resource](ours) },
            headers: team.outsider.headers,
          }),
        );
        expectResourceNotFound(theirWorkspace, `outsider, team's :${name}: ${route.key}`);
      }
    });
  }

  it('an API token of another user is 404 to revoke, and keeps working', async () => {
    const { team, ours, theirs } = world;
    const route = routes((r) => r.key === 'DELETE /api/tokens/:id')[0]!;
    const res = await send(world, requestFor(route, { resources: theirs, headers: team.admin.headers }));
    expectResourceNotFound(res, 'admin revoking the outsider token');
    const back = await send(world, requestFor(route, { resources: ours, headers: team.outsider.headers }));
    expectResourceNotFound(back, 'outsider revoking the admin token');
    const me = await send(world, { method: 'GET', url: '/api/me', headers: team.outsider.headers });
    expect(me.statusCode).toBe(200);
  });

  const inBody: { field: string; body: (ours: Resources, theirs: Resources) => Record<string, unknown> }[] = [
    { field: 'channelIds', body: (_, theirs) => ({ content: 'x', channelIds: [theirs.channelId] }) },
    { field: 'mediaIds', body: (_, theirs) => ({ content: 'x', mediaIds: [theirs.mediaId] }) },
    {
      field: 'overrides',
      body: (ours, theirs) => ({
        content: 'x',
        channelIds: [ours.channelId],
        overrides: { [ours.channelId]: { mediaIds: [theirs.mediaId] } },
      }),
    },
  ];
  const bodyRoutes = [
    { method: 'POST', path: '/posts' },
    { method: 'POST', path: '/posts/validate' },
    { method: 'PATCH', path: '/posts/:postId' },
  ];
  for (const { field, body } of inBody) {
    for (const { method, path } of bodyRoutes) {
      it(`are refused by ${method} …${path} when named in ${field} (422 naming it)`, async () => {
        const { team, ours, theirs } = world;
        const url = `/api/workspaces/${ours.workspaceId}${path.replace(':postId', ours.postId)}`;
        const res = await send(world, {
          method,
          url,
          headers: { ...team.admin.headers, 'content-type': 'application/json' },
          payload: JSON.stringify(body(ours, theirs)),
        });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(422);
        expect(res.json().error.message).toMatch(new RegExp(`^${field}\\b`));
      });
    }
  }

  it('filter nothing in: listing posts by a foreign channel finds none', async () => {
    const { team, ours, theirs } = world;
    const filtered = await send(world, {
      method: 'GET',
      url: `/api/workspaces/${ours.workspaceId}/posts?channelId=${theirs.channelId}`,
      headers: team.admin.headers,
    });
    expect(filtered.statusCode).toBe(200);
    expect(filtered.json().items).toEqual([]);
  });

  it("never show up in the team's reads", async () => {
    const { team, ours, theirs } = world;
    const foreignIds = Object.values(theirs);
    for (const route of workspaceRoutes.filter(isRead)) {
      const res = await send(world, requestFor(route, { resources: ours, headers: team.admin.headers }));
      expect(res.statusCode, route.key).toBe(200);
      for (const id of foreignIds) expect(res.body, `${route.key} shows ${id}`).not.toContain(id);
    }
  });

  it('are left as they were', async () => {
    const { team, theirs } = world;
    const base = `/api/workspaces/${theirs.workspaceId}`;
    const get = (url: string) =>
      send(world, { method: 'GET', url: `${base}${url}`, headers: team.outsider.headers });
    const post = await get(`/posts/${theirs.postId}`);
    expect(post.statusCode).toBe(200);
    expect(post.json()).toMatchObject({ content: 'Seeded', status: 'draft', mediaIds: [theirs.mediaId] });
    expect(post.json().targets).toMatchObject([{ id: theirs.targetId, status: 'draft' }]);
    const media = await get(`/media/${theirs.mediaId}`);
    expect(media.json().altText).toBeNull();
    const channel = await get(`/channels/${theirs.channelId}`);
    expect(channel.json()).toMatchObject({
      isActive: true,
      connection: { id: theirs.connectionId, status: 'active' },
    });
    const members = await get('/members');
    expect(members.json().members).toContainEqual(
      expect.objectContaining({ userId: theirs.memberId, role: 'user' }),
    );
    const tokens = await send(world, { method: 'GET', url: '/api/tokens', headers: team.outsider.headers });
    expect(tokens.json().tokens).toContainEqual(
      expect.objectContaining({ id: theirs.tokenId, revokedAt: null }),
    );
  });
});
