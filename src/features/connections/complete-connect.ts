/**
 * The OAuth callback: checks the state, exchanges the code (with the PKCE verifier), reads the
 * account, stores the connection with its tokens encrypted, and lists its channels.
 */
import { and, eq, sql } from 'drizzle-orm';
import { sha256 } from '../../crypto/hashing.ts';
import {
  channels,
  connections,
  oauthStates,
  platformApps,
  reauthAudit,
  tokenHistory,
} from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { PlatformError } from '../../platforms/types.ts';
import { requeueWaitingTargets } from '../publishing/requeue-waiting-targets.ts';
import { adapterContext, sealTokens } from './credentials.ts';
import { oauthRedirectUri } from './find-platform-app.ts';

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
  const ctx = adapterContext(deps, app, AbortSignal.timeout(30_000));
  try {
    const tokens = await adapter.exchangeCode(ctx, {
      code: options.code,
      codeVerifier: deps.secrets.decrypt(state.codeVerifier),
      redirectUri: oauthRedirectUri(deps),
    });
    const profile = await adapter.profile(ctx, tokens);
    const discovered = await adapter.discoverChannels(ctx, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: profile.metadata ?? {},
    });
    const sealed = sealTokens(deps, tokens);
    const connectionId = await deps.db.transaction(async (tx) => {
      if (state.connectionId) {
        const [existing] = await tx
          .select({ externalAccountId: connections.externalAccountId })
          .from(connections)
          .where(eq(connections.id, state.connectionId));
        if (existing && existing.externalAccountId !== profile.externalId) {
          throw new ConnectFailed(
            `you authorised a different account (${profile.username ?? profile.externalId}) than the one being reconnected`,
            returnTo,
          );
        }
      }
      const [connection] = await tx
        .insert(connections)
        .values({
          workspaceId: state.workspaceId,
          platform: state.platform,
          platformAppId: app.id,
          externalAccountId: profile.externalId,
          username: profile.username,
          displayName: profile.displayName,
          avatarUrl: profile.avatarUrl,
          ...sealed,
          scopes: tokens.scopes,
          status: 'active',
          health: 'healthy',
          metadata: profile.metadata ?? {},
          createdBy: state.userId,
        })
        .onConflictDoUpdate({
          target: [connections.workspaceId, connections.platform, connections.externalAccountId],
          set: {
            platformAppId: app.id,
            username: profile.username,
            displayName: profile.displayName,
            avatarUrl: profile.avatarUrl,
            ...sealed,
            scopes: tokens.scopes,
            status: 'active',
            health: 'healthy',
            lastError: null,
            refreshLeaseUntil: null,
          },
        })
        .returning({
          id: connections.id,
          createdAt: connections.createdAt,
          updatedAt: connections.updatedAt,
        });
      const id = connection!.id;
      const isReconnect =
        state.connectionId !== null || connection!.createdAt.getTime() !== connection!.updatedAt.getTime();
      await tx.insert(tokenHistory).values({
        connectionId: id,
        accessToken: sealed.accessToken,
        refreshToken: sealed.refreshToken,
        expiresAt: sealed.tokenExpiresAt,
        reason: isReconnect ? 'reauthorized' : 'connected',
      });
      if (isReconnect) {
        await tx.insert(reauthAudit).values({
          connectionId: id,
          kind: 'reauthorize',
          trigger: 'user',
          succeeded: true,
          actorUserId: state.userId,
        });
      }
      for (const channel of discovered) {
        await tx
          .insert(channels)
          .values({
            workspaceId: state.workspaceId,
            connectionId: id,
            platform: state.platform,
            externalId: channel.externalId,
            kind: channel.kind,
            name: channel.name,
            username: channel.username,
            avatarUrl: channel.avatarUrl,
            url: channel.url,
            followersCount: channel.followersCount ?? null,
            metadata: channel.metadata ?? {},
          })
          .onConflictDoUpdate({
            target: [channels.connectionId, channels.externalId],
            set: {
              name: channel.name,
              username: channel.username,
              avatarUrl: channel.avatarUrl,
              url: channel.url,
              isActive: true,
              followersCount: sql`coalesce(excluded.followers_count, ${channels.followersCount})`,
              metadata: channel.metadata ?? {},
            },
          });
      }
      return id;
    });
    // After the connection's transaction: requeueing locks targets and posts, which are always taken
    // before channels and connections elsewhere (the usage trigger), never after.
    await requeueWaitingTargets(deps, { connectionId });
    deps.log.info(
      { connectionId, platform: state.platform, channels: discovered.length },
      'connected account',
    );
    return { workspaceId: state.workspaceId, connectionId, returnTo };
  } catch (error) {
    if (error instanceof ConnectFailed) throw error;
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
