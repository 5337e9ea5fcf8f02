/**
 * A workspace that brought its own platform app connects with it, never with the instance's, on
 * every OAuth platform; and on the sandbox the whole connect runs on the workspace's own client.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, platformApps } from '../../src/db/schema.ts';
import { startConnect } from '../../src/features/connections/start-connect.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { connectSandbox } from '../support/publishing.ts';

describe("a workspace's own platform app", () => {
  let herald: TestHerald;
  let team: Team;
  beforeAll(async () => {
    herald = await startHerald();
    await herald.listen();
    team = await newTeam(herald);
  });
  afterAll(async () => herald?.close());

  const redirectPlatforms = () =>
    herald.deps.platforms
      .list()
      .filter((a) => a.auth !== 'credentials')
      .map((a) => a.id);

  it('wins over the instance app, even a newer one, for every OAuth platform', async () => {
    const platforms = redirectPlatforms();
    expect(platforms.length).toBeGreaterThan(5);
    for (const platform of platforms) {
      // Mastodon-like platforms need the server the app belongs to.
      const baseUrl = platform === 'mastodon' ? 'https://social.example' : null;
      await herald.deps.db.insert(platformApps).values({
        workspaceId: team.workspace.id,
        platform,
        name: 'ours',
        clientId: `workspace-client-${platform}`,
        clientSecret: herald.deps.secrets.encrypt('ours'),
        baseUrl: platform === 'sandbox' ? herald.deps.config.sandboxUrl : baseUrl,
      });
      await herald.deps.db.insert(platformApps).values({
        workspaceId: null,
        platform,
        name: 'instance',
        clientId: `instance-client-${platform}`,
        clientSecret: herald.deps.secrets.encrypt('instance'),
        baseUrl: platform === 'sandbox' ? herald.deps.config.sandboxUrl : baseUrl,
      });
      const { authorizeUrl } = await startConnect(herald.deps, {
        workspaceId: team.workspace.id,
        userId: team.admin.id,
        platform,
      });
      expect(authorizeUrl, platform).toContain(`workspace-client-${platform}`);
      expect(authorizeUrl, platform).not.toContain('instance-client');
    }
  });

  it('connects a sandbox account with the client the workspace registered', async () => {
    const other = await newTeam(herald);
    const registered = await fetch(`${herald.deps.config.sandboxUrl}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Our own',
        redirect_uris: [`${herald.deps.config.publicUrl}/api/oauth/callback`],
      }),
    });
    const client = (await registered.json()) as { client_id: string; client_secret: string };
    const created = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${other.workspace.id}/platform-apps`,
      headers: other.admin.headers,
      payload: {
        platform: 'sandbox',
        name: 'Our sandbox app',
        clientId: client.client_id,
        clientSecret: client.client_secret,
        baseUrl: herald.deps.config.sandboxUrl,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const channel = await connectSandbox(herald, {
      workspaceId: other.workspace.id,
      member: other.admin,
      username: 'own_app',
    });
    const [connection] = await herald.deps.db
      .select()
      .from(connections)
      .where(eq(connections.id, channel.connectionId));
    expect(connection!.platformAppId).toBe(created.json().id);
    const [app] = await herald.deps.db
      .select()
      .from(platformApps)
      .where(eq(platformApps.id, created.json().id));
    // Used as registered: Herald did not replace the workspace's client with one of its own.
    expect(app!.clientId).toBe(client.client_id);
  });
});
