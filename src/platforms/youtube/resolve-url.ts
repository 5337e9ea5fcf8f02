/**
 * YouTube video addresses: `youtube.com/watch?v=<id>`, `youtu.be/<id>`, `youtube.com/shorts/<id>`,
 * `youtube.com/live/<id>` and `youtube.com/embed/<id>`. The address does not name the channel: any
 * YouTube channel may claim it, and its first check tells.
 */
import type { UrlChannel } from '../types.ts';

const ID = /^[A-Za-z0-9_-]{11}$/;
const HOSTS = new Set(['youtube.com', 'm.youtube.com', 'music.youtube.com']);

export function resolveYoutubeUrl(url: URL, _channel: UrlChannel): string | null {
  const host = url.hostname.replace(/^www\./, '');
  let id: string | null | undefined;
  if (host === 'youtu.be') id = url.pathname.split('/')[1];
  else if (HOSTS.has(host)) {
    if (url.pathname === '/watch') id = url.searchParams.get('v');
    else id = /^\/(?:shorts|live|embed)\/([^/]+)\/?$/.exec(url.pathname)?.[1];
  }
  return id && ID.test(id) ? id : null;
}
