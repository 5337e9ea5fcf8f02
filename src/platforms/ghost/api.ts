/**
 * A thin client for Ghost's Admin API. Integrations authenticate with an Admin API key
 * `<id>:<hex secret>`: for each request Herald signs a short-lived JWT (HS256 with the hex-decoded
 * secret, `kid` = id, `aud` = `/admin/`, 5 minutes, Ghost's maximum) and sends it as
 * `Authorization: Ghost <jwt>`. Errors arrive as `{"errors": [{message, type, code, context, …}]}`.
 */
import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { sendToPlatform } from '../kit/send.ts';

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

/** The JWT Ghost's Admin API accepts, valid for five minutes from `now`. */
export function adminToken(key: string, now: Date): string {
  const { id, secret } = parseAdminKey(key);
  const iat = Math.floor(now.getTime() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT', kid: id })}.${encode({ iat, exp: iat + TOKEN_LIFETIME_S, aud: '/admin/' })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
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
    const header = options.headers.get('retry-after')?.trim();
    const seconds = header && /^\d+$/.test(header) ? Number(header) : null;
    const date = header && seconds === null ? Date.parse(header) : Number.NaN;
    const retryAfter =
      seconds !== null
        ? new Date(ctx.now().getTime() + seconds * 1000)
        : Number.isNaN(date)
          ? new Date(ctx.now().getTime() + DEFAULT_RETRY_AFTER_MS)
          : new Date(date);
    return new PlatformError({ kind, retryAfter, ...common });
  }
  return new PlatformError({ kind, ...common });
}

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

function describeMismatch(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'} ${issue.message}` : 'unreadable';
}

export async function call<T>(
  ctx: AdapterContext,
  schema: z.ZodType<T> | null,
  options: Call,
): Promise<{ data: T; status: number; rateLimit: RateLimitInfo | null }> {
  const url = new URL(`${adminApiUrl(ctx)}${options.path}`);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  const version =
    typeof ctx.app.settings.acceptVersion === 'string'
      ? ctx.app.settings.acceptVersion
      : DEFAULT_ACCEPT_VERSION;
  const headers: Record<string, string> = { accept: 'application/json', 'accept-version': version };
  if (options.key) headers.authorization = `Ghost ${adminToken(options.key, ctx.now())}`;
  let body: BodyInit | null = null;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  const { response, body: parsedBody } = await sendToPlatform(ctx, options.what, url, {
    method: options.method ?? 'GET',
    headers,
    body,
  });
  const accepted = options.accept?.includes(response.status) ?? false;
  if (!response.ok && !accepted) {
    throw failureFor(ctx, {
      what: options.what,
      status: response.status,
      headers: response.headers,
      body: parsedBody,
    });
  }
  // Without a schema the caller reads the body itself; an accepted failure has none worth reading.
  if (!schema || accepted)
    return { data: (accepted ? null : parsedBody) as T, status: response.status, rateLimit: null };
  const parsed = schema.safeParse(parsedBody);
  if (!parsed.success) {
    throw new PlatformError({
      kind: 'transient',
      message: `${options.what}: unexpected reply from Ghost (${response.status}: ${describeMismatch(parsed.error)})`,
      status: response.status,
    });
  }
  return { data: parsed.data, status: response.status, rateLimit: null };
}
