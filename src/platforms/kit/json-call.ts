/**
 * The one JSON call every adapter makes: the platform's base URL and auth header, JSON, form or raw
 * bodies, its rate-limit headers read, a failed reply mapped to a `PlatformError` by the platform's
 * own rules, and a successful one checked against a zod schema.
 *
 * What differs between platforms is described once per platform as a `PlatformApi`; an adapter's
 * `api.ts` holds that description and the platform's failure mapping, nothing of the plumbing.
 */
import type { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { sendToPlatform } from './send.ts';

/** A reply as the platform's rules see it (a failure to map, or a 2xx that may still be a refusal). */
export type ApiReply = {
  what: string;
  status: number;
  ok: boolean;
  headers: Headers;
  /** Parsed JSON, or null when the reply was not JSON. */
  body: unknown;
  text: string;
  rateLimit: RateLimitInfo | null;
  /** The call's rate-limit bucket, when it named one. */
  bucket: string | undefined;
};

/** How one platform's API is spoken to. */
export type PlatformApi = {
  /** The platform's name in messages: `unexpected reply from X`. */
  name: string;
  /** Where paths are appended (absolute URLs in a call are used as they are). */
  baseUrl(ctx: AdapterContext): string;
  /** Headers every call carries (a version, a User-Agent). */
  headers?(ctx: AdapterContext): Record<string, string>;
  /** The authorization header for a token; `Bearer <token>` by default. */
  authorization?(token: string): string;
  /** The content type of JSON bodies; `application/json` by default. */
  jsonType?: string;
  /** Replaces JSON.parse where the platform's JSON needs care (19-digit ids). */
  parse?(text: string): unknown;
  /** Reads the platform's rate-limit headers. */
  rateLimit?(ctx: AdapterContext, headers: Headers, bucket: string | undefined): RateLimitInfo | null;
  /** Maps a failed reply (not 2xx, not accepted) to the error kind the engine understands. */
  failure(ctx: AdapterContext, reply: ApiReply): PlatformError;
  /** A refusal the platform sends whatever the status (an error envelope inside a 200); null when none. */
  refusal?(ctx: AdapterContext, reply: ApiReply): PlatformError | null;
  /** A 2xx that does not fit the schema but says why (X's partial errors); null to call it malformed. */
  mismatch?(ctx: AdapterContext, reply: ApiReply): PlatformError | null;
};

export type ApiCall = {
  /** Names the call in error messages (never includes a token). */
  what: string;
  /** GET without a body, POST with one, unless given. */
  method?: string | undefined;
  /** A path under the API's base URL, or an absolute URL (upload URLs a platform hands out). */
  path: string;
  /** Query parameters, appended (a list repeats the name); undefined values are left out. */
  query?: Record<string, string | number | boolean | string[] | undefined> | undefined;
  token?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** A JSON body. */
  json?: unknown;
  /** An `application/x-www-form-urlencoded` body. */
  form?: Record<string, string> | URLSearchParams | undefined;
  /** Any other body (multipart, bytes), sent as it is. */
  body?: BodyInit | undefined;
  /** Statuses that are answers, not failures, for this call (404 when deleting, 308 during uploads). */
  accept?: number[] | undefined;
  /** The rate-limit bucket the reply's headers describe. */
  bucket?: string | undefined;
};

/**
 * A reply: `data` is the body checked against the schema, the body itself when no schema was given,
 * and undefined for an accepted failure status (read `body` then).
 */
export type ApiResult<T> = {
  data: T;
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
  rateLimit: RateLimitInfo | null;
};

const ABSOLUTE = /^https?:\/\//;

/** One exchange, whatever the answer: the caller judges the status (`callApi` does it for most). */
export async function exchangeApi(ctx: AdapterContext, api: PlatformApi, call: ApiCall): Promise<ApiReply> {
  let url: string | URL = ABSOLUTE.test(call.path) ? call.path : `${api.baseUrl(ctx)}${call.path}`;
  const query = Object.entries(call.query ?? {}).filter(([, value]) => value !== undefined);
  if (query.length) {
    url = new URL(url);
    for (const [name, value] of query) {
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
    }
  }
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...api.headers?.(ctx),
    ...call.headers,
  };
  if (call.token) headers.authorization = api.authorization?.(call.token) ?? `Bearer ${call.token}`;
  let body: BodyInit | null = call.body ?? null;
  if (call.json !== undefined) {
    headers['content-type'] ??= api.jsonType ?? 'application/json';
    body = JSON.stringify(call.json);
  } else if (call.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(call.form).toString();
  }
  const reply = await sendToPlatform(
    ctx,
    call.what,
    url,
    { method: call.method ?? (body === null ? 'GET' : 'POST'), headers, body },
    api.parse ? { parse: api.parse } : {},
  );
  const { response } = reply;
  return {
    what: call.what,
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    body: reply.body,
    text: reply.text,
    rateLimit: api.rateLimit?.(ctx, response.headers, call.bucket) ?? null,
    bucket: call.bucket,
  };
}

/** One call whose failure throws the platform's `PlatformError` and whose answer must fit `schema`. */
export async function callApi<T>(
  ctx: AdapterContext,
  api: PlatformApi,
  schema: z.ZodType<T> | null,
  call: ApiCall,
): Promise<ApiResult<T>> {
  const reply = await exchangeApi(ctx, api, call);
  const refusal = api.refusal?.(ctx, reply);
  if (refusal) throw refusal;
  const accepted = call.accept?.includes(reply.status) ?? false;
  if (!reply.ok && !accepted) throw api.failure(ctx, reply);
  const result = { status: reply.status, headers: reply.headers, body: reply.body, text: reply.text };
  const rateLimit = reply.rateLimit;
  if (!reply.ok) return { data: undefined as T, ...result, rateLimit };
  if (!schema) return { data: reply.body as T, ...result, rateLimit };
  const parsed = schema.safeParse(reply.body);
  if (parsed.success) return { data: parsed.data, ...result, rateLimit };
  const said = api.mismatch?.(ctx, reply);
  if (said) throw said;
  const issue = parsed.error.issues[0];
  const why = issue ? `${issue.path.join('.') || 'body'} ${issue.message}` : 'unreadable';
  throw new PlatformError({
    kind: 'transient',
    message: `${call.what}: unexpected reply from ${api.name} (${reply.status}: ${why})`,
    status: reply.status,
    rateLimit,
  });
}
