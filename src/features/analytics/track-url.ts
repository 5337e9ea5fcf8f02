/**
 * Tracks a post published outside Herald, by its address: each channel of the workspace whose
 * adapter can read addresses is asked whether the URL is one of its posts; the first that says yes
 * tracks it like a post Herald published, its schedule counted from now.
 */
import { and, eq } from 'drizzle-orm';
import { channels, connections, platformApps, trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField } from '../../errors.ts';
import { startTracking } from './start-tracking.ts';

export async function trackUrl(
  deps: Deps,
  options: { workspaceId: string; url: string; userId?: string | null; channelId?: string | undefined },
): Promise<{ trackedPostId: string; channelId: string; remoteId: string }> {
  let url: URL;
  try {
    url = new URL(options.url.trim());
  } catch {
    throw invalidField('url', 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalidField('url', 'must be an http(s) address');
  const candidates = await deps.db
    .select({ channel: channels, baseUrl: platformApps.baseUrl })
    .from(channels)
    .innerJoin(connections, eq(connections.id, channels.connectionId))
    .leftJoin(platformApps, eq(platformApps.id, connections.platformAppId))
    .where(
      and(
        eq(channels.workspaceId, options.workspaceId),
        eq(channels.isActive, true),
        options.channelId ? eq(channels.id, options.channelId) : undefined,
      ),
    );
  for (const { channel, baseUrl } of candidates) {
    if (!deps.platforms.has(channel.platform)) continue;
    const adapter = deps.platforms.get(channel.platform);
    const remoteId = adapter.resolveUrl?.(url, {
      externalId: channel.externalId,
      username: channel.username,
      baseUrl,
    });
    if (!remoteId) continue;
    const trackedPostId = await deps.db.transaction((tx) =>
      startTracking(deps, tx, {
        workspaceId: options.workspaceId,
        channelId: channel.id,
        remoteId,
        remoteUrl: url.toString(),
        publishedAt: deps.clock.now(),
        createdBy: options.userId ?? null,
      }),
    );
    if (!trackedPostId) {
      const [existing] = await deps.db
        .select({ id: trackedPosts.id })
        .from(trackedPosts)
        .where(and(eq(trackedPosts.channelId, channel.id), eq(trackedPosts.remoteId, remoteId)));
      throw new AppError('conflict', 'this post is already tracked', { trackedPostId: existing?.id ?? null });
    }
    return { trackedPostId, channelId: channel.id, remoteId };
  }
  throw invalidField(
    'url',
    "is not the address of a post on any of this workspace's channels that Herald can read",
  );
}
