/**
 * XRPC over fetch for one PDS (or Bluesky's entryway): JSON or raw-byte bodies, bearer tokens,
 * `RateLimit-*` parsing and the mapping of the XRPC error envelope `{"error": "<Name>",
 * "message": "..."}` to `PlatformError` kinds.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { callApi, exchangeApi, type PlatformApi } from '../kit/json-call.ts';
import { retryAfterOf } from '../kit/retry-after.ts';
import { trimSlashes } from '../kit/urls.ts';

/** Bluesky's entryway: routes each account's calls to its PDS. */
export const DEFAULT_SERVICE = 'https://bsky.social';
const PUBLIC_APPVIEW = 'https://public.api.bsky.app';
const WEB_APP = 'https://bsky.app';
/** When a 429 says neither Retry-After nor RateLimit-Reset. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

export function serviceUrl(ctx: AdapterContext): string {
  return (ctx.app.baseUrl ?? DEFAULT_SERVICE).replace(/\/+$/, '');
}

/**
 * Where to read what only an AppView knows (counts, replies): `settings.appViewUrl`, else Bluesky's
 * public AppView for accounts on Bluesky's entryway, else null (null or false in the setting say
 * there is none).
 */
export function appViewOf(ctx: AdapterContext): string | null {
  const setting = ctx.app.settings.appViewUrl;
  if (typeof setting === 'string' && setting) return setting.replace(/\/+$/, '');
  if (setting === null || setting === false) return null;
  return new URL(serviceUrl(ctx)).hostname === 'bsky.social' ? PUBLIC_APPVIEW : null;
}

/** The web app posts are shown in: `settings.webUrl`, else bsky.app. */
export const webAppOf = (ctx: AdapterContext): string =>
  typeof ctx.app.settings.webUrl === 'string' ? ctx.app.settings.webUrl.replace(/\/+$/, '') : WEB_APP;

/** A post's page in the web app, by its author's handle (or DID) and its record key. */
export const postWebUrl = (ctx: AdapterContext, author: string, rkey: string): string =>
  `${webAppOf(ctx)}/profile/${author}/post/${rkey}`;

/** `RateLimit-Reset` is in Unix seconds; `RateLimit-Policy` (`<limit>;w=<seconds>`) adds nothing we store. */
export function parseRateLimit(headers: Headers, bucket: string): RateLimitInfo | null {
  const int = (name: string) => {
    const v = headers.get(name)?.trim();
    return v && /^\d+$/.test(v) ? Number(v) : null;
  };
  const limit = int('ratelimit-limit');
  const remaining = int('ratelimit-remaining');
  const reset = int('ratelimit-reset');
  if (limit === null && remaining === null && reset === null) return null;
  return { bucket, limit, remaining, resetAt: reset === null ? null : new Date(reset * 1000) };
}

/** Errors that mean the session is gone: only logging in again (or refreshing) helps. */
const AUTH_ERRORS = new Set([
  'ExpiredToken',
  'InvalidToken',
  'AuthenticationRequired',
  'AuthMissing',
  'AuthFactorTokenRequired',
  'AccountTakedown',
  'AccountDeactivated',
  'AccountNotFound',
]);

export function failureFor(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown; rateLimit: RateLimitInfo | null },
): PlatformError {
  const { status, rateLimit } = options;
  const b = options.body as { error?: unknown; message?: unknown } | null;
  const code = typeof b?.error === 'string' ? b.error : null;
  const message = typeof b?.message === 'string' ? b.message : null;
  const text = `${options.what}: Bluesky answered ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  const common = { message: text, code, status, rateLimit };
  if (status === 401 || (code !== null && AUTH_ERRORS.has(code)))
    return new PlatformError({ kind: 'auth', ...common });
  if (status === 429 || code === 'RateLimitExceeded') {
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
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

export type Xrpc = {
  what: string;
  /** The method's NSID, e.g. `com.atproto.repo.createRecord`. */
  nsid: string;
  /** Procedures are POST, queries GET. */
  method?: 'GET' | 'POST';
  /** Another service than the PDS (the AppView, the video service). */
  service?: string;
  query?: Record<string, string | string[]>;
  token?: string | undefined;
  json?: unknown;
  /** A raw body (a blob upload) with its content type. */
  bytes?: { data: Uint8Array; contentType: string };
  headers?: Record<string, string>;
  bucket?: string;
};

export type XrpcReply<T> = { data: T; status: number; rateLimit: RateLimitInfo | null };

export type RawReply = {
  status: number;
  ok: boolean;
  headers: Headers;
  body: unknown;
  rateLimit: RateLimitInfo | null;
};

/** XRPC as the kit speaks it: paths are `/xrpc/<nsid>` under the PDS or the service a call names. */
const xrpcApi: PlatformApi = {
  name: 'Bluesky',
  baseUrl: serviceUrl,
  rateLimit: (_ctx, headers, bucket) => parseRateLimit(headers, bucket ?? 'api'),
  failure: (ctx, reply) => failureFor(ctx, reply),
};

const apiCallOf = (ctx: AdapterContext, { nsid, service, bytes, ...options }: Xrpc) => ({
  ...options,
  path: `${trimSlashes(service ?? serviceUrl(ctx))}/xrpc/${nsid}`,
  ...(bytes && options.json === undefined
    ? { body: new Uint8Array(bytes.data), headers: { ...options.headers, 'content-type': bytes.contentType } }
    : {}),
});

/** One call, whatever the answer: the caller judges the status. */
export async function xrpcRaw(ctx: AdapterContext, options: Xrpc): Promise<RawReply> {
  const reply = await exchangeApi(ctx, xrpcApi, apiCallOf(ctx, options));
  return {
    status: reply.status,
    ok: reply.ok,
    headers: reply.headers,
    body: reply.body,
    rateLimit: reply.rateLimit,
  };
}

/** One call whose failure throws the matching `PlatformError` and whose answer must fit `schema`. */
export async function xrpc<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T>,
  options: Xrpc,
): Promise<XrpcReply<T>> {
  const { data, status, rateLimit } = await callApi(ctx, xrpcApi, schema, apiCallOf(ctx, options));
  return { data, status, rateLimit };
}

export const failureOf = (ctx: AdapterContext, what: string, reply: RawReply) =>
  failureFor(ctx, {
    what,
    status: reply.status,
    headers: reply.headers,
    body: reply.body,
    rateLimit: reply.rateLimit,
  });
