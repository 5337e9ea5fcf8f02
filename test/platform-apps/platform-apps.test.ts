import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformApps, users } from '../../src/db/schema.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

describe('platform apps', () => {
  let herald: TestHerald;
  let team: Team;
  beforeAll(async () => {
    herald = await startHerald();
    team = await newTeam(herald);
    await herald.deps.db.update(users).set({ isInstanceAdmin: true }).where(eq(users.id, team.admin.id));
  });
  afterAll(async () => herald?.close());

  const body = {
    platform: 'sandbox',
    name: 'Our sandbox app',
    clientId: 'client-1',
    clientSecret: 's3cret-value',
  };

  it('lets instance admins register an app whose secret is stored encrypted and never returned', async () => {
    const res = await herald.app.inject({
      method: 'POST',
      url: '/api/platform-apps',
      headers: team.admin.headers,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      platform: 'sandbox',
      clientId: 'client-1',
      hasClientSecret: true,
      workspaceId: null,
    });
    expect(res.body).not.toContain('s3cret-value');
    const [row] = await herald.deps.db.select().from(platformApps).where(eq(platformApps.id, res.json().id));
    expect(row!.clientSecret).not.toContain('s3cret');
    expect(herald.deps.secrets.decrypt(row!.clientSecret!)).toBe('s3cret-value');
    const list = await herald.app.inject({
      method: 'GET',
      url: '/api/platform-apps',
      headers: team.admin.headers,
    });
    expect(list.json().items.map((a: { id: string }) => a.id)).toContain(res.json().id);
    expect(list.body).not.toContain('s3cret');
  });

  it('refuses other users, unknown platforms, and names the field', async () => {
    const user = await herald.app.inject({
      method: 'POST',
      url: '/api/platform-apps',
      headers: team.user.headers,
      payload: body,
    });
    expect(user.statusCode).toBe(403);
    const bad = await herald.app.inject({
      method: 'POST',
      url: '/api/platform-apps',
      headers: team.admin.headers,
      payload: { ...body, platform: 'myspace' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toMatch(/^platform: unknown platform/);
  });

  it('lets a workspace admin bring an app for the workspace; other roles and workspaces cannot touch it', async () => {
    const url = `/api/workspaces/${team.workspace.id}/platform-apps`;
    const created = await herald.app.inject({
      method: 'POST',
      url,
      headers: team.admin.headers,
      payload: body,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().workspaceId).toBe(team.workspace.id);
    expect(
      (await herald.app.inject({ method: 'POST', url, headers: team.user.headers, payload: body }))
        .statusCode,
    ).toBe(403);
    expect((await herald.app.inject({ method: 'GET', url, headers: team.viewer.headers })).statusCode).toBe(
      200,
    );
    expect((await herald.app.inject({ method: 'GET', url, headers: team.outsider.headers })).statusCode).toBe(
      404,
    );
    const foreign = await herald.app.inject({
      method: 'DELETE',
      url: `/api/workspaces/${team.otherWorkspace.id}/platform-apps/${created.json().id}`,
      headers: team.outsider.headers,
    });
    expect(foreign.statusCode).toBe(404);
    const removed = await herald.app.inject({
      method: 'DELETE',
      url: `${url}/${created.json().id}`,
      headers: team.admin.headers,
    });
    expect(removed.statusCode).toBe(204);
  });

  it('refuses an app of a platform with many servers that names none, naming baseUrl', async () => {
    for (const platform of ['mastodon', 'ghost']) {
      const res = await herald.app.inject({
        method: 'POST',
        url: `/api/workspaces/${team.workspace.id}/platform-apps`,
        headers: team.admin.headers,
        payload: { platform, name: `No server ${platform}`, clientId: 'client', clientSecret: 'secret' },
      });
      expect(res.statusCode, `${platform}: ${res.body}`).toBe(422);
      expect(res.json().error.message, platform).toMatch(/^baseUrl: .*server address/);
    }
  });

  it('answers a connect through an app without its server with a 4xx naming what is missing', async () => {
    // As an app saved before the address was required would be.
    await herald.deps.db.insert(platformApps).values({
      workspaceId: team.workspace.id,
      platform: 'mastodon',
      name: 'Old Mastodon app',
      clientId: 'client',
      clientSecret: herald.deps.secrets.encrypt('secret'),
      baseUrl: null,
      scopes: ['read', 'write'],
    });
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/connect/mastodon`,
      headers: team.admin.headers,
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.message).toMatch(
      /^serverUrl: the platform app "Old Mastodon app" has no server address \(baseUrl\)/,
    );
  });
});
