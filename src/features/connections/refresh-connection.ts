/**
 * Refreshes a connection's tokens, once at a time across every process.
 *
 * Serialisation uses a lease column rather than a row lock: holding a transaction open across the
 * platform call would, on PGlite's single connection, block every other query (the sandbox served by
 * this same process included). The lease holder refreshes; anyone else waits for the lease to clear
 * and reads the new tokens, or tries itself when the holder's refresh failed and left them as they were. A rotated refresh token is stored in the same transaction that keeps the
 * old one in token history, so a crash never loses the only valid refresh token.
 */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { connections, platformApps, reauthAudit, tokenHistory } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { type Credentials, PlatformError } from '../../platforms/types.ts';
import { adapterContext, credentialsOf, sealTokens } from './credentials.ts';
import { isRefreshDue } from './refresh-due.ts';

const LEASE_MS = 30_000;
const WAIT_STEP_MS = 200;

export type RefreshTrigger = 'schedule' | 'publish' | 'user';

async function loadConnection(deps: Deps, connectionId: string) {
  const [row] = await deps.db.select().from(connections).where(eq(connections.id, connectionId));
  if (!row) throw notFound('connection');
  return row;
}

/**
 * Returns fresh credentials. `staleAccessToken`, when given, is the token that just failed: if the
 * stored one already differs, another process refreshed meanwhile and no new refresh is needed.
 */
export async function refreshConnection(
  deps: Deps,
  options: { connectionId: string; trigger: RefreshTrigger; staleAccessToken?: string; signal?: AbortSignal },
): Promise<Credentials> {
  const deadline = Date.now() + LEASE_MS + 5_000;
  // What the tokens were when this caller came in: if a lease holder leaves them unchanged, its
  // refresh failed, and this caller tries itself rather than hand back what it already had.
  // Compared in plain text: re-encrypting with a new key (`herald secrets rotate`) is not a refresh.
  const plainToken = (row: { accessToken: string | null }) =>
    row.accessToken ? deps.secrets.decrypt(row.accessToken) : null;
  const startedWith = plainToken(await loadConnection(deps, options.connectionId));
  for (;;) {
    const now = deps.clock.now();
    const [leased] = await deps.db
      .update(connections)
      .set({ refreshLeaseUntil: new Date(now.getTime() + LEASE_MS) })
      .where(
        and(
          eq(connections.id, options.connectionId),
          or(isNull(connections.refreshLeaseUntil), lt(connections.refreshLeaseUntil, now)),
        ),
      )
      .returning();
    if (leased) return refreshUnderLease(deps, leased, options);
    if (Date.now() > deadline) {
      throw new AppError('unavailable', 'another process is refreshing this connection and did not finish');
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    const current = await loadConnection(deps, options.connectionId);
    if (!current.refreshLeaseUntil) {
      if (current.status !== 'active') throw new AppError('conflict', `the connection is ${current.status}`);
      if (plainToken(current) !== startedWith) return credentialsOf(deps, current);
    }
  }
}

async function refreshUnderLease(
  deps: Deps,
  connection: typeof connections.$inferSelect,
  options: { connectionId: string; trigger: RefreshTrigger; staleAccessToken?: string; signal?: AbortSignal },
): Promise<Credentials> {
  const release = () =>
    deps.db.update(connections).set({ refreshLeaseUntil: null }).where(eq(connections.id, connection.id));
  try {
    const current = credentialsOf(deps, connection);
    if (options.staleAccessToken && current.accessToken !== options.staleAccessToken) {
      await release();
      return current;
    }
    // The sweep's reason to refresh may be gone: another process refreshed just before this lease.
    if (
      options.trigger === 'schedule' &&
      !isRefreshDue(connection, {
        now: deps.clock.now(),
        windowMinutes: deps.config.refreshWindowMinutes,
      })
    ) {
      await release();
      return current;
    }
    if (!current.refreshToken) {
      await markExpired(
        deps,
        connection.id,
        'the platform gave no refresh token; reconnect the account',
        options.trigger,
      );
      throw new AppError('conflict', 'the connection cannot be refreshed; reconnect the account');
    }
    const [app] = connection.platformAppId
      ? await deps.db.select().from(platformApps).where(eq(platformApps.id, connection.platformAppId))
      : [];
    if (!app) throw new AppError('conflict', 'the connection has no platform app; reconnect the account');
    const adapter = deps.platforms.get(connection.platform);
    let tokens: Awaited<ReturnType<typeof adapter.refresh>>;
    try {
      tokens = await adapter.refresh(
        adapterContext(deps, app, options.signal ?? AbortSignal.timeout(30_000)),
        current,
      );
    } catch (error) {
      if (error instanceof PlatformError && (error.kind === 'auth' || error.kind === 'invalid')) {
        await markExpired(deps, connection.id, `token refresh refused: ${error.message}`, options.trigger);
      } else {
        await deps.db.transaction(async (tx) => {
          await tx
            .update(connections)
            .set({
              health: 'degraded',
              lastError: `token refresh failed: ${(error as Error).message}`,
              refreshLeaseUntil: null,
            })
            .where(eq(connections.id, connection.id));
          await tx.insert(reauthAudit).values({
            connectionId: connection.id,
            kind: 'refresh',
            trigger: options.trigger,
            succeeded: false,
            errorMessage: (error as Error).message,
          });
        });
      }
      throw error;
    }
    const sealed = sealTokens(deps, { ...tokens, refreshToken: tokens.refreshToken ?? current.refreshToken });
    const [updated] = await deps.db.transaction(async (tx) => {
      await tx.insert(tokenHistory).values({
        connectionId: connection.id,
        accessToken: connection.accessToken,
        refreshToken: connection.refreshToken,
        expiresAt: connection.tokenExpiresAt,
        reason: tokens.refreshToken && tokens.refreshToken !== current.refreshToken ? 'rotated' : 'refreshed',
      });
      await tx.insert(reauthAudit).values({
        connectionId: connection.id,
        kind: 'refresh',
        trigger: options.trigger,
        succeeded: true,
      });
      return tx
        .update(connections)
        .set({
          ...sealed,
          scopes: tokens.scopes.length ? tokens.scopes : connection.scopes,
          status: 'active',
          health: 'healthy',
          lastError: null,
          lastRefreshedAt: deps.clock.now(),
          // A new expiry starts a new lifetime; the same expiry handed back does not.
          tokenIssuedAt:
            sealed.tokenExpiresAt?.getTime() === connection.tokenExpiresAt?.getTime()
              ? connection.tokenIssuedAt
              : deps.clock.now(),
          refreshLeaseUntil: null,
        })
        .where(eq(connections.id, connection.id))
        .returning();
    });
    deps.log.info({ connectionId: connection.id, trigger: options.trigger }, 'refreshed connection tokens');
    return credentialsOf(deps, updated!);
  } catch (error) {
    await release().catch(() => {});
    throw error;
  }
}

async function markExpired(deps: Deps, connectionId: string, message: string, trigger: RefreshTrigger) {
  await deps.db.transaction(async (tx) => {
    await tx
      .update(connections)
      .set({ status: 'expired', health: 'unhealthy', lastError: message, refreshLeaseUntil: null })
      .where(eq(connections.id, connectionId));
    await tx
      .insert(reauthAudit)
      .values({ connectionId, kind: 'refresh', trigger, succeeded: false, errorMessage: message });
  });
  deps.log.warn({ connectionId }, 'connection needs re-authorisation');
}

/**
 * Connections whose tokens are due for a refresh (see refresh-due.ts). The query narrows to tokens
 * expiring within the window, which the index covers; the lifetime rule decides among those.
 */
export async function connectionsDueForRefresh(deps: Deps): Promise<string[]> {
  const now = deps.clock.now();
  const horizon = new Date(now.getTime() + deps.config.refreshWindowMinutes * 60_000);
  const rows = await deps.db
    .select({
      id: connections.id,
      tokenExpiresAt: connections.tokenExpiresAt,
      tokenIssuedAt: connections.tokenIssuedAt,
      lastRefreshedAt: connections.lastRefreshedAt,
    })
    .from(connections)
    .where(
      and(
        eq(connections.status, 'active'),
        sql`${connections.refreshToken} is not null`,
        lt(connections.tokenExpiresAt, horizon),
      ),
    );
  return rows
    .filter((row) => isRefreshDue(row, { now, windowMinutes: deps.config.refreshWindowMinutes }))
    .map((row) => row.id);
}
