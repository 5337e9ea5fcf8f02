/**
 * A thin client for Reddit's OAuth API (`oauth.reddit.com`) and token endpoint (`www.reddit.com`).
 * Every request carries a descriptive `User-Agent` (Reddit throttles generic ones hard), replies
 * carry `X-Ratelimit-Used/Remaining/Reset` (reset in seconds), and `/api/*` endpoints called with
 * `api_type=json` report failures inside a 200 as `{"json": {"errors": [[CODE, message, field]]}}`.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { type ApiCall, type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';
import { apiBaseOf, authBaseOf } from '../kit/urls.ts';
import { retryAfterOf } from '../kit/retry-after.ts';

const API = 'https://oauth.reddit.com';
const WWW = 'https://www.reddit.com';
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** The OAuth API host; `baseUrl` overrides it (tests, proxies). */
export const apiUrl = (ctx: AdapterContext) => apiBaseOf(ctx, API);

/** Where users authorise and tokens are issued: `settings.authBaseUrl`, else `baseUrl` when set, else www. */
export const authUrl = (ctx: AdapterContext): string => authBaseOf(ctx, WWW);

/** Reddit's required format: `<platform>:<app id>:<version> (by /u/<developer>)`. */
export function userAgentOf(ctx: AdapterContext): string {
  const setting = ctx.app.settings.userAgent;
  if (typeof setting === 'string' && setting.trim()) return setting.trim();
  const developer = typeof ctx.app.settings.developer === 'string' ? ctx.app.settings.developer : 'herald';
  return `server:${ctx.app.clientId}:herald-0.1 (by /u/${developer})`;
}

export function parseRateLimit(ctx: AdapterContext, headers: Headers): RateLimitInfo | null {
  const num = (name: string) => {
    const v = headers.get(name)?.trim();
    return v && /^\d+(\.\d+)?$/.test(v) ? Number(v) : null;
  };
  const used = num('x-ratelimit-used');
  const remaining = num('x-ratelimit-remaining');
  const reset = num('x-ratelimit-reset');
  if (used === null && remaining === null && reset === null) return null;
  return {
    bucket: 'api',
    limit: used !== null && remaining !== null ? Math.round(used + remaining) : null,
    remaining: remaining === null ? null : Math.floor(remaining),
    // Seconds until the window ends, not a timestamp.
    resetAt: reset === null ? null : new Date(ctx.now().getTime() + reset * 1000),
  };
}

/** `RATELIMIT` messages say "Take a break for 2 minutes" or "try again in 9 seconds". */
export function waitOfMessage(message: string): number | null {
  const match = /(\d+)\s*(millisecond|second|minute|hour)s?/i.exec(message);
  if (!match) return null;
  const unit = { millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000 }[
    match[2]!.toLowerCase() as 'second'
  ];
  return Number(match[1]) * unit;
}

const ERROR_KINDS: Record<string, PlatformError['kind']> = {
  RATELIMIT: 'rate_limited',
  QUOTA_FILLED: 'rate_limited',
  ALREADY_SUB: 'duplicate',
  USER_REQUIRED: 'auth',
  INVALID_CREDENTIALS: 'auth',
};

/** The first of Reddit's `[[CODE, message, field], …]` errors as a `PlatformError`. */
export function submitFailure(
  ctx: AdapterContext,
  what: string,
  errors: unknown[][],
  extra: { ratelimitSeconds: number | null; rateLimit: RateLimitInfo | null },
): PlatformError {
  const [code, message, field] = errors[0] as [string, string, string | null];
  const kind = ERROR_KINDS[code] ?? 'invalid';
  const text = `${what}: Reddit refused: ${code}${message ? ` — ${message}` : ''}${field ? ` (${field})` : ''}`;
  if (kind === 'rate_limited') {
    const waitMs =
      extra.ratelimitSeconds !== null
        ? extra.ratelimitSeconds * 1000
        : (waitOfMessage(message ?? '') ?? (code === 'QUOTA_FILLED' ? 3_600_000 : DEFAULT_RETRY_AFTER_MS));
    return new PlatformError({
      kind,
      code,
      message: text,
      status: 200,
      retryAfter: new Date(ctx.now().getTime() + waitMs),
      rateLimit: extra.rateLimit,
    });
  }
  return new PlatformError({ kind, code, message: text, status: 200, rateLimit: extra.rateLimit });
}

export function failureFor(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown; rateLimit: RateLimitInfo | null },
): PlatformError {
  const { status, rateLimit } = options;
  const b = options.body as {
    message?: unknown;
    error?: unknown;
    reason?: unknown;
    explanation?: unknown;
  } | null;
  const code = typeof b?.error === 'string' ? b.error : typeof b?.reason === 'string' ? b.reason : null;
  const detail = [b?.message, b?.explanation].filter((m) => typeof m === 'string').join(': ');
  const text = `${options.what}: Reddit answered ${status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}`;
  const common = { message: text, code, status, rateLimit };
  const insufficientScope = /insufficient_scope/i.test(options.headers.get('www-authenticate') ?? '');
  if (status === 401 || insufficientScope) return new PlatformError({ kind: 'auth', ...common });
  if (code === 'invalid_grant' || code === 'invalid_client' || code === 'unauthorized_client') {
    return new PlatformError({ kind: 'auth', ...common });
  }
  if (status === 429) {
    const retryAfter = retryAfterOf(options.headers, {
      now: ctx.now(),
      rateLimit,
      fallbackMs: DEFAULT_RETRY_AFTER_MS,
    });
    return new PlatformError({ kind: 'rate_limited', retryAfter, ...common });
  }
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  // 403: a private, quarantined or banning subreddit; 404: no such thing.
  return new PlatformError({ kind: 'invalid', ...common });
}

/** Reddit's OAuth API as the kit speaks it: a descriptive User-Agent on every request, `bearer` tokens. */
const redditApi: PlatformApi = {
  name: 'Reddit',
  baseUrl: apiUrl,
  headers: (ctx) => ({ 'user-agent': userAgentOf(ctx) }),
  authorization: (token) => `bearer ${token}`,
  rateLimit: (ctx, headers) => parseRateLimit(ctx, headers),
  failure: (ctx, reply) => failureFor(ctx, reply),
};

/** A call to Reddit: `url` is a full URL (the media store) or a path under the OAuth API. */
export type Call = Omit<ApiCall, 'path'> & { url: string };

export function call<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  { url, ...options }: Call,
): Promise<ApiResult<T>> {
  return callApi(ctx, redditApi, schema, { ...options, path: url });
}
