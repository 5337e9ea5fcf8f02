/**
 * A thin client for the YouTube Data API v3 (`www.googleapis.com/youtube/v3`, uploads under
 * `/upload/youtube/v3`) and Google's OAuth endpoints.
 *
 * YouTube sends no rate-limit headers: it counts quota units per Cloud project per day, reset at
 * midnight Pacific Time. Errors are Google JSON errors, `{error:{code, message, errors:[{reason,
 * domain}]}}`; the `reason` decides the kind: `quotaExceeded`/`dailyLimitExceeded` wait for the
 * Pacific midnight, `uploadLimitExceeded` (the channel's own daily upload cap) waits a day,
 * `rateLimitExceeded`/`userRateLimitExceeded` are short-term and retried after a minute.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { type ApiCall, type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';
import { apiBaseOf, authBaseOf, urlSetting } from '../kit/urls.ts';
import { localTimeToInstant, zoneOffsetMinutes } from '../../lib/time.ts';

export const YOUTUBE_API_URL = 'https://www.googleapis.com';
export const GOOGLE_AUTH_URL = 'https://accounts.google.com';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com';
const SHORT_RETRY_MS = 60_000;

export const apiBase = (ctx: AdapterContext) => apiBaseOf(ctx, YOUTUBE_API_URL);
/** Consent page: `settings.authBaseUrl`, else the app's base URL (tests, proxies), else accounts.google.com. */
export const authBase = (ctx: AdapterContext) => authBaseOf(ctx, GOOGLE_AUTH_URL);
export const tokenBase = (ctx: AdapterContext) =>
  urlSetting(ctx, 'tokenBaseUrl') ?? apiBaseOf(ctx, GOOGLE_TOKEN_URL);

/** The next midnight in America/Los_Angeles, when the Data API quota resets. */
export function nextPacificMidnight(now: Date): Date {
  const zone = 'America/Los_Angeles';
  // Today's date on the wall clock in Los Angeles, then the instant its next midnight happens
  // (daylight-saving changes there are at 2 am, never at midnight).
  const wall = new Date(now.getTime() + zoneOffsetMinutes(zone, now) * 60_000);
  const next = new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1));
  return localTimeToInstant(next.toISOString().slice(0, 16), zone)!;
}

type Problem = { code: string | null; message: string | null };

export function describeProblem(body: unknown): Problem {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.error === 'string') {
    return {
      code: b.error,
      message: typeof b.error_description === 'string' ? b.error_description : b.error,
    };
  }
  const error = (b.error ?? {}) as { message?: unknown; status?: unknown; errors?: { reason?: unknown }[] };
  const reason = error.errors?.find((e) => typeof e.reason === 'string')?.reason as string | undefined;
  return {
    code: reason ?? (typeof error.status === 'string' ? error.status : null),
    message: typeof error.message === 'string' ? error.message : null,
  };
}

const DAILY_QUOTA = new Set(['quotaExceeded', 'dailyLimitExceeded']);
const SHORT_TERM = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RESOURCE_EXHAUSTED']);

export function failureFor(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown; tokenEndpoint?: boolean },
): PlatformError {
  const { status } = options;
  const problem = describeProblem(options.body);
  const message = `${options.what}: YouTube answered ${status}${problem.message ? `: ${problem.message}` : ''}`;
  const common = { message, code: problem.code, status };
  const now = ctx.now();
  const limited = (bucket: string, resetAt: Date) => {
    const rateLimit: RateLimitInfo = { bucket, limit: null, remaining: 0, resetAt };
    return new PlatformError({ kind: 'rate_limited', retryAfter: resetAt, rateLimit, ...common });
  };
  if (problem.code && DAILY_QUOTA.has(problem.code)) return limited('quota-daily', nextPacificMidnight(now));
  if (problem.code === 'uploadLimitExceeded') {
    return limited('uploads-channel', new Date(now.getTime() + 24 * 3_600_000));
  }
  if (status === 429 || (problem.code && SHORT_TERM.has(problem.code))) {
    const seconds = Number(options.headers.get('retry-after'));
    const wait = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : SHORT_RETRY_MS;
    return limited('requests', new Date(now.getTime() + wait));
  }
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  if (status === 401) return new PlatformError({ kind: 'auth', ...common });
  // invalid_grant: the refresh token was revoked, unused for six months, or (apps in "Testing") 7 days old.
  if (options.tokenEndpoint && status >= 400 && status < 500)
    return new PlatformError({ kind: 'auth', ...common });
  // The account has no channel yet: only the user can fix that, on youtube.com.
  if (problem.code === 'youtubeSignupRequired') return new PlatformError({ kind: 'auth', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

/** The Data API as the kit speaks it. */
const youtubeApi: PlatformApi = {
  name: 'YouTube',
  baseUrl: apiBase,
  jsonType: 'application/json; charset=UTF-8',
  failure: (ctx, reply) => failureFor(ctx, reply),
};

/** A call to the Data API, or to an absolute URL (token endpoint, upload session). */
export function youtubeCall<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  call: ApiCall,
): Promise<ApiResult<T>> {
  return callApi(ctx, youtubeApi, schema, call);
}
