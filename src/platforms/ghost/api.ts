/**
 * A thin client for Ghost's Admin API. Integrations authenticate with an Admin API key
 * `<id>:<hex secret>`: for each request Herald signs a short-lived JWT (HS256 with the hex-decoded
 * secret, `kid` = id, `aud` = `/admin/`, 5 minutes, Ghost's maximum) and sends it as
 * `Authorization: Ghost <jwt>`. Errors arrive as `{"errors": [{message, type, code, context, …}]}`.
 */
import { SignJWT } from 'jose';
import type { z } from 'zod';
import { type AdapterContext, PlatformError } from '../types.ts';
import { type ApiResult, callApi, type PlatformApi } from '../kit/json-call.ts';
import { retryAfterHeader } from '../kit/retry-after.ts';

const TOKEN_LIFETIME_S = 5 * 60;
const DEFAULT_ACCEPT_VERSION = 'v5.0';
/** When a 429 says no Retry-After (Ghost documents no rate-limit headers). */
const DEFAULT_RETRY_AFTER_MS = 60_000;

const KEY = /^([0-9a-f]{24}):((?:[0-9a-f]{2})+)$/i;

export function parseAdminKey(key: string): { id: string; secret: Buffer } {
  const match = KEY.exec(key.trim());
  if (!match) {
    throw new PlatformError({
      kind: 'invalid',
      message:
        'a Ghost Admin API key looks like "<24 hex characters>:<hex secret>" (Ghost Admin → Settings → Integrations)',
    });
  }
  return { id: match[1]!, secret: Buffer.from(match[2]!, 'hex') };
}

/** The JWT Ghost's Admin API accepts, valid for five minutes from `now`, signed with jose. */
export function adminToken(key: string, now: Date): Promise<string> {
  const { id, secret } = parseAdminKey(key);
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT()
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: id })
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_LIFETIME_S)
    .setAudience('/admin/')
    .sign(new Uint8Array(secret));
}

/** `https://site.example/blog` → `https://site.example/blog/ghost/api/admin`. */
export function adminApiUrl(ctx: AdapterContext): string {
  const base = ctx.app.baseUrl?.replace(/\/+$/, '');
  if (!base) {
    throw new PlatformError({
      kind: 'invalid',
      message:
        'the Ghost platform app has no base URL: set it to the site’s admin URL, e.g. https://blog.example.com',
    });
  }
  return base.endsWith('/ghost/api/admin') ? base : `${base}/ghost/api/admin`;
}

type GhostError = { message?: unknown; type?: unknown; code?: unknown; context?: unknown };

function firstError(body: unknown): GhostError | null {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors[0] && typeof errors[0] === 'object'
    ? (errors[0] as GhostError)
    : null;
}

const TYPE_KIND: Record<string, PlatformError['kind']> = {
  UnauthorizedError: 'auth',
  NoPermissionError: 'auth',
  TooManyRequestsError: 'rate_limited',
  UpdateCollisionError: 'transient',
  InternalServerError: 'transient',
  MaintenanceError: 'transient',
  ValidationError: 'invalid',
  NotFoundError: 'invalid',
  BadRequestError: 'invalid',
  RequestEntityTooLargeError: 'invalid',
  UnsupportedMediaTypeError: 'invalid',
  HostLimitError: 'invalid',
};

export function failureFor(
  ctx: AdapterContext,
  options: { what: string; status: number; headers: Headers; body: unknown },
): PlatformError {
  const { status } = options;
  const error = firstError(options.body);
  const type = typeof error?.type === 'string' ? error.type : null;
  const message = [error?.message, error?.context].filter((m) => typeof m === 'string' && m).join(' — ');
  const code = typeof error?.code === 'string' ? error.code : type;
  const text = `${options.what}: Ghost answered ${status}${type ? ` ${type}` : ''}${message ? `: ${message}` : ''}`;
  const common = { message: text, code, status };
  let kind: PlatformError['kind'] = (type && TYPE_KIND[type]) || 'invalid';
  if (!type || !TYPE_KIND[type]) {
    if (status === 401 || status === 403) kind = 'auth';
    else if (status === 429) kind = 'rate_limited';
    else if (status >= 500 || status === 408 || status === 409) kind = 'transient';
  }
  if (kind === 'rate_limited') {
    const now = ctx.now();
    const retryAfter =
      retryAfterHeader(options.headers, now) ?? new Date(now.getTime() + DEFAULT_RETRY_AFTER_MS);
    return new PlatformError({ kind, retryAfter, ...common });
  }
  return new PlatformError({ kind, ...common });
}

/** The Admin API as the kit speaks it; the `Ghost <jwt>` authorization is signed per call. */
const ghostApi: PlatformApi = {
  name: 'Ghost',
  baseUrl: adminApiUrl,
  headers: (ctx) => ({
    'accept-version':
      typeof ctx.app.settings.acceptVersion === 'string'
        ? ctx.app.settings.acceptVersion
        : DEFAULT_ACCEPT_VERSION,
  }),
  failure: (ctx, reply) => failureFor(ctx, reply),
};

export type Call = {
  what: string;
  method?: string;
  /** Path under the Admin API, e.g. `/posts/`. */
  path: string;
  query?: Record<string, string>;
  /** The Admin API key; null for the public `/site/` endpoint. */
  key: string | null;
  json?: unknown;
  form?: FormData;
  /** Statuses that are answers, not failures (e.g. 404 when deleting). */
  accept?: number[];
};

export async function call<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  { key, form, ...options }: Call,
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = key
    ? { authorization: `Ghost ${await adminToken(key, ctx.now())}` }
    : {};
  return callApi(ctx, ghostApi, schema, { ...options, headers, body: form });
}
