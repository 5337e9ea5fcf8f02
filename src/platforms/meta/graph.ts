/**
 * A thin client for Meta's Graph APIs (Facebook, Instagram and Threads share the envelope): form or
 * query parameters, bearer token, usage headers, and the error envelope mapped onto
 * `PlatformError` kinds.
 *
 * Error envelope: `{"error":{"message","type","code","error_subcode","error_user_title",
 * "error_user_msg","fbtrace_id","is_transient"}}`. Meta throttles with codes inside 400/403 replies
 * as often as with 429, so the code decides, not the status.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { retryAfterFromUsage, usageRateLimit } from './usage.ts';
import { type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';

/** When Meta throttles without an `estimated_time_to_regain_access`: usage is a rolling hour. */
const DEFAULT_THROTTLE_MS = 15 * 60_000;
/** A daily publishing cap reached: the window is a rolling 24 h whose oldest post Meta doesn't name. */
const DEFAULT_QUOTA_MS = 60 * 60_000;

export type GraphError = {
  message: string | null;
  type: string | null;
  code: number | null;
  subcode: number | null;
  userMessage: string | null;
  isTransient: boolean;
};

export function readGraphError(body: unknown): GraphError | null {
  const e = (body as { error?: unknown } | null)?.error;
  if (!e || typeof e !== 'object') {
    // OAuth endpoints of Threads/Instagram Login sometimes answer `{error_type, code, error_message}`.
    const flat = body as { error_message?: unknown; code?: unknown; error_type?: unknown } | null;
    // (A container's status also has `error_message`, but no `error_type`.)
    if (typeof flat?.error_message === 'string' && typeof flat.error_type === 'string') {
      return {
        message: flat.error_message,
        type: flat.error_type,
        code: typeof flat.code === 'number' ? flat.code : null,
        subcode: null,
        userMessage: null,
        isTransient: false,
      };
    }
    return null;
  }
  const r = e as Record<string, unknown>;
  const num = (v: unknown) =>
    typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
  return {
    message: typeof r.message === 'string' ? r.message : null,
    type: typeof r.type === 'string' ? r.type : null,
    code: num(r.code),
    subcode: num(r.error_subcode),
    userMessage: typeof r.error_user_msg === 'string' ? r.error_user_msg : null,
    isTransient: r.is_transient === true,
  };
}

/** Throttling codes: app (4), user (17), page (32), app limit (341), policy block (368), custom (613), BUC (80001–80014). */
const THROTTLE_CODES = new Set([4, 17, 32, 341, 368, 613]);
const isBusinessUseCaseLimit = (code: number | null) => code !== null && code >= 80_001 && code <= 80_014;
/** Subcodes that mean "the daily publishing cap is reached" (Instagram 2207042) or "posting too fast" (Pages 1390008). */
const QUOTA_SUBCODES = new Set([2207042, 1390008]);
/** Subcodes Meta documents as passing: media download timeout, media not ready, unknown upload error, temporarily unavailable. */
const TRANSIENT_SUBCODES = new Set([2207003, 2207027, 2207053, 1363047, 1609010]);
/** Subcodes that mean the same content was already posted (photos already posted). */
const DUPLICATE_SUBCODES = new Set([1366051]);

export function graphFailure(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown; rateLimit: RateLimitInfo | null },
): PlatformError {
  const { status, headers, rateLimit } = options;
  const error = readGraphError(options.body);
  const code = error?.code ?? null;
  const subcode = error?.subcode ?? null;
  const detail = error?.userMessage ?? error?.message;
  const message = `${options.what}: Meta answered ${status}${detail ? `: ${detail}` : ''}${
    code !== null ? ` (code ${code}${subcode !== null ? `/${subcode}` : ''})` : ''
  }`;
  const common = {
    message,
    code: code === null ? null : subcode === null ? String(code) : `${code}/${subcode}`,
    status,
    rateLimit,
  };
  const now = ctx.now().getTime();
  if (status === 429 || (code !== null && THROTTLE_CODES.has(code)) || isBusinessUseCaseLimit(code)) {
    const retryAfter = retryAfterFromUsage(ctx, headers) ?? new Date(now + DEFAULT_THROTTLE_MS);
    return new PlatformError({ kind: 'rate_limited', retryAfter, ...common });
  }
  if (subcode !== null && QUOTA_SUBCODES.has(subcode)) {
    return new PlatformError({
      kind: 'rate_limited',
      retryAfter: new Date(now + DEFAULT_QUOTA_MS),
      ...common,
    });
  }
  // 190: invalid or expired token (subcodes 458/459/460/463/464/467); 102: session; 10 and
  // 200–299: a permission the user did not grant or lost — re-authorising with the scopes fixes it.
  if (code === 190 || code === 102 || code === 10 || (code !== null && code >= 200 && code <= 299)) {
    return new PlatformError({ kind: 'auth', ...common });
  }
  if (code === 506 || (subcode !== null && DUPLICATE_SUBCODES.has(subcode))) {
    return new PlatformError({ kind: 'duplicate', ...common });
  }
  if (
    status >= 500 ||
    status === 408 ||
    code === 1 ||
    code === 2 ||
    error?.isTransient ||
    (subcode !== null && TRANSIENT_SUBCODES.has(subcode))
  ) {
    return new PlatformError({ kind: 'transient', ...common });
  }
  if (status === 401) return new PlatformError({ kind: 'auth', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

/** Meta's Graph APIs as the kit speaks them; each call names its own base (Facebook, Instagram, Threads). */
const graphApi: PlatformApi = {
  name: 'Meta',
  baseUrl: () => '',
  rateLimit: (ctx, headers) => usageRateLimit(ctx, headers),
  failure: (ctx, reply) => graphFailure(ctx, reply),
  // Meta occasionally answers 200 with an error envelope; treat it as the error it is.
  refusal: (ctx, reply) =>
    reply.ok && readGraphError(reply.body) ? graphFailure(ctx, { ...reply, status: 400 }) : null,
};

export type GraphCall = {
  /** Names the call in error messages (never includes a token). */
  what: string;
  /** Full URL up to the path: e.g. `https://graph.facebook.com/v23.0`. */
  base: string;
  path: string;
  method?: 'GET' | 'POST' | 'DELETE';
  token?: string;
  /** Query parameters (GET, DELETE) or a form body (POST). */
  params?: Record<string, string | number | boolean | undefined>;
  /** A multipart body instead of `params` (binary uploads). */
  form?: FormData;
  accept?: number[];
};

export function graphCall<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  { base, path, params, form, ...call }: GraphCall,
): Promise<ApiResult<T>> {
  const method = call.method ?? 'GET';
  const asForm = method === 'POST' && !form;
  const defined = Object.fromEntries(
    Object.entries(params ?? {}).flatMap(([key, value]) =>
      value === undefined ? [] : [[key, String(value)]],
    ),
  );
  return callApi(ctx, graphApi, schema, {
    ...call,
    method,
    path: `${base}${path}`,
    ...(asForm ? { form: defined } : { query: defined, body: form }),
  });
}
