/**
 * A thin client for X API v2: base URLs, bearer auth, JSON and form bodies, rate-limit headers and
 * the mapping of X's error shapes onto `PlatformError` kinds.
 *
 * X reports limits in headers on every reply: `x-rate-limit-{limit,remaining,reset}` for the
 * endpoint's 15-minute window and, on post creation, `x-user-limit-24hour-*` and
 * `x-app-limit-24hour-*` for the daily caps (reset is Unix seconds). Errors come as RFC 7807 problems
 * (`{title, detail, type, status}`), as v1-style `{errors:[{code, message}]}`, or as OAuth errors
 * (`{error, error_description}`) from the token endpoint.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { type ApiCall, type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';
import { apiBaseOf, authBaseOf } from '../kit/urls.ts';
import { retryAfterHeader } from '../kit/retry-after.ts';

export const X_API_URL = 'https://api.x.com';
export const X_AUTHORIZE_URL = 'https://x.com';
/** X's rate-limit windows are 15 minutes; a 429 that names no reset is retried after one. */
const DEFAULT_RETRY_AFTER_MS = 15 * 60_000;

export const apiBase = (ctx: AdapterContext): string => apiBaseOf(ctx, X_API_URL);

/** Where the consent page lives: `settings.authBaseUrl`, else the app's base URL (a test or proxy), else x.com. */
export const authorizeBase = (ctx: AdapterContext): string => authBaseOf(ctx, X_AUTHORIZE_URL);

const int = (value: string | null) => {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value);
};

type Window = RateLimitInfo & { exhausted: boolean };

function windowOf(headers: Headers, prefix: string, bucket: string): Window | null {
  const limit = int(headers.get(`${prefix}-limit`));
  const remaining = int(headers.get(`${prefix}-remaining`));
  const reset = int(headers.get(`${prefix}-reset`));
  if (limit === null && remaining === null && reset === null) return null;
  return {
    bucket,
    limit,
    remaining,
    resetAt: reset === null ? null : new Date(reset * 1000),
    exhausted: remaining === 0,
  };
}

/** Every window the reply reports: the endpoint's 15-minute one and the 24-hour post caps. */
export function rateLimitWindows(headers: Headers, bucket: string): Window[] {
  return [
    windowOf(headers, 'x-rate-limit', bucket),
    windowOf(headers, 'x-user-limit-24hour', 'posts-24h-user'),
    windowOf(headers, 'x-app-limit-24hour', 'posts-24h-app'),
  ].filter((w): w is Window => w !== null);
}

/**
 * The window that constrains the account most: an exhausted one (the latest reset wins, since all
 * must clear), else the user's 24-hour post cap, else the endpoint's window.
 */
export function pickRateLimit(windows: Window[]): RateLimitInfo | null {
  const exhausted = windows
    .filter((w) => w.exhausted)
    .sort((a, b) => (b.resetAt?.getTime() ?? 0) - (a.resetAt?.getTime() ?? 0));
  const chosen = exhausted[0] ?? windows.find((w) => w.bucket === 'posts-24h-user') ?? windows[0];
  if (!chosen) return null;
  const { exhausted: _, ...info } = chosen;
  return info;
}

function retryAfterOf(ctx: AdapterContext, headers: Headers, windows: Window[]): Date {
  const exhausted = pickRateLimit(windows.filter((w) => w.exhausted));
  if (exhausted?.resetAt) return exhausted.resetAt;
  const header = retryAfterHeader(headers, ctx.now());
  if (header) return header;
  const endpoint = windows.find((w) => w.resetAt);
  return endpoint?.resetAt ?? new Date(ctx.now().getTime() + DEFAULT_RETRY_AFTER_MS);
}

type Problem = { code: string | null; message: string | null; type: string | null };

/** Reads any of X's error shapes: RFC 7807 problem, `errors[]`, or an OAuth error. */
export function describeProblem(body: unknown): Problem {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.error === 'string') {
    return {
      code: b.error,
      message: typeof b.error_description === 'string' ? b.error_description : b.error,
      type: 'oauth',
    };
  }
  const first = Array.isArray(b.errors) ? (b.errors[0] as Record<string, unknown> | undefined) : undefined;
  const detail = typeof b.detail === 'string' ? b.detail : null;
  const title = typeof b.title === 'string' ? b.title : null;
  const given = typeof b.type === 'string' ? b.type : typeof first?.type === 'string' ? first.type : null;
  // RFC 9457: `about:blank` means "no type beyond the HTTP status", so it names nothing.
  const type = given === 'about:blank' ? null : given;
  const firstMessage =
    typeof first?.message === 'string'
      ? first.message
      : typeof first?.detail === 'string'
        ? first.detail
        : null;
  const code =
    first?.code !== undefined ? String(first.code) : type ? (type.split('/').pop() ?? type) : title;
  return { code, message: detail ?? firstMessage ?? title, type };
}

const mentions = (problem: Problem, ...needles: string[]) => {
  const haystack = `${problem.type ?? ''} ${problem.message ?? ''} ${problem.code ?? ''}`.toLowerCase();
  return needles.some((n) => haystack.includes(n));
};

export function failureFor(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown; bucket: string; token?: boolean },
): PlatformError {
  const { status, headers } = options;
  const windows = rateLimitWindows(headers, options.bucket);
  const rateLimit = pickRateLimit(windows);
  const problem = describeProblem(options.body);
  const message = `${options.what}: X answered ${status}${problem.message ? `: ${problem.message}` : ''}`;
  const common = { message, code: problem.code, status, rateLimit };
  if (status === 429 || mentions(problem, 'usage-capped', 'rate-limit-exceeded')) {
    return new PlatformError({
      kind: 'rate_limited',
      retryAfter: retryAfterOf(ctx, headers, windows),
      ...common,
    });
  }
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  if (status === 401) return new PlatformError({ kind: 'auth', ...common });
  // The token endpoint answers 400 `invalid_request`/`invalid_grant` for a used or revoked refresh
  // token (they rotate) and for an expired code: either way the user has to authorise again.
  if (options.token && status >= 400 && status < 500) return new PlatformError({ kind: 'auth', ...common });
  if (status === 403 && mentions(problem, 'duplicate content')) {
    return new PlatformError({ kind: 'duplicate', ...common });
  }
  // A suspended or locked account and a token of the wrong kind are fixed by the user, not by retrying.
  if (status === 403 && mentions(problem, 'unsupported authentication', 'suspended', 'locked')) {
    return new PlatformError({ kind: 'auth', ...common });
  }
  return new PlatformError({ kind: 'invalid', ...common });
}

/** X API v2 as the kit speaks it. */
const xApi: PlatformApi = {
  name: 'X',
  baseUrl: apiBase,
  rateLimit: (_ctx, headers, bucket) => pickRateLimit(rateLimitWindows(headers, bucket ?? 'api')),
  failure: (ctx, reply) => failureFor(ctx, { ...reply, bucket: reply.bucket ?? 'api' }),
  // A 2xx carrying only `errors` (X's partial-error shape) is a refusal, not a malformed reply.
  mismatch(_ctx, reply) {
    const problem = describeProblem(reply.body);
    if (!problem.message) return null;
    return new PlatformError({
      kind: 'invalid',
      message: `${reply.what}: X answered ${reply.status}: ${problem.message}`,
      code: problem.code,
      status: reply.status,
      rateLimit: reply.rateLimit,
    });
  },
};

/** A call to X; `bucket` names the rate-limit bucket the endpoint's 15-minute window is recorded under. */
export type XCall = ApiCall & { bucket: string };

export function xCall<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  call: XCall,
): Promise<ApiResult<T>> {
  return callApi(ctx, xApi, schema, call);
}
