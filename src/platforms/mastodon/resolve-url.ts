/**
 * Mastodon status addresses on the channel's own instance: `https://<instance>/@<user>/<id>` and
 * `https://<instance>/users/<user>/statuses/<id>`. A status seen through another instance has
 * another id there, so only the account's own instance is recognised.
 */
import type { UrlChannel } from '../types.ts';

const PATH = /^\/(?:@([^/@]+)|users\/([^/]+)\/statuses)\/(\d{1,20})\/?$/;

export function resolveMastodonUrl(url: URL, channel: UrlChannel): string | null {
  // Herald's Mastodon account ids are `<id>@<host>`.
  const host = channel.externalId.split('@')[1] ?? (channel.baseUrl ? new URL(channel.baseUrl).host : null);
  if (!host || url.host.toLowerCase() !== host.toLowerCase()) return null;
  const m = PATH.exec(url.pathname);
  if (!m) return null;
  const user = m[1] ?? m[2];
  if (user && channel.username && user.toLowerCase() !== channel.username.split('@')[0]!.toLowerCase())
    return null;
  return m[3]!;
}
