/**
 * Reddit post addresses: `reddit.com/r/<sub>/comments/<id>/…`, `reddit.com/comments/<id>`,
 * `reddit.com/user/<name>/comments/<id>/…` and `redd.it/<id>`, as the post's fullname `t3_<id>`.
 * The address does not say who posted it: any Reddit channel may claim it, and its first check tells.
 */
import type { UrlChannel } from '../types.ts';

const HOSTS = new Set(['reddit.com', 'old.reddit.com', 'new.reddit.com', 'np.reddit.com', 'm.reddit.com']);
const PATH = /^\/(?:(?:r|u|user)\/[^/]+\/)?comments\/([a-z0-9]{1,12})(?:\/.*)?$/i;

export function resolveRedditUrl(url: URL, _channel: UrlChannel): string | null {
  const host = url.hostname.replace(/^www\./, '');
  if (host === 'redd.it') {
    const id = /^\/([a-z0-9]{1,12})\/?$/i.exec(url.pathname)?.[1];
    return id ? `t3_${id.toLowerCase()}` : null;
  }
  if (!HOSTS.has(host)) return null;
  const id = PATH.exec(url.pathname)?.[1];
  return id ? `t3_${id.toLowerCase()}` : null;
}
