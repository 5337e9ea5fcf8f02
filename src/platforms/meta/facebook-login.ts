/**
 * Facebook Login, shared by the Facebook Pages and Instagram adapters: the login dialog, code →
 * short-lived user token → long-lived user token (`fb_exchange_token`, ~60 days), and "refresh".
 *
 * What Meta allows: there is no refresh token. A long-lived user token can be exchanged again with
 * `fb_exchange_token` while it is still valid (Meta may hand back a token with the same expiry); an
 * expired one cannot be exchanged and only a new login fixes it. So the long-lived token is also
 * returned as the connection's "refresh token" — that makes Herald's refresh schedule call `refresh`
 * before expiry — and `refresh` re-exchanges a live token or reports `auth` for a dead one.
 *
 * Base URLs: `ctx.app.baseUrl` replaces `https://graph.facebook.com`; `settings.authBaseUrl`
 * replaces `https://www.facebook.com` for the dialog (defaulting to `baseUrl` when that is set, so a
 * local fake serves both); `settings.graphVersion` pins the API version.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type AuthorizeRequest,
  type Credentials,
  PlatformError,
  type TokenSet,
} from '../types.ts';
import { graphCall } from './graph.ts';

export const GRAPH_VERSION = 'v23.0';
const GRAPH_URL = 'https://graph.facebook.com';
const DIALOG_URL = 'https://www.facebook.com';

const setting = (ctx: AdapterContext, key: string) => {
  const value = ctx.app.settings[key];
  return typeof value === 'string' && value ? value.replace(/\/+$/, '') : null;
};

export function graphVersion(ctx: AdapterContext): string {
  return setting(ctx, 'graphVersion') ?? GRAPH_VERSION;
}

/** `https://graph.facebook.com/v23.0`, or the configured host. */
export function facebookGraphBase(ctx: AdapterContext): string {
  return `${(ctx.app.baseUrl ?? GRAPH_URL).replace(/\/+$/, '')}/${graphVersion(ctx)}`;
}

/** Video uploads go to graph-video.facebook.com unless a base URL replaces every host. */
export function facebookVideoBase(ctx: AdapterContext): string {
  const host =
    setting(ctx, 'videoBaseUrl') ??
    ctx.app.baseUrl?.replace(/\/+$/, '') ??
    'https://graph-video.facebook.com';
  return `${host}/${graphVersion(ctx)}`;
}

function dialogBase(ctx: AdapterContext): string {
  return setting(ctx, 'authBaseUrl') ?? ctx.app.baseUrl?.replace(/\/+$/, '') ?? DIALOG_URL;
}

export function facebookAuthorizeUrl(
  ctx: AdapterContext,
  request: AuthorizeRequest,
  required: string[],
): string {
  const scopes = [...new Set([...request.scopes, ...required])];
  const url = new URL(`${dialogBase(ctx)}/${graphVersion(ctx)}/dialog/oauth`);
  // Facebook Login's web flow has no PKCE: `state` guards the callback and the app secret the exchange.
  url.search = new URLSearchParams({
    client_id: ctx.app.clientId,
    redirect_uri: request.redirectUri,
    state: request.state,
    scope: scopes.join(','),
    response_type: 'code',
  }).toString();
  return url.toString();
}

const tokenReply = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});
const permissionsReply = z.object({
  data: z.array(z.object({ permission: z.string(), status: z.string() })),
});

function secretOf(ctx: AdapterContext, what: string): string {
  if (!ctx.app.clientSecret) {
    throw new PlatformError({
      kind: 'invalid',
      message: `${what}: the Meta app has no app secret configured`,
    });
  }
  return ctx.app.clientSecret;
}

async function longLived(ctx: AdapterContext, what: string, token: string): Promise<TokenSet> {
  const { data } = await graphCall(ctx, tokenReply, {
    what,
    base: facebookGraphBase(ctx),
    path: '/oauth/access_token',
    params: {
      grant_type: 'fb_exchange_token',
      client_id: ctx.app.clientId,
      client_secret: secretOf(ctx, what),
      fb_exchange_token: token,
    },
  });
  const { data: permissions } = await graphCall(ctx, permissionsReply, {
    what: `${what}: read granted permissions`,
    base: facebookGraphBase(ctx),
    path: '/me/permissions',
    token: data.access_token,
  });
  return {
    accessToken: data.access_token,
    refreshToken: data.access_token,
    // Meta omits expires_in for tokens that do not expire.
    expiresAt: data.expires_in === undefined ? null : new Date(ctx.now().getTime() + data.expires_in * 1000),
    scopes: permissions.data.filter((p) => p.status === 'granted').map((p) => p.permission),
  };
}

/** Code → short-lived user token → long-lived user token; fails when a required permission was declined. */
export async function exchangeFacebookCode(
  ctx: AdapterContext,
  request: { code: string; redirectUri: string },
  required: string[],
): Promise<TokenSet> {
  const { data: short } = await graphCall(ctx, tokenReply, {
    what: 'exchange code',
    base: facebookGraphBase(ctx),
    path: '/oauth/access_token',
    params: {
      client_id: ctx.app.clientId,
      client_secret: secretOf(ctx, 'exchange code'),
      redirect_uri: request.redirectUri,
      code: request.code,
    },
  });
  const tokens = await longLived(ctx, 'exchange for a long-lived token', short.access_token);
  const missing = required.filter((scope) => !tokens.scopes.includes(scope));
  if (missing.length) {
    throw new PlatformError({
      kind: 'auth',
      message: `the account did not grant ${missing.join(', ')}; connect again and allow them`,
    });
  }
  return tokens;
}

/** Re-exchanges a still-valid long-lived token; an expired one needs a new login. */
export function refreshFacebookToken(ctx: AdapterContext, credentials: Credentials): Promise<TokenSet> {
  if (credentials.expiresAt && credentials.expiresAt.getTime() <= ctx.now().getTime()) {
    return Promise.reject(
      new PlatformError({
        kind: 'auth',
        message: 'the Facebook token expired and Meta cannot renew an expired token; reconnect the account',
      }),
    );
  }
  return longLived(ctx, 'renew the long-lived token', credentials.accessToken);
}
