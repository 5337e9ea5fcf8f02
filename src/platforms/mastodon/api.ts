/**
 * A thin client for the Mastodon REST API of one instance: base URL, bearer token, JSON or
 * multipart bodies, `X-RateLimit-*` parsing and the mapping of Mastodon's error replies
 * (`{"error": "...", "error_description"?: "..."}`) to `PlatformError` kinds.
 */
import { z } from 'zod';
import { type AdapterContext, type Credentials, PlatformError, type RateLimitInfo } from '../types.ts';
import { type ApiCall, type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';
import { retryAfterOf } from '../kit/retry-after.ts';

/** When a 429 says neither Retry-After nor X-RateLimit-Reset. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** The instance's base URL: every Mastodon server is its own platform (and OAuth server). */
export function instanceUrl(ctx: AdapterContext): string {
  const base = ctx.app.baseUrl?.replace(/\/+$/, '');
  if (!base) {
    throw new PlatformError({
      kind: 'invalid',
      message:
        'the Mastodon platform app has no base URL: set it to the instance, e.g. https://mastodon.social',
    });
  }
  return base;
}

/**
 * `X-RateLimit-Reset` is an ISO-8601 timestamp on Mastodon (not seconds); the headers describe
 * whichever limit is closest to exhaustion, so the bucket is named after the endpoint family.
 */
export function parseRateLimit(headers: Headers, bucket: string): RateLimitInfo | null {
  const int = (name: string) => {
    const v = headers.get(name);
    return v !== null && /^\d+$/.test(v.trim()) ? Number(v) : null;
  };
  const limit = int('x-ratelimit-limit');
  const remaining = int('x-ratelimit-remaining');
  const resetHeader = headers.get('x-ratelimit-reset');
  const resetMs = resetHeader ? Date.parse(resetHeader) : Number.NaN;
  if (limit === null && remaining === null && Number.isNaN(resetMs)) return null;
  return { bucket, limit, remaining, resetAt: Number.isNaN(resetMs) ? null : new Date(resetMs) };
}

function describe(body: unknown): { code: string | null; message: string | null } {
  const b = body as { error?: unknown; error_description?: unknown } | null;
  const error = typeof b?.error === 'string' ? b.error : null;
  const description = typeof b?.error_description === 'string' ? b.error_description : null;
  // OAuth replies put a code in `error` and prose in `error_description`; the API puts prose in `error`.
  if (description) return { code: error, message: description };
  return { code: null, message: error };
}

/** Maps one failed reply to the error class the engine understands. */
export function failureFor(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown; rateLimit: RateLimitInfo | null },
): PlatformError {
  const { status, rateLimit } = options;
  const { code, message } = describe(options.body);
  const text = `${options.what}: Mastodon answered ${status}${message ? `: ${message}` : ''}`;
  const common = { message: text, code, status, rateLimit };
  // 401 "The access token is invalid"; 403 "Your login is currently disabled" or a scope the
  // token lacks: either way only a new authorisation helps.
  if (status === 401 || status === 403) return new PlatformError({ kind: 'auth', ...common });
  if (code === 'invalid_grant' || code === 'invalid_client' || code === 'unauthorized_client') {
    return new PlatformError({ kind: 'auth', ...common });
  }
  if (status === 429) {
    return new PlatformError({
      kind: 'rate_limited',
      retryAfter: retryAfterOf(options.headers, {
        now: ctx.now(),
        rateLimit,
        fallbackMs: DEFAULT_RETRY_AFTER_MS,
      }),
      ...common,
    });
  }
  // Posting before an attachment finished processing: it will finish, so this is worth a retry.
  if (status === 422 && message && /not finished processing/i.test(message)) {
    return new PlatformError({ kind: 'transient', ...common });
  }
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

/** One instance's REST API as the kit speaks it. */
const mastodonApi: PlatformApi = {
  name: 'Mastodon',
  baseUrl: instanceUrl,
  rateLimit: (_ctx, headers, bucket) => parseRateLimit(headers, bucket ?? 'api'),
  failure: (ctx, reply) => failureFor(ctx, reply),
};

/** A call to the instance: `path` under it (`/api/v1/statuses`), `bucket` the rate-limit bucket its reply describes. */
export function call<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  options: ApiCall,
): Promise<ApiResult<T>> {
  return callApi(ctx, mastodonApi, schema, options);
}

/** A status as the API returns it (the fields Herald reads). */
export const statusReply = z.object({
  id: z.string(),
  url: z.string().nullable().optional(),
  uri: z.string(),
  created_at: z.string(),
  content: z.string(),
  spoiler_text: z.string().optional(),
  in_reply_to_id: z.string().nullable().optional(),
  media_attachments: z.array(z.unknown()).optional(),
  replies_count: z.number().optional(),
  reblogs_count: z.number().optional(),
  favourites_count: z.number().optional(),
  quotes_count: z.number().optional(),
});

/** The instance's own account id (Herald's is `<id>@<host>`). */
export function accountIdOf(credentials: Credentials): string {
  const fromMetadata = credentials.metadata.accountId;
  if (typeof fromMetadata === 'string') return fromMetadata;
  return credentials.accountId.replace(/@[^@]*$/, '');
}
