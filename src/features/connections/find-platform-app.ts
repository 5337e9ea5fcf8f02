/**
 * The OAuth app used to connect a platform for a workspace: the workspace's own app if it brought
 * one, else the instance-wide app. The sandbox's app registers itself on first use.
 */
import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import { platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';

export const oauthRedirectUri = (deps: Deps) => `${deps.config.publicUrl}/api/oauth/callback`;

/** Active apps of `platform` a workspace may use: its own and the instance's. */
export const usableApps = (options: { workspaceId: string; platform: string }) =>
  and(
    eq(platformApps.platform, options.platform),
    eq(platformApps.isActive, true),
    or(eq(platformApps.workspaceId, options.workspaceId), isNull(platformApps.workspaceId)),
  );

/**
 * The workspace's own app wins over the instance's; a newer one over an older. (Ordering by
 * `workspace_id desc` would not do: PostgreSQL puts nulls first in descending order, so the
 * instance's app used to win.)
 */
export const workspaceAppsFirst = [sql`${platformApps.workspaceId} is null`, desc(platformApps.createdAt)];

export async function findPlatformApp(deps: Deps, options: { workspaceId: string; platform: string }) {
  const rows = await deps.db
    .select()
    .from(platformApps)
    .where(usableApps(options))
    .orderBy(...workspaceAppsFirst);
  const app = rows[0];
  // Herald keeps only its own instance-wide sandbox registration current; a workspace's own app is
  // used as the workspace registered it.
  if (app && app.platform === 'sandbox' && app.workspaceId === null && !sandboxAppIsCurrent(deps, app))
    return registerSandboxApp(deps, app.id);
  // A workspace's sandbox app without an address is a client of this Herald's own sandbox.
  if (app && app.platform === 'sandbox' && !app.baseUrl) return { ...app, baseUrl: deps.config.sandboxUrl };
  if (app) return app;
  if (options.platform === 'sandbox') return registerSandboxApp(deps, null);
  throw new AppError(
    'conflict',
    `no ${options.platform} app is configured: an admin must register the platform's OAuth client first`,
  );
}

function sandboxAppIsCurrent(deps: Deps, app: typeof platformApps.$inferSelect): boolean {
  const settings = app.settings as { redirectUri?: string };
  return app.baseUrl === deps.config.sandboxUrl && settings.redirectUri === oauthRedirectUri(deps);
}

/**
 * Registers Herald as a client of the sandbox network over HTTP (RFC 7591 style), exactly as an admin
 * would register an app on a real platform, and stores the credentials encrypted.
 */
async function registerSandboxApp(deps: Deps, existingId: string | null) {
  const redirectUri = oauthRedirectUri(deps);
  const response = await deps.fetch(`${deps.config.sandboxUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Herald', redirect_uris: [redirectUri] }),
  });
  if (!response.ok) {
    throw new AppError(
      'unavailable',
      `the sandbox network did not register Herald (HTTP ${response.status})`,
    );
  }
  const client = (await response.json()) as { client_id: string; client_secret: string };
  const values = {
    platform: 'sandbox',
    name: 'Sandbox network',
    clientId: client.client_id,
    clientSecret: deps.secrets.encrypt(client.client_secret),
    baseUrl: deps.config.sandboxUrl,
    scopes: ['read', 'write'],
    settings: { redirectUri },
  };
  if (existingId) {
    const [row] = await deps.db
      .update(platformApps)
      .set(values)
      .where(eq(platformApps.id, existingId))
      .returning();
    return row!;
  }
  const [row] = await deps.db.insert(platformApps).values(values).returning();
  return row!;
}
