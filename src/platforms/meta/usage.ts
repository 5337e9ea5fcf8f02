/**
 * Meta's usage headers, turned into Herald's rate-limit state.
 *
 * - `X-App-Usage: {"call_count":N,"total_cputime":N,"total_time":N}` — percentages of the app's
 *   hourly platform budget; Meta throttles at 100.
 * - `X-Page-Usage` — the same shape for a Page token (may add `estimated_time_to_regain_access`).
 * - `X-Business-Use-Case-Usage: {"<object-id>":[{type, call_count, total_cputime, total_time,
 *   estimated_time_to_regain_access}]}` — per business object (Page, IG account); the estimate is in
 *   minutes.
 *
 * Each becomes a `RateLimitInfo` with `limit` 100 and `remaining` 100 minus the highest percentage;
 * the most used one is reported.
 */
import type { AdapterContext, RateLimitInfo } from '../types.ts';

type Usage = {
  call_count?: unknown;
  total_cputime?: unknown;
  total_time?: unknown;
  estimated_time_to_regain_access?: unknown;
  type?: unknown;
};

const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function parseJson(value: string | null): unknown {
  if (!value) return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

function infoOf(ctx: AdapterContext, bucket: string, usage: Usage): RateLimitInfo {
  const used = Math.max(pct(usage.call_count), pct(usage.total_cputime), pct(usage.total_time));
  const minutes = pct(usage.estimated_time_to_regain_access);
  const now = ctx.now().getTime();
  return {
    bucket,
    limit: 100,
    remaining: Math.max(0, Math.round(100 - used)),
    resetAt: minutes > 0 ? new Date(now + minutes * 60_000) : null,
  };
}

/** Every usage window the reply reports. */
export function usageWindows(ctx: AdapterContext, headers: Headers): RateLimitInfo[] {
  const windows: RateLimitInfo[] = [];
  const app = parseJson(headers.get('x-app-usage')) as Usage | null;
  if (app && typeof app === 'object') windows.push(infoOf(ctx, 'app-usage', app));
  const page = parseJson(headers.get('x-page-usage')) as Usage | null;
  if (page && typeof page === 'object') windows.push(infoOf(ctx, 'page-usage', page));
  const buc = parseJson(headers.get('x-business-use-case-usage'));
  if (buc && typeof buc === 'object') {
    for (const entries of Object.values(buc as Record<string, unknown>)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries as Usage[]) {
        const type = typeof entry.type === 'string' ? entry.type : 'unknown';
        windows.push(infoOf(ctx, `business-use-case:${type}`, entry));
      }
    }
  }
  return windows;
}

/** The most used window, or null when the reply carried no usage header. */
export function usageRateLimit(ctx: AdapterContext, headers: Headers): RateLimitInfo | null {
  const windows = usageWindows(ctx, headers);
  windows.sort((a, b) => (a.remaining ?? 100) - (b.remaining ?? 100));
  return windows[0] ?? null;
}

/** When Meta says access comes back: the latest `estimated_time_to_regain_access`. */
export function retryAfterFromUsage(ctx: AdapterContext, headers: Headers): Date | null {
  const resets = usageWindows(ctx, headers)
    .map((w) => w.resetAt?.getTime())
    .filter((t): t is number => t !== undefined);
  return resets.length ? new Date(Math.max(...resets)) : null;
}
