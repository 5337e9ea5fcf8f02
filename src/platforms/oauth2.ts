/**
 * A generic OAuth 2.0 client for the authorization-code grant (RFC 6749 §4.1) with PKCE
 * (RFC 7636, S256) and refresh tokens (§6): the authorization URL, the token requests with the
 * client authentication the server asks for (§2.3), the §5.1 reply as a `TokenSet` and the §5.2
 * error reply as a `PlatformError`.
 *
 * An adapter describes its platform's authorization server once (`OAuth2Server`) and calls these
 * functions; where the platform's errors say more than §5.2 (rate-limit headers, its own codes), it
 * maps a refused token request itself through `failure`.
 *
 * Token requests are made by oauth4webapi (client authentication, the grant's parameters, PKCE's
 * verifier). Its reply processing is not used: platforms Herald speaks to answer outside RFC 6749
 * where it is strict (LinkedIn leaves out `token_type` and sends an OpenID `id_token` it would try to
 * validate; Reddit and TikTok refuse grants inside a 200, which it reports as a missing access
 * token), so the reply is read here, leniently, and refusals are each platform's to map.
 */
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import { networkFailure } from './kit/send.ts';
import { type AdapterContext, type Credentials, PlatformError, type TokenSet } from './types.ts';

/** RFC 6749 §2.3.1 (`client_secret_basic`, `client_secret_post`) or a public client (`none`). */
export type ClientAuthentication = 'client_secret_basic' | 'client_secret_post' | 'none';

/** A token request the server refused, as `OAuth2Server.failure` sees it. */
export type TokenRefusal = { what: string; status: number; headers: Headers; body: unknown };

/** How one platform's authorization server is spoken to. */
export type OAuth2Server = {
  /** Names the platform in error messages: `refresh: X answered 400: …`. */
  name: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientAuthentication: ClientAuthentication;
  /** Sends a code challenge and the verifier (RFC 7636); default true. */
  pkce?: boolean;
  /** Joins scopes in the authorization URL: RFC 6749 §3.3 says a space (the default); TikTok wants a comma. */
  scopeSeparator?: string;
  /** Extra headers on token requests (Reddit's User-Agent). */
  headers?: Record<string, string>;
  /** Maps a refused token request, instead of `tokenRequestFailure`. */
  failure?: (refusal: TokenRefusal) => PlatformError;
};

/** When a 429 from a token endpoint names no Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Where to send the user: the §4.1.1 request, with PKCE's S256 challenge and the platform's extra parameters. */
export function authorizationUrl(
  ctx: AdapterContext,
  server: OAuth2Server,
  request: {
    redirectUri: string;
    state: string;
    codeChallenge: string;
    scopes: string[];
    params?: Record<string, string>;
  },
): string {
  // §3.1: a query the endpoint already has is kept.
  const url = new URL(server.authorizationEndpoint);
  const query = url.searchParams;
  query.set('response_type', 'code');
  query.set('client_id', ctx.app.clientId);
  query.set('redirect_uri', request.redirectUri);
  query.set('state', request.state);
  if (request.scopes.length) query.set('scope', request.scopes.join(server.scopeSeparator ?? ' '));
  if (server.pkce !== false) {
    query.set('code_challenge', request.codeChallenge);
    query.set('code_challenge_method', 'S256');
  }
  for (const [name, value] of Object.entries(request.params ?? {})) query.set(name, value);
  return url.toString();
}

/** Exchanges the code the user came back with (§4.1.3), with the PKCE verifier. */
export function exchangeAuthorizationCode(
  ctx: AdapterContext,
  server: OAuth2Server,
  request: { code: string; codeVerifier: string; redirectUri: string },
): Promise<TokenSet> {
  return requestTokens(ctx, server, 'exchange code', (as, client, auth, options) => {
    // The code came back through Herald's own callback, which checked `state` already.
    const callback = oauth.validateAuthResponse(
      as,
      client,
      new URLSearchParams({ code: request.code }),
      oauth.skipStateCheck,
    );
    const verifier = server.pkce === false ? oauth.nopkce : request.codeVerifier;
    return oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      callback,
      request.redirectUri,
      verifier,
      options,
    );
  });
}

/** Trades a refresh token for new tokens (§6). A `refreshToken` of null in the result means "keep yours". */
export function refreshAccessToken(
  ctx: AdapterContext,
  server: OAuth2Server,
  refreshToken: string,
): Promise<TokenSet> {
  return requestTokens(ctx, server, 'refresh', (as, client, auth, options) =>
    oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, options),
  );
}

/**
 * `refresh` of an adapter whose platform refreshes by RFC 6749 §6: without a refresh token only
 * authorising again helps, so that is an `auth` failure saying `missing` (why the platform sent none).
 */
export async function refreshConnection(
  ctx: AdapterContext,
  server: OAuth2Server,
  credentials: Credentials,
  missing: string,
): Promise<TokenSet> {
  if (!credentials.refreshToken) throw new PlatformError({ kind: 'auth', message: missing });
  return refreshAccessToken(ctx, server, credentials.refreshToken);
}

// §5.1. `token_type` is required by the RFC but LinkedIn leaves it out; `expires_in` arrives as a
// string from some servers.
const tokenReply = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
});

type GrantRequest = (
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  options: oauth.TokenEndpointRequestOptions,
) => Promise<Response>;

/** §2.3: how the client authenticates at the token endpoint. */
function clientAuthOf(server: OAuth2Server, clientSecret: string | null): oauth.ClientAuth {
  switch (server.clientAuthentication) {
    case 'client_secret_basic':
      // Made here, not by oauth4webapi's ClientSecretBasic: that one also percent-encodes `-`, `_`,
      // `.` and `~` (x-client → x%2Dclient), which servers that do not form-decode the pair (X's,
      // Reddit's) refuse, and it refuses the empty password of a client without a secret (Reddit's
      // installed apps). §2.3.1's form encoding keeps those characters as they are.
      return (_as, client, _body, headers) => {
        const pair = `${formEncode(client.client_id)}:${formEncode(clientSecret ?? '')}`;
        headers.set('authorization', `Basic ${Buffer.from(pair).toString('base64')}`);
      };
    case 'client_secret_post':
      return clientSecret ? oauth.ClientSecretPost(clientSecret) : oauth.None();
    case 'none':
      return oauth.None();
  }
}

async function requestTokens(
  ctx: AdapterContext,
  server: OAuth2Server,
  what: string,
  grant: GrantRequest,
): Promise<TokenSet> {
  const endpoint = new URL(server.tokenEndpoint);
  const as: oauth.AuthorizationServer = { issuer: endpoint.origin, token_endpoint: endpoint.href };
  const client: oauth.Client = { client_id: ctx.app.clientId };
  const options: oauth.TokenEndpointRequestOptions = {
    ...(server.headers ? { headers: server.headers } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    // Through the adapter's fetch; a request that got no reply is transient, as for every call.
    [oauth.customFetch]: async (url, init) => {
      try {
        return await ctx.fetch(url, init);
      } catch (error) {
        throw networkFailure(what, error, ctx.signal);
      }
    },
    // The sandbox, self-hosted servers and tests answer on http; the platform app's URL decides.
    [oauth.allowInsecureRequests]: endpoint.protocol === 'http:',
  };
  const response = await grant(as, client, clientAuthOf(server, ctx.app.clientSecret), options);
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw networkFailure(what, error, ctx.signal);
  }
  let reply: unknown = null;
  try {
    reply = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): judged by the status alone.
  }
  // Some servers (Reddit) refuse a grant inside a 200: an `error` member is a refusal whatever the status.
  const refused = !response.ok || (reply as { error?: unknown } | null)?.error != null;
  if (refused) {
    const refusal = { what, status: response.status, headers: response.headers, body: reply };
    throw server.failure ? server.failure(refusal) : tokenRequestFailure(ctx, server.name, refusal);
  }
  const parsed = tokenReply.safeParse(reply);
  if (!parsed.success) {
    throw new PlatformError({
      kind: 'transient',
      message: `${what}: unexpected reply from ${server.name}'s token endpoint`,
      status: response.status,
    });
  }
  const tokens = parsed.data;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token || null,
    expiresAt:
      tokens.expires_in === undefined ? null : new Date(ctx.now().getTime() + tokens.expires_in * 1000),
    // §3.3 says space-delimited; LinkedIn and TikTok answer with commas, which no scope Herald asks for contains.
    scopes: (tokens.scope ?? '').split(/[\s,]+/).filter(Boolean),
  };
}

/** `application/x-www-form-urlencoded` encoding of one value (spaces as `+`), as §2.3.1 asks. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

const AUTH_CODES = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);
const INVALID_CODES = new Set(['invalid_request', 'invalid_scope', 'unsupported_grant_type']);

/**
 * A refused token request (§5.2) as a `PlatformError`: a refused grant or client means authorising
 * again (`auth`); a malformed request `invalid`; 429 `rate_limited` until Retry-After; 5xx `transient`.
 */
export function tokenRequestFailure(ctx: AdapterContext, name: string, refusal: TokenRefusal): PlatformError {
  const { status, headers } = refusal;
  const b = refusal.body as { error?: unknown; error_description?: unknown } | null;
  const code = typeof b?.error === 'string' ? b.error : null;
  const description = typeof b?.error_description === 'string' ? b.error_description : null;
  // `answered 400 invalid_grant: grant request is invalid`: the code says more than many descriptions.
  const message = `${refusal.what}: ${name} answered ${status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}`;
  const common = { message, code, status };
  if (status === 429) {
    return new PlatformError({ kind: 'rate_limited', retryAfter: retryAfterOf(ctx, headers), ...common });
  }
  if (status >= 500 || status === 408) return new PlatformError({ kind: 'transient', ...common });
  if (code && AUTH_CODES.has(code)) return new PlatformError({ kind: 'auth', ...common });
  if (code && INVALID_CODES.has(code)) return new PlatformError({ kind: 'invalid', ...common });
  // §5.2 lets a server answer 401 for a client it does not know, with or without a body.
  if (status === 401) return new PlatformError({ kind: 'auth', ...common });
  return new PlatformError({ kind: 'invalid', ...common });
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3). */
function retryAfterOf(ctx: AdapterContext, headers: Headers): Date {
  const now = ctx.now().getTime();
  const header = headers.get('retry-after')?.trim();
  if (header && /^\d+$/.test(header)) return new Date(now + Number(header) * 1000);
  const date = header ? Date.parse(header) : Number.NaN;
  return new Date(Number.isNaN(date) ? now + DEFAULT_RETRY_AFTER_MS : date);
}
