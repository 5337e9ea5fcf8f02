/**
 * A thin client for LinkedIn's versioned REST API (`api.linkedin.com/rest/…`), its OIDC userinfo
 * endpoint and its OAuth endpoints (`www.linkedin.com/oauth/v2/…`).
 *
 * Every `/rest/` call carries `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version: 2.0.0`;
 * LinkedIn sunsets a version about a year after release, so the version is pinned here and can be
 * moved forward with the app setting `linkedinVersion` without a release.
 *
 * LinkedIn sends no rate-limit headers: per-member and per-app limits are daily, reset at 00:00 UTC
 * and only visible in the Developer Portal. A 429 therefore means "come back after midnight UTC"
 * unless the reply names a `Retry-After`. Errors come as `{status, serviceErrorCode, message}` (with
 * `errorDetails.inputErrors[]` on 422) or, from the token endpoint, as `{error, error_description}`.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { type ApiCall, type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';
import { apiBaseOf, authBaseOf } from '../kit/urls.ts';
import { retryAfterHeader } from '../kit/retry-after.ts';

export const LINKEDIN_API_URL = 'https://api.linkedin.com';
export const LINKEDIN_AUTH_URL = 'https://www.linkedin.com';
export const DEFAULT_LINKEDIN_VERSION = '202601';

export const apiBase = (ctx: AdapterContext): string => apiBaseOf(ctx, LINKEDIN_API_URL);

/** Consent page and token endpoint: `settings.authBaseUrl`, else the app's base URL, else www.linkedin.com. */
export const authBase = (ctx: AdapterContext): string => authBaseOf(ctx, LINKEDIN_AUTH_URL);

export function versionOf(ctx: AdapterContext): string {
  const setting = ctx.app.settings.linkedinVersion;
  return typeof setting === 'string' && /^\d{6}(\.\d{2})?$/.test(setting)
    ? setting
    : DEFAULT_LINKEDIN_VERSION;
}

/**
 * URNs inside paths and query values are URL-encoded (Rest.li 2.0), parentheses included:
 * `encodeURIComponent` leaves `(` `)` as they are, and in a comment URN
 * (`urn:li:comment:(urn:li:activity:1,2)`) Rest.li would read them as a complex key.
 */
export const encodeUrn = (urn: string) =>
  encodeURIComponent(urn).replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'));

/** The next 00:00 UTC, when LinkedIn's daily limits reset. */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

type Problem = { code: string | null; message: string | null; inputCodes: string[] };

export function describeProblem(body: unknown): Problem {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.error === 'string') {
    return {
      code: b.error,
      message: typeof b.error_description === 'string' ? b.error_description : b.error,
      inputCodes: [],
    };
  }
  const details = (b.errorDetails ?? {}) as { inputErrors?: { code?: unknown; description?: unknown }[] };
  const inputCodes = (details.inputErrors ?? [])
    .map((e) => (typeof e.code === 'string' ? e.code : null))
    .filter((c): c is string => c !== null);
  const code =
    inputCodes[0] ??
    (b.serviceErrorCode !== undefined
      ? String(b.serviceErrorCode)
      : typeof b.code === 'string'
        ? b.code
        : null);
  return { code, message: typeof b.message === 'string' ? b.message : null, inputCodes };
}

export function failureFor(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown; tokenEndpoint?: boolean },
): PlatformError {
  const { status, headers } = options;
  const problem = describeProblem(options.body);
  const message = `${options.what}: LinkedIn answered ${status}${problem.message ? `: ${problem.message}` : ''}`;
  const common = { message, code: problem.code, status };
  const text = `${problem.message ?? ''} ${problem.code ?? ''}`.toLowerCase();
  if (status === 429) {
    const now = ctx.now();
    const retryAfter = retryAfterHeader(headers, now) ?? nextUtcMidnight(now);
    const rateLimit: RateLimitInfo = { bucket: 'daily', limit: null, remaining: 0, resetAt: retryAfter };
    return new PlatformError({ kind: 'rate_limited', retryAfter, rateLimit, ...common });
  }
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  if (status === 401) return new PlatformError({ kind: 'auth', ...common });
  // invalid_grant: the refresh token expired (365 days after the first grant) or was revoked.
  if (options.tokenEndpoint && status >= 400 && status < 500) {
    return new PlatformError({ kind: 'auth', ...common });
  }
  if (problem.inputCodes.includes('DUPLICATE_POST') || text.includes('duplicate')) {
    return new PlatformError({ kind: 'duplicate', ...common });
  }
  if (status === 426) {
    return new PlatformError({
      kind: 'invalid',
      ...common,
      message: `${message} (LinkedIn-Version ${versionOf(ctx)} is no longer served: set the app's linkedinVersion setting to a current YYYYMM)`,
    });
  }
  // LinkedIn answers these for moments of internal inconsistency; a later try usually works.
  if (text.includes('unable to obtain activity')) return new PlatformError({ kind: 'transient', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

/** LinkedIn's REST API as the kit speaks it; `/rest/` calls add the version headers themselves (`versioned`). */
const linkedinApi: PlatformApi = {
  name: 'LinkedIn',
  baseUrl: apiBase,
  failure: (ctx, reply) => failureFor(ctx, reply),
};

export type LinkedInCall = ApiCall & {
  /** `/rest/` calls need the version headers; userinfo and uploads do not. */
  versioned?: boolean;
};

export function linkedinCall<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  { versioned, ...call }: LinkedInCall,
): Promise<ApiResult<T>> {
  const headers = versioned
    ? { 'linkedin-version': versionOf(ctx), 'x-restli-protocol-version': '2.0.0', ...call.headers }
    : call.headers;
  return callApi(ctx, linkedinApi, schema, { ...call, headers });
}
