/**
 * Bluesky post addresses: `https://bsky.app/profile/<handle or DID>/post/<record key>`, resolved to
 * the post's AT URI on the channel's own repository (its DID), when the profile is the channel's.
 */
import type { UrlChannel } from '../types.ts';

const PATH = /^\/profile\/([^/]+)\/post\/([A-Za-z0-9._:~-]{1,512})\/?$/;

export function resolveBlueskyUrl(url: URL, channel: UrlChannel): string | null {
  if (url.hostname !== 'bsky.app' && url.hostname !== 'www.bsky.app') return null;
  const m = PATH.exec(url.pathname);
  if (!m || !channel.externalId.startsWith('did:')) return null;
  const profile = decodeURIComponent(m[1]!).toLowerCase();
  const ours = profile === channel.externalId.toLowerCase() || profile === channel.username?.toLowerCase();
  return ours ? `at://${channel.externalId}/app.bsky.feed.post/${m[2]}` : null;
}
