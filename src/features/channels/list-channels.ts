/** Channels with the state of the connection they publish through (never its tokens). */
import { and, asc, eq } from 'drizzle-orm';
import { channels, connections } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';

const columns = {
  id: channels.id,
  platform: channels.platform,
  kind: channels.kind,
  name: channels.name,
  username: channels.username,
  avatarUrl: channels.avatarUrl,
  url: channels.url,
  isActive: channels.isActive,
  followersCount: channels.followersCount,
  lastPostedAt: channels.lastPostedAt,
  createdAt: channels.createdAt,
  connection: {
    id: connections.id,
    status: connections.status,
    health: connections.health,
    tokenExpiresAt: connections.tokenExpiresAt,
    lastError: connections.lastError,
    lastRefreshedAt: connections.lastRefreshedAt,
  },
};

export async function listChannels(deps: Deps, options: { workspaceId: string; channelId?: string }) {
  const rows = await deps.db
    .select(columns)
    .from(channels)
    .innerJoin(connections, eq(connections.id, channels.connectionId))
    .where(
      and(
        eq(channels.workspaceId, options.workspaceId),
        options.channelId ? eq(channels.id, options.channelId) : undefined,
      ),
    )
    .orderBy(asc(channels.platform), asc(channels.name));
  if (options.channelId && !rows.length) throw notFound('channel');
  return rows;
}
