/**
 * Connecting accounts on the local protocol servers in test/platforms/ the way a person does, over
 * plain HTTP against a running Herald: an admin registers the platform app (with its `baseUrl` at the
 * protocol server), a member starts connecting, the server's authorize endpoint (which signs in and
 * consents at once) redirects to Herald's `/api/oauth/callback`, and Herald stores the connection.
 *
 *   const app = await registerPlatformApp(herald, { workspaceId, admin, app: { platform: 'x', ... } });
 *   const channel = await connectThroughOAuth(herald, { workspaceId, member, platform: 'x' });
 */
import { expect } from 'vitest';

type Member = { headers: Record<string, string> };

export type PlatformAppInput = {
  platform: string;
  name: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
  baseUrl: string;
};

/** Registers the workspace's own platform app (`POST /api/workspaces/:id/platform-apps`). */
export async function registerPlatformApp(
  herald: { baseUrl: string },
  options: { workspaceId: string; admin: Member; app: PlatformAppInput },
): Promise<{ id: string }> {
  const res = await fetch(`${herald.baseUrl}/api/workspaces/${options.workspaceId}/platform-apps`, {
    method: 'POST',
    headers: { ...options.admin.headers, 'content-type': 'application/json' },
    body: JSON.stringify(options.app),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string };
}

export type OAuthChannel = { channelId: string; connectionId: string };

/** Follows an authorize URL whose server consents at once, through Herald's callback. */
async function authorizeAndReturn(
  base: string,
  authorizeUrl: string,
): Promise<{ connectionId: string; back: URL }> {
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(consent.status, `authorize: ${await consent.clone().text()}`).toBe(302);
  const callbackUrl = consent.headers.get('location')!;
  expect(callbackUrl.startsWith(`${base}/api/oauth/callback?`), callbackUrl).toBe(true);
  const callback = await fetch(callbackUrl, { redirect: 'manual' });
  expect(callback.status, `callback: ${await callback.clone().text()}`).toBe(302);
  const back = new URL(callback.headers.get('location')!, base);
  const connectionId = back.searchParams.get('connected');
  if (!connectionId) throw new Error(`connect failed: ${back.searchParams.get('error') ?? back.toString()}`);
  return { connectionId, back };
}

/** Connects a new account through the platform's OAuth flow and returns its (first) channel. */
export async function connectThroughOAuth(
  herald: { baseUrl: string },
  options: { workspaceId: string; member: Member; platform: string },
): Promise<OAuthChannel> {
  const base = herald.baseUrl;
  const start = await fetch(`${base}/api/workspaces/${options.workspaceId}/connect/${options.platform}`, {
    method: 'POST',
    headers: { ...options.member.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ returnTo: '/channels' }),
  });
  expect(start.status, await start.clone().text()).toBe(200);
  const { authorizeUrl } = (await start.json()) as { authorizeUrl: string };
  const { connectionId } = await authorizeAndReturn(base, authorizeUrl);
  const channels = await fetch(`${base}/api/workspaces/${options.workspaceId}/channels`, {
    headers: options.member.headers,
  });
  expect(channels.status).toBe(200);
  const channel = (
    (await channels.json()) as { items: { id: string; connection: { id: string } }[] }
  ).items.find((c) => c.connection.id === connectionId);
  if (!channel) throw new Error('the connected account has no channel');
  return { channelId: channel.id, connectionId };
}

/** Re-authorises an existing connection (`POST …/connections/:id/reconnect`) through the same flow. */
export async function reconnectThroughOAuth(
  herald: { baseUrl: string },
  options: { workspaceId: string; member: Member; connectionId: string },
): Promise<void> {
  const base = herald.baseUrl;
  const start = await fetch(
    `${base}/api/workspaces/${options.workspaceId}/connections/${options.connectionId}/reconnect`,
    {
      method: 'POST',
      headers: { ...options.member.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ returnTo: '/channels' }),
    },
  );
  expect(start.status, await start.clone().text()).toBe(200);
  const { authorizeUrl } = (await start.json()) as { authorizeUrl: string };
  const { connectionId } = await authorizeAndReturn(base, authorizeUrl);
  expect(connectionId).toBe(options.connectionId);
}

/** A connection as `GET /api/workspaces/:id/connections` shows it. */
export async function connectionView(
  herald: { baseUrl: string },
  options: { workspaceId: string; member: Member; connectionId: string },
): Promise<{ id: string; status: string; health: string; lastError: string | null }> {
  const res = await fetch(`${herald.baseUrl}/api/workspaces/${options.workspaceId}/connections`, {
    headers: options.member.headers,
  });
  expect(res.status).toBe(200);
  const items = (
    (await res.json()) as {
      items: { id: string; status: string; health: string; lastError: string | null }[];
    }
  ).items;
  const found = items.find((c) => c.id === options.connectionId);
  if (!found) throw new Error(`no connection ${options.connectionId}`);
  return found;
}
