/**
 * One sentence and one badge for a connection's access, so a card never says two contradicting
 * things ("expired · unhealthy" beside "expires in 59 minutes"): once a connection is not active,
 * its token's expiry no longer matters; while it is active, health is what to show.
 */
export type ConnectionAccessInput = {
  status: string;
  health: string;
  tokenExpiresAt: string | null;
};

export type ConnectionAccess = {
  /** The one status badge to show (a connection status or a health). */
  badge: string;
  badgeLabel: string;
  /** What the access looks like, in words; `expiresAt` is set when the sentence names the expiry. */
  text: string;
  expiresAt: string | null;
  needsReconnect: boolean;
};

/** Past expiry by more than this, an active connection's refresh clearly did not happen. */
const GRACE_MS = 5 * 60_000;

export function connectionAccess(c: ConnectionAccessInput, now = Date.now()): ConnectionAccess {
  if (c.status !== 'active') {
    return {
      badge: c.status,
      badgeLabel: c.status === 'expired' ? 'access expired' : c.status,
      text: 'Herald can no longer publish here. Reconnect the account.',
      expiresAt: null,
      needsReconnect: true,
    };
  }
  const expires = c.tokenExpiresAt ? Date.parse(c.tokenExpiresAt) : null;
  if (expires !== null && expires < now - GRACE_MS) {
    return {
      badge: 'expired',
      badgeLabel: 'access expired',
      text: 'Access expired and was not renewed. Reconnect to keep publishing.',
      expiresAt: null,
      needsReconnect: true,
    };
  }
  return {
    badge: c.health === 'unknown' ? 'active' : c.health,
    badgeLabel: c.health === 'unknown' ? 'active' : c.health,
    text:
      expires === null ? 'Access does not expire.' : 'Access renews automatically; the current token expires',
    expiresAt: expires === null ? null : c.tokenExpiresAt,
    needsReconnect: c.health === 'unhealthy',
  };
}
