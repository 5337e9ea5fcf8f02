/** X post addresses: `x.com/<user>/status/<id>` (twitter.com and mobile hosts too) and `x.com/i/web/status/<id>`. */
import type { UrlChannel } from '../types.ts';

const HOSTS = new Set(['x.com', 'twitter.com', 'mobile.twitter.com', 'mobile.x.com']);
const PATH = /^\/(?:i\/web|i|([A-Za-z0-9_]{1,15}))\/status(?:es)?\/(\d{1,20})(?:\/.*)?$/;

export function resolveXUrl(url: URL, channel: UrlChannel): string | null {
  if (!HOSTS.has(url.hostname.replace(/^www\./, ''))) return null;
  const m = PATH.exec(url.pathname);
  if (!m) return null;
  if (m[1] && channel.username && m[1].toLowerCase() !== channel.username.toLowerCase()) return null;
  return m[2]!;
}
