/**
 * A thin client for the sandbox's REST API (`/sandbox/api/*`) and its OAuth server: base URL,
 * bearer token, `X-RateLimit-*` headers and the error envelope `{"error": {"code", "message"}}`
 * mapped to `PlatformError` kinds.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { type ApiCall, type ApiReply, type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';
import { intHeader, retryAfterOf } from '../kit/retry-after.ts';
import { trimSlashes } from '../kit/urls.ts';
import type { OAuth2Server } from '../oauth2.ts';

/** When a 429 says neither Retry-After nor X-RateLimit-Reset. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

export function baseUrl(ctx: AdapterContext): string {
  const base = ctx.app.baseUrl ? trimSlashes(ctx.app.baseUrl) : '';
  if (!base)
    throw new PlatformError({ kind: 'invalid', message: 'the Sandbox platform app has no base URL' });
  return base;
}

function parseRateLimit(headers: Headers): RateLimitInfo | null {
  const limit = intHeader(headers, 'x-ratelimit-limit');
  const remaining = intHeader(headers, 'x-ratelimit-remaining');
  const reset = intHeader(headers, 'x-ratelimit-reset');
  if (limit === null && remaining === null && reset === null) return null;
  return { bucket: 'posts', limit, remaining, resetAt: reset === null ? null : new Date(reset * 1000) };
}

/** The API's error code and message (`{"error": {"code", "message"}}`); token errors are oauth2.ts's. */
function describeFailure(body: unknown): { code: string | null; message: string | null } {
  const e = (body as { error?: unknown } | null)?.error as { code?: unknown; message?: unknown } | undefined;
  return {
    code: typeof e?.code === 'string' ? e.code : null,
    message: typeof e?.message === 'string' ? e.message : null,
  };
}

function failureFor(ctx: AdapterContext, reply: ApiReply): PlatformError {
  const { status, rateLimit } = reply;
  const { code, message } = describeFailure(reply.body);
  const text = `${reply.what}: the sandbox answered ${status}${message ? `: ${message}` : ''}`;
  const common = { message: text, code, status, rateLimit };
  if (status === 401 || status === 403) return new PlatformError({ kind: 'auth', ...common });
  if (status === 429) {
    // Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3), else the bucket's reset.
    const retryAfter = retryAfterOf(reply.headers, {
      now: ctx.now(),
      rateLimit,
      fallbackMs: DEFAULT_RETRY_AFTER_MS,
    });
    return new PlatformError({ kind: 'rate_limited', retryAfter, ...common });
  }
  if (status === 409 && code === 'duplicate') return new PlatformError({ kind: 'duplicate', ...common });
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

const sandboxApi: PlatformApi = {
  name: 'the sandbox',
  baseUrl,
  rateLimit: (_ctx, headers) => parseRateLimit(headers),
  failure: failureFor,
};

export function call<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  options: ApiCall,
): Promise<ApiResult<T>> {
  return callApi(ctx, sandboxApi, schema, options);
}

/** The sandbox's authorization server: a confidential client authenticates with Basic, a public one sends its id. */
export function oauthServer(ctx: AdapterContext): OAuth2Server {
  return {
    name: 'the sandbox',
    authorizationEndpoint: `${baseUrl(ctx)}/oauth/authorize`,
    tokenEndpoint: `${baseUrl(ctx)}/oauth/token`,
    clientAuthentication: ctx.app.clientSecret ? 'client_secret_basic' : 'none',
  };
}
