/**
 * When a connection's tokens are due for a refresh ahead of their expiry. A pure decision, so the
 * sweep and the refresh under lease agree, and a table of cases tests it.
 *
 * A token is refreshed in the last fifth of its lifetime, and never earlier than
 * `HERALD_REFRESH_WINDOW_MINUTES` before it expires: a one-hour token (the sandbox's, Google's) is
 * refreshed about twelve minutes before expiry, a sixty-day token a window before. Once a refresh
 * has succeeded inside that lead time (the platform handed back the same expiry), the token is not
 * refreshed again: at most one refresh per lifetime unless one fails.
 */

/** The share of a token's lifetime, at its end, in which it is refreshed. */
export const REFRESH_SHARE = 1 / 5;

export type RefreshTiming = {
  tokenExpiresAt: Date | null;
  /** When the current token was issued (connect or last refresh that changed the expiry). */
  tokenIssuedAt: Date | null;
  /** When a refresh last succeeded. */
  lastRefreshedAt: Date | null;
};

/** The moment from which a refresh is due, or null when the token never expires. */
export function refreshDueAt(timing: RefreshTiming, windowMinutes: number): Date | null {
  if (!timing.tokenExpiresAt) return null;
  const expires = timing.tokenExpiresAt.getTime();
  const window = windowMinutes * 60_000;
  const issued = timing.tokenIssuedAt?.getTime();
  // Without an issue time the lifetime is unknown: the window alone bounds the lead.
  const lifetime = issued !== undefined && issued < expires ? expires - issued : Infinity;
  return new Date(expires - Math.min(window, lifetime * REFRESH_SHARE));
}

export function isRefreshDue(timing: RefreshTiming, options: { now: Date; windowMinutes: number }): boolean {
  const dueAt = refreshDueAt(timing, options.windowMinutes);
  if (!dueAt || options.now < dueAt) return false;
  // Already refreshed in this lead time: the platform kept the expiry; don't ask again and again.
  return !(timing.lastRefreshedAt && timing.lastRefreshedAt >= dueAt);
}
