/**
 * A thin client for TikTok's Open API v2 (`open.tiktokapis.com`).
 *
 * Every reply carries `error: {code, message, log_id}` with `code: "ok"` on success, so a 200 is not
 * enough; the OAuth endpoint instead answers `{error, error_description, log_id}`. TikTok publishes
 * no rate-limit headers: limits are per token per minute (creator info 20, init 6, status 30) and a
 * creator's daily post cap, reported as `rate_limit_exceeded` (429) and `spam_risk_too_many_posts`.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { type ApiCall, type ApiReply, callApi, type PlatformApi } from '../kit/json-call.ts';
import { apiBaseOf, authBaseOf } from '../kit/urls.ts';

export const TIKTOK_API_URL = 'https://open.tiktokapis.com';
export const TIKTOK_AUTH_URL = 'https://www.tiktok.com';

export const apiBase = (ctx: AdapterContext) => apiBaseOf(ctx, TIKTOK_API_URL);
export const authBase = (ctx: AdapterContext): string => authBaseOf(ctx, TIKTOK_AUTH_URL);

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** How long each throttling code says to wait: the minute windows, or a day for the daily caps. */
const WAITS: Record<string, { bucket: string; ms: number; hint: string }> = {
  rate_limit_exceeded: { bucket: 'requests-minute', ms: MINUTE, hint: '' },
  spam_risk_too_many_posts: {
    bucket: 'posts-daily',
    ms: DAY,
    hint: ' (the creator reached the daily post cap)',
  },
  reached_active_user_cap: { bucket: 'app-daily-users', ms: DAY, hint: " (the app's daily active-user cap)" },
  spam_risk_too_many_pending_share: {
    bucket: 'pending-shares',
    ms: 60 * MINUTE,
    hint: ' (too many posts still pending in the creator’s inbox)',
  },
};
const AUTH_CODES = new Set(['access_token_invalid', 'scope_not_authorized', 'scope_permission_missed']);

/** Turns one of TikTok's error codes into a `PlatformError`. */
export function errorFor(
  ctx: AdapterContext,
  options: {
    what: string;
    status: number;
    code: string | null;
    message: string | null;
    tokenEndpoint?: boolean;
  },
): PlatformError {
  const { status, code } = options;
  const detail = options.message || code;
  const message = `${options.what}: TikTok answered ${status}${detail ? `: ${detail}` : ''}`;
  const common = { code, status };
  const wait = code ? WAITS[code] : undefined;
  if (wait || status === 429) {
    const { bucket, ms, hint } = wait ?? WAITS.rate_limit_exceeded!;
    const retryAfter = new Date(ctx.now().getTime() + ms);
    const rateLimit: RateLimitInfo = { bucket, limit: null, remaining: 0, resetAt: retryAfter };
    return new PlatformError({
      kind: 'rate_limited',
      message: `${message}${hint}`,
      retryAfter,
      rateLimit,
      ...common,
    });
  }
  if (code === 'internal_error' || status >= 500 || status === 408) {
    return new PlatformError({ kind: 'transient', message, ...common });
  }
  if ((code && AUTH_CODES.has(code)) || status === 401 || (options.tokenEndpoint && status < 500)) {
    return new PlatformError({ kind: 'auth', message, ...common });
  }
  return new PlatformError({ kind: 'invalid', message, ...common });
}

/**
 * Post ids are 19-digit integers sent as JSON numbers, beyond what a double holds exactly: quote
 * them before parsing so `7312345678901234567` does not become `7312345678901234000`.
 */
export function quotePostIds(text: string): string {
  return text.replace(
    /("publicaly_available_post_id"\s*:\s*\[)([^\]]*)\]/g,
    (_, head: string, list: string) => `${head}${list.replace(/(-?\d{16,})/g, '"$1"')}]`,
  );
}

/** Reads a reply's refusal: an OAuth error (sometimes inside a 200), or the envelope's code when not `ok`. */
function refusalOf(ctx: AdapterContext, reply: ApiReply, tokenEndpoint: boolean): PlatformError | null {
  const parsed = (reply.body ?? {}) as Record<string, unknown>;
  if (typeof parsed.error === 'string') {
    return errorFor(ctx, {
      what: reply.what,
      status: reply.status,
      code: parsed.error,
      message: typeof parsed.error_description === 'string' ? parsed.error_description : null,
      tokenEndpoint,
    });
  }
  const envelope = (parsed.error ?? null) as { code?: unknown; message?: unknown } | null;
  const code = typeof envelope?.code === 'string' ? envelope.code : null;
  if (reply.ok && (code === null || code === 'ok')) return null;
  return errorFor(ctx, {
    what: reply.what,
    status: reply.status,
    code,
    message: typeof envelope?.message === 'string' ? envelope.message : null,
    tokenEndpoint,
  });
}

/** TikTok's API as the kit speaks it: every reply's envelope is judged, whatever the status. */
function tiktokApi(tokenEndpoint: boolean): PlatformApi {
  const failure = (ctx: AdapterContext, reply: ApiReply) => refusalOf(ctx, reply, tokenEndpoint)!;
  return {
    name: 'TikTok',
    baseUrl: apiBase,
    jsonType: 'application/json; charset=UTF-8',
    // 19-digit post ids lose precision as JSON numbers: quoted before parsing.
    parse: (text) => JSON.parse(quotePostIds(text)),
    refusal: (ctx, reply) => refusalOf(ctx, reply, tokenEndpoint),
    failure,
  };
}
const API = tiktokApi(false);
const TOKEN_API = tiktokApi(true);

export type TikTokCall = ApiCall & {
  tokenEndpoint?: boolean;
  /** Upload PUTs answer without the `error` envelope: nothing to read. */
  raw?: boolean;
};

export async function tiktokCall<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  { tokenEndpoint, raw, ...call }: TikTokCall,
): Promise<{ data: T; status: number }> {
  const { data, status } = await callApi(ctx, tokenEndpoint ? TOKEN_API : API, raw ? null : schema, call);
  return { data: raw ? (undefined as T) : data, status };
}
