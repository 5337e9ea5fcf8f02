/**
 * The OAuth callback: checks the state, exchanges the code (with the PKCE verifier), then stores the
 * account like any other sign-in (`save-connection.ts`).
 */
import { and, eq } from 'drizzle-orm';
import { sha256 } from '../../crypto/hashing.ts';
import { connections, oauthStates, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { PlatformError } from '../../platforms/types.ts';
import { adapterContext } from './credentials.ts';
import { oauthRedirectUri } from './find-platform-app.ts';
import { saveConnection, WrongAccount } from './save-connection.ts';

export type ConnectResult = { workspaceId: string; connectionId: string; returnTo: string | null };

/** Thrown when the flow fails after the state was recognised, so the user can be sent back. */
export class ConnectFailed extends AppError {
  readonly returnTo: string | null;
  constructor(message: string, returnTo: string | null) {
    super('invalid', message);
    this.returnTo = returnTo;
  }
}

export async function completeConnect(
  deps: Deps,
  options: {
    state: string;
    code?: string | undefined;
    error?: string | undefined;
    errorDescription?: string | undefined;
  },
): Promise<ConnectResult> {
  const [state] = await deps.db
    .delete(oauthStates)
    .where(eq(oauthStates.id, sha256(options.state)))
    .returning();
  if (!state || state.expiresAt < deps.clock.now()) {
    throw new AppError('invalid', 'this authorization link is unknown or expired; start connecting again');
  }
  const returnTo = state.returnTo;
  if (options.error) {
    throw new ConnectFailed(
      options.error === 'access_denied'
        ? 'authorization was denied on the platform'
        : `the platform refused: ${options.errorDescription ?? options.error}`,
      returnTo,
    );
  }
  if (!options.code) throw new ConnectFailed('the platform sent no authorization code', returnTo);

  const [app] = await deps.db.select().from(platformApps).where(eq(platformApps.id, state.platformAppId));
  if (!app) throw new ConnectFailed('the platform app was removed while connecting', returnTo);
  const adapter = deps.platforms.get(state.platform);
  if (adapter.auth === 'credentials') {
    throw new ConnectFailed(`${adapter.displayName} connects with a sign-in form, not a redirect`, returnTo);
  }
  const ctx = adapterContext(deps, app, AbortSignal.timeout(30_000));
  try {
    const tokens = await adapter.exchangeCode(ctx, {
      code: options.code,
      codeVerifier: deps.secrets.decrypt(state.codeVerifier),
      redirectUri: oauthRedirectUri(deps),
    });
    const { connectionId } = await saveConnection(deps, {
      workspaceId: state.workspaceId,
      userId: state.userId,
      adapter,
      ctx,
      platformAppId: app.id,
      tokens,
      reconnectId: state.connectionId,
    });
    return { workspaceId: state.workspaceId, connectionId, returnTo };
  } catch (error) {
    if (error instanceof ConnectFailed) throw error;
    if (error instanceof WrongAccount) throw new ConnectFailed(error.message, returnTo);
    if (error instanceof PlatformError) {
      throw new ConnectFailed(`${adapter.displayName} refused the connection: ${error.message}`, returnTo);
    }
    throw error;
  }
}

/** Rows for listing: never includes tokens. */
export const connectionColumns = {
  id: connections.id,
  platform: connections.platform,
  externalAccountId: connections.externalAccountId,
  username: connections.username,
  displayName: connections.displayName,
  avatarUrl: connections.avatarUrl,
  status: connections.status,
  health: connections.health,
  tokenExpiresAt: connections.tokenExpiresAt,
  lastError: connections.lastError,
  lastRefreshedAt: connections.lastRefreshedAt,
  lastUsedAt: connections.lastUsedAt,
  createdAt: connections.createdAt,
};

export const byWorkspace = (workspaceId: string, id: string) =>
  and(eq(connections.workspaceId, workspaceId), eq(connections.id, id));
