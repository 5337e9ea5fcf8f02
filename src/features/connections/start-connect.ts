/**
 * Starts an OAuth authorization-code + PKCE flow: returns where to send the user. Reconnecting uses
 * the connection's own app; `serverUrl` picks (or registers) the app of one server of a platform
 * with many (a Mastodon instance).
 */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { randomToken, sha256 } from '../../crypto/hashing.ts';
import { connections, oauthStates, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { adapterContext } from './credentials.ts';
import { findPlatformApp, oauthRedirectUri } from './find-platform-app.ts';
import { normalizeServerUrl, requireServer, serverApp } from './server-app.ts';

const STATE_TTL_MS = 15 * 60_000;

export async function startConnect(
  deps: Deps,
  options: {
    workspaceId: string;
    userId: string;
    platform: string;
    returnTo?: string | undefined;
    /** Re-authorise this connection instead of adding one. */
    connectionId?: string | undefined;
    /** The server to connect on, for platforms with many (a Mastodon instance). */
    serverUrl?: string | undefined;
  },
): Promise<{ authorizeUrl: string }> {
  let platform = options.platform;
  let connectionApp: typeof platformApps.$inferSelect | null = null;
  let loginHint: string | undefined;
  if (options.connectionId) {
    const [connection] = await deps.db
      .select({ platform: connections.platform, username: connections.username, app: platformApps })
      .from(connections)
      .leftJoin(platformApps, eq(platformApps.id, connections.platformAppId))
      .where(and(eq(connections.id, options.connectionId), eq(connections.workspaceId, options.workspaceId)));
    if (!connection) throw notFound('connection');
    platform = connection.platform;
    loginHint = connection.username ?? undefined;
    // Same server as before: on Mastodon another instance's app would not know the account. (The
    // sandbox's app follows Herald's own address, which findPlatformApp keeps current.)
    connectionApp = connection.app?.isActive && platform !== 'sandbox' ? connection.app : null;
  }
  const adapter = deps.platforms.get(platform);
  if (adapter.auth === 'credentials') {
    throw new AppError(
      'invalid',
      `${adapter.displayName} connects with a sign-in form (${adapter.credentialFields.map((f) => f.label).join(', ')}), not a redirect`,
    );
  }
  const app = options.serverUrl
    ? await serverApp(deps, {
        workspaceId: options.workspaceId,
        adapter,
        baseUrl: normalizeServerUrl(options.serverUrl, 'serverUrl'),
        field: 'serverUrl',
      })
    : (connectionApp ?? (await findPlatformApp(deps, { workspaceId: options.workspaceId, platform })));
  // An app saved before its server was required cannot send anyone anywhere: say what is missing.
  requireServer(adapter, app, 'serverUrl');
  const verifier = randomToken(48);
  const state = randomToken(24);
  await deps.db.insert(oauthStates).values({
    id: sha256(state),
    workspaceId: options.workspaceId,
    userId: options.userId,
    platform,
    platformAppId: app.id,
    codeVerifier: deps.secrets.encrypt(verifier),
    connectionId: options.connectionId ?? null,
    returnTo: options.returnTo ?? null,
    expiresAt: new Date(deps.clock.now().getTime() + STATE_TTL_MS),
  });
  const authorizeUrl = adapter.authorizeUrl(adapterContext(deps, app), {
    redirectUri: oauthRedirectUri(deps),
    state,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    scopes: app.scopes,
    loginHint,
  });
  return { authorizeUrl };
}
