/**
 * One read-only platform call for analytics, with the connection's credentials: refreshed first when
 * about to expire, and once more when the platform says the token is bad. Unlike publishing, a
 * failure here never marks the connection: the next publish, which must know, decides that.
 */
import type { channels, connections, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import {
  type AdapterContext,
  type Credentials,
  PlatformError,
  type PlatformAdapter,
} from '../../platforms/types.ts';
import { adapterContext, credentialsOf } from '../connections/credentials.ts';
import { refreshConnection } from '../connections/refresh-connection.ts';

const EXPIRY_MARGIN_MS = 60_000;

export type Account = {
  channel: typeof channels.$inferSelect;
  connection: typeof connections.$inferSelect;
  app: typeof platformApps.$inferSelect;
};

export type ReadResult<T> = {
  value: T;
  credentials: Credentials;
  ctx: AdapterContext;
  adapter: PlatformAdapter;
};

export async function readWithCredentials<T>(
  deps: Deps,
  account: Account,
  call: (adapter: PlatformAdapter, ctx: AdapterContext, credentials: Credentials) => Promise<T>,
): Promise<ReadResult<T>> {
  const adapter = deps.platforms.get(account.channel.platform);
  const ctx = adapterContext(deps, account.app, AbortSignal.timeout(deps.config.platformTimeoutMs));
  let credentials = credentialsOf(deps, account.connection);
  const refresh = (staleAccessToken?: string) =>
    refreshConnection(deps, {
      connectionId: account.connection.id,
      trigger: 'schedule',
      ...(staleAccessToken ? { staleAccessToken } : {}),
    });
  const expiresAt = credentials.expiresAt?.getTime();
  if (
    expiresAt !== undefined &&
    credentials.refreshToken &&
    expiresAt - deps.clock.now().getTime() < EXPIRY_MARGIN_MS
  ) {
    credentials = await refresh();
  }
  try {
    return { value: await call(adapter, ctx, credentials), credentials, ctx, adapter };
  } catch (error) {
    if (!(error instanceof PlatformError) || error.kind !== 'auth' || !credentials.refreshToken) throw error;
    credentials = await refresh(credentials.accessToken);
    return { value: await call(adapter, ctx, credentials), credentials, ctx, adapter };
  }
}

/** Whether a platform error means the post (or account) is no longer there. */
export const isGone = (error: unknown) =>
  error instanceof PlatformError &&
  error.kind === 'invalid' &&
  (error.status === 404 || error.status === 410);
