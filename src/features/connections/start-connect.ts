/** Starts an OAuth authorization-code + PKCE flow: returns where to send the user. */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { randomToken, sha256 } from '../../crypto/hashing.ts';
import { connections, oauthStates } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { adapterContext } from './credentials.ts';
import { findPlatformApp, oauthRedirectUri } from './find-platform-app.ts';

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
  },
): Promise<{ authorizeUrl: string }> {
  let platform = options.platform;
  if (options.connectionId) {
    const [connection] = await deps.db
      .select({ platform: connections.platform })
      .from(connections)
      .where(and(eq(connections.id, options.connectionId), eq(connections.workspaceId, options.workspaceId)));
    if (!connection) throw notFound('connection');
    platform = connection.platform;
  }
  const adapter = deps.platforms.get(platform);
  const app = await findPlatformApp(deps, { workspaceId: options.workspaceId, platform });
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
  });
  return { authorizeUrl };
}
