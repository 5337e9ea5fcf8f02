/** Decrypting what adapters need, and sealing what they return. Plain values never leave memory. */
import type { connections, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { AdapterContext, Credentials, TokenSet } from '../../platforms/types.ts';

type AppRow = typeof platformApps.$inferSelect;
type ConnectionRow = typeof connections.$inferSelect;

export function adapterContext(
  deps: Deps,
  app: Pick<AppRow, 'clientId' | 'clientSecret' | 'baseUrl' | 'scopes' | 'settings'>,
  signal?: AbortSignal,
): AdapterContext {
  return {
    app: {
      clientId: app.clientId ?? '',
      clientSecret: app.clientSecret ? deps.secrets.decrypt(app.clientSecret) : null,
      baseUrl: app.baseUrl,
      scopes: app.scopes,
      settings: app.settings as Record<string, unknown>,
    },
    fetch: deps.fetch,
    signal,
    now: () => deps.clock.now(),
  };
}

export function credentialsOf(deps: Deps, connection: ConnectionRow): Credentials {
  if (!connection.accessToken) throw new Error(`connection ${connection.id} has no access token`);
  return {
    accessToken: deps.secrets.decrypt(connection.accessToken),
    refreshToken: connection.refreshToken ? deps.secrets.decrypt(connection.refreshToken) : null,
    expiresAt: connection.tokenExpiresAt,
    accountId: connection.externalAccountId,
    metadata: connection.metadata as Record<string, unknown>,
  };
}

/** Columns to write for a new token set. */
export function sealTokens(deps: Deps, tokens: TokenSet) {
  return {
    accessToken: deps.secrets.encrypt(tokens.accessToken),
    refreshToken: tokens.refreshToken ? deps.secrets.encrypt(tokens.refreshToken) : null,
    tokenExpiresAt: tokens.expiresAt,
  };
}
