import type { RateLimitInfo } from '../types.ts';

/** A `Retry-After` header (RFC 9110 §10.2.3): delay seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterHeader(headers: Headers, now: Date): Date | null {
  const header = headers.get('retry-after')?.trim();
  if (!header) return null;
  if (/^\d+$/.test(header)) return new Date(now.getTime() + Number(header) * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : new Date(date);
}

/**
 * When a rate-limited call may be tried again: the `Retry-After` header, else the rate-limit
 * window's reset when it is still ahead, else `fallbackMs` from now.
 */
export function retryAfterOf(
  headers: Headers,
  options: { now: Date; rateLimit?: RateLimitInfo | null; fallbackMs: number },
): Date {
  const { now } = options;
  const header = retryAfterHeader(headers, now);
  if (header) return header;
  const reset = options.rateLimit?.resetAt;
  if (reset && reset.getTime() > now.getTime()) return reset;
  return new Date(now.getTime() + options.fallbackMs);
}

/** An integer header value, or null when absent or not a whole number. */
export function intHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name)?.trim();
  return value && /^\d+$/.test(value) ? Number(value) : null;
}
