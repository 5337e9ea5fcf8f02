/** Sandbox post addresses: `<base>/@<username>/posts/<id>` and `<base>/posts/<id>`. */
import type { UrlChannel } from '../types.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const PATH = new RegExp(`^(?:/@([^/]+))?/posts/(${UUID})/?$`, 'i');

export function resolveSandboxUrl(url: URL, channel: UrlChannel): string | null {
  if (!channel.baseUrl) return null;
  const base = new URL(channel.baseUrl.replace(/\/+$/, ''));
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return null;
  const m = PATH.exec(url.pathname.slice(base.pathname.replace(/\/$/, '').length));
  if (!m) return null;
  if (m[1] && channel.username && m[1].toLowerCase() !== channel.username.toLowerCase()) return null;
  return m[2]!.toLowerCase();
}
