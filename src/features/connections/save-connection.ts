/**
 * Stores an account Herald just signed in to, however it signed in (OAuth callback or sign-in
 * form): reads the account, lists its channels, keeps the tokens encrypted with their history, and
 * puts posts that were waiting for this account back in the queue.
 */
import { eq, sql } from 'drizzle-orm';
import { channels, connections, reauthAudit, tokenHistory } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { AdapterContext, PlatformAdapter, TokenSet } from '../../platforms/types.ts';
import { requeueWaitingTargets } from '../publishing/requeue-waiting-targets.ts';
import { sealTokens } from './credentials.ts';

/** The account signed in to is not the one being reconnected. */
export class WrongAccount extends Error {
  override name = 'WrongAccount';
}

export async function saveConnection(
  deps: Deps,
  options: {
    workspaceId: string;
    userId: string;
    adapter: PlatformAdapter;
    ctx: AdapterContext;
    platformAppId: string;
    tokens: TokenSet;
    /** Set when re-authorising this connection: the account must be the same. */
    reconnectId: string | null;
  },
): Promise<{ connectionId: string }> {
  const { adapter, ctx, tokens } = options;
  const profile = await adapter.profile(ctx, tokens);
  const discovered = await adapter.discoverChannels(ctx, {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    accountId: profile.externalId,
    metadata: profile.metadata ?? {},
  });
  const sealed = sealTokens(deps, tokens);
  const account = {
    platformAppId: options.platformAppId,
    username: profile.username,
    displayName: profile.displayName,
    avatarUrl: profile.avatarUrl,
    ...sealed,
    tokenIssuedAt: deps.clock.now(),
    scopes: tokens.scopes,
    status: 'active' as const,
    health: 'healthy' as const,
  };
  const connectionId = await deps.db.transaction(async (tx) => {
    if (options.reconnectId) {
      const [existing] = await tx
        .select({ externalAccountId: connections.externalAccountId })
        .from(connections)
        .where(eq(connections.id, options.reconnectId));
      if (existing && existing.externalAccountId !== profile.externalId) {
        throw new WrongAccount(
          `you signed in to a different account (${profile.username ?? profile.externalId}) than the one being reconnected`,
        );
      }
    }
    const [connection] = await tx
      .insert(connections)
      .values({
        ...account,
        workspaceId: options.workspaceId,
        platform: adapter.id,
        externalAccountId: profile.externalId,
        metadata: profile.metadata ?? {},
        createdBy: options.userId,
      })
      .onConflictDoUpdate({
        target: [connections.workspaceId, connections.platform, connections.externalAccountId],
        set: { ...account, lastError: null, refreshLeaseUntil: null },
      })
      .returning({ id: connections.id, createdAt: connections.createdAt, updatedAt: connections.updatedAt });
    const id = connection!.id;
    const isReconnect =
      options.reconnectId !== null || connection!.createdAt.getTime() !== connection!.updatedAt.getTime();
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
        actorUserId: options.userId,
      });
    }
    for (const channel of discovered) {
      await tx
        .insert(channels)
        .values({
          workspaceId: options.workspaceId,
          connectionId: id,
          platform: adapter.id,
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
  deps.log.info({ connectionId, platform: adapter.id, channels: discovered.length }, 'connected account');
  return { connectionId };
}
