/**
 * Instagram and Threads take media by URL: Meta's servers download it. A URL they cannot reach —
 * loopback, a private network, a `.local` name — fails at Meta minutes later with a vague error, so it
 * is refused here with the fix named. When the Graph base URL is itself on a private network (a local
 * protocol server in tests or development), that server can reach the media and the URL is allowed.
 */
import { isIP } from 'node:net';
import { type MediaItem, PlatformError } from '../types.ts';

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || /\.(localhost|local|internal|lan|home\.arpa)$/.test(host)) return true;
  if (!isIP(host)) return !host.includes('.');
  if (host.includes(':')) {
    return (
      host === '::1' ||
      host === '::' ||
      /^f[cd]/.test(host) ||
      /^fe[89ab]/.test(host) ||
      host.startsWith('::ffff:127.')
    );
  }
  const [a, b] = host.split('.').map(Number) as [number, number];
  return (
    a === 127 ||
    a === 10 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** The item's public URL, or an `invalid` error saying how to give Herald one. */
export function publicMediaUrl(item: MediaItem, options: { platform: string; apiBase: string }): string {
  const fix = 'set PUBLIC_URL to an address reachable from the internet (https://… on a public host)';
  if (!item.publicUrl) {
    throw new PlatformError({
      kind: 'invalid',
      message: `${options.platform} downloads media from a public URL and this media has none: ${fix}`,
    });
  }
  let url: URL;
  try {
    url = new URL(item.publicUrl);
  } catch {
    throw new PlatformError({ kind: 'invalid', message: `media URL ${item.publicUrl} is not a URL: ${fix}` });
  }
  const apiIsPrivate = isPrivateHost(new URL(options.apiBase).hostname);
  if (!apiIsPrivate && (isPrivateHost(url.hostname) || !/^https?:$/.test(url.protocol))) {
    throw new PlatformError({
      kind: 'invalid',
      message: `${options.platform} downloads media from its own servers, which cannot reach ${url.origin}: ${fix}`,
    });
  }
  return url.toString();
}
