/**
 * The sandbox's OAuth 2 server: dynamic client registration (RFC 7591), the authorization-code
 * flow with mandatory PKCE S256 (RFC 7636), and a token endpoint with rotating refresh tokens.
 *
 * The consent page has no login and no CSRF token on purpose: anyone may act as any sandbox
 * username, since the sandbox holds only fake data.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import type { Routes } from '../http/plugin.ts';
import { ensureAccount, usernameSchema } from './accounts.ts';
import { type AuthorizeParams, renderConsentPage, renderOAuthErrorPage } from './consent-page.ts';
import { invalidRequest } from './errors.ts';
import { htmlSecurityHeaders } from './html.ts';
import {
  authenticateClient,
  findClient,
  registerClient,
  registerClientBody,
  type SandboxClient,
} from './oauth-clients.ts';
import { exchangeCode, issueCode, refreshTokens, type TokenError } from './oauth-grants.ts';
import type { Site } from './site.ts';

const DEFAULT_SCOPE = 'read write';

type Fields = Record<string, unknown>;

const field = (fields: Fields, name: string): string => {
  const value = fields[name];
  return typeof value === 'string' ? value : '';
};

/** A sandbox username from `login_hint`, or null when it is not one. */
function loginHint(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(value) ? value : null;
}

function authorizeParams(fields: Fields): AuthorizeParams {
  return {
    response_type: field(fields, 'response_type'),
    client_id: field(fields, 'client_id'),
    redirect_uri: field(fields, 'redirect_uri'),
    state: field(fields, 'state'),
    code_challenge: field(fields, 'code_challenge'),
    code_challenge_method: field(fields, 'code_challenge_method'),
    scope: field(fields, 'scope').trim() || DEFAULT_SCOPE,
  };
}

/** The client's redirect URI with `params` added (and `state` when the request had one). */
function redirectWith(params: AuthorizeParams, extra: Record<string, string>): string {
  const url = new URL(params.redirect_uri);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  if (params.state) url.searchParams.set('state', params.state);
  return url.toString();
}

type Checked =
  | { kind: 'ok'; client: SandboxClient }
  /** Client or redirect URI cannot be trusted: show an error page, never redirect (RFC 6749 §4.1.2.1). */
  | { kind: 'page'; message: string }
  | { kind: 'redirect'; location: string };

async function checkAuthorizeRequest(deps: Deps, params: AuthorizeParams): Promise<Checked> {
  const client = params.client_id ? await findClient(deps, params.client_id) : null;
  if (!client) return { kind: 'page', message: 'Unknown client_id.' };
  if (!client.redirectUris.includes(params.redirect_uri)) {
    return { kind: 'page', message: 'redirect_uri is not one the client registered.' };
  }
  const fail = (error: string, description: string): Checked => ({
    kind: 'redirect',
    location: redirectWith(params, { error, error_description: description }),
  });
  if (params.response_type !== 'code') return fail('unsupported_response_type', 'only response_type=code');
  if (!params.code_challenge) return fail('invalid_request', 'code_challenge is required (PKCE)');
  if (params.code_challenge_method !== 'S256') {
    return fail('invalid_request', 'code_challenge_method must be S256');
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) {
    return fail('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
  }
  return { kind: 'ok', client };
}

function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).headers(htmlSecurityHeaders).send(html);
}

/** Client authentication: HTTP Basic (RFC 6749 §2.3.1, form-encoded parts) or id and secret in the body. */
function clientCredentials(
  request: FastifyRequest,
  fields: Fields,
): { id: string; secret: string; basic: boolean } {
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return '';
      }
    };
    return colon < 0
      ? { id: '', secret: '', basic: true }
      : { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)), basic: true };
  }
  return { id: field(fields, 'client_id'), secret: field(fields, 'client_secret'), basic: false };
}

function sendTokenError(reply: FastifyReply, error: TokenError, status = 400) {
  return reply.status(status).send(error);
}

export function oauthRoutes(deps: Deps, site: Site): Routes {
  return async (app) => {
    app.post('/register', async (request, reply) => {
      const parsed = registerClientBody.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalidRequest(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
      }
      const { client, clientSecret } = await registerClient(deps, {
        name: parsed.data.client_name,
        redirectUris: parsed.data.redirect_uris,
      });
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({
          client_id: client.clientId,
          client_secret: clientSecret,
          client_name: client.name,
          redirect_uris: client.redirectUris,
          client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
          client_secret_expires_at: 0,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
        });
    });

    app.get('/authorize', async (request, reply) => {
      const params = authorizeParams(request.query as Fields);
      const checked = await checkAuthorizeRequest(deps, params);
      if (checked.kind === 'page') {
        return sendHtml(reply, 400, renderOAuthErrorPage({ mount: site.mount, message: checked.message }));
      }
      if (checked.kind === 'redirect') return reply.redirect(checked.location, 302);
      return sendHtml(
        reply,
        200,
        renderConsentPage({
          mount: site.mount,
          clientName: checked.client.name,
          params,
          // OIDC's login_hint: a client reconnecting an account names it, so the form starts there.
          username: loginHint((request.query as Fields).login_hint) ?? 'demo',
        }),
      );
    });

    app.post('/authorize', async (request, reply) => {
      const fields = (request.body ?? {}) as Fields;
      const params = authorizeParams(fields);
      const checked = await checkAuthorizeRequest(deps, params);
      if (checked.kind === 'page') {
        return sendHtml(reply, 400, renderOAuthErrorPage({ mount: site.mount, message: checked.message }));
      }
      if (checked.kind === 'redirect') return reply.redirect(checked.location, 302);
      if (field(fields, 'decision') !== 'authorize') {
        return reply.redirect(
          redirectWith(params, { error: 'access_denied', error_description: 'the user denied access' }),
          302,
        );
      }
      const username = usernameSchema.safeParse(field(fields, 'username'));
      if (!username.success) {
        const page = renderConsentPage({
          mount: site.mount,
          clientName: checked.client.name,
          params,
          username: field(fields, 'username'),
          error: `Username: ${username.error.issues[0]?.message ?? 'invalid'}.`,
        });
        return sendHtml(reply, 400, page);
      }
      const { account } = await ensureAccount(deps, { username: username.data });
      const code = await issueCode(deps, {
        clientId: checked.client.clientId,
        accountId: account.id,
        redirectUri: params.redirect_uri,
        codeChallenge: params.code_challenge,
        scope: params.scope,
      });
      return reply.redirect(redirectWith(params, { code }), 302);
    });

    app.post('/token', async (request, reply) => {
      reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
      const fields = (request.body ?? {}) as Fields;
      const credentials = clientCredentials(request, fields);
      const client = credentials.id
        ? await authenticateClient(deps, { clientId: credentials.id, clientSecret: credentials.secret })
        : null;
      if (!client) {
        if (credentials.basic) reply.header('www-authenticate', 'Basic realm="sandbox"');
        return sendTokenError(
          reply,
          { error: 'invalid_client', error_description: 'unknown client or wrong client secret' },
          401,
        );
      }
      const grantType = field(fields, 'grant_type');
      if (grantType === 'authorization_code') {
        const code = field(fields, 'code');
        const redirectUri = field(fields, 'redirect_uri');
        const codeVerifier = field(fields, 'code_verifier');
        if (!code || !redirectUri || !codeVerifier) {
          return sendTokenError(reply, {
            error: 'invalid_request',
            error_description: 'code, redirect_uri and code_verifier are required',
          });
        }
        const result = await exchangeCode(deps, {
          clientId: client.clientId,
          code,
          redirectUri,
          codeVerifier,
        });
        return result.ok ? reply.send(result.tokens) : sendTokenError(reply, result.error);
      }
      if (grantType === 'refresh_token') {
        const refreshToken = field(fields, 'refresh_token');
        if (!refreshToken) {
          return sendTokenError(reply, {
            error: 'invalid_request',
            error_description: 'refresh_token is required',
          });
        }
        const result = await refreshTokens(deps, { clientId: client.clientId, refreshToken });
        return result.ok ? reply.send(result.tokens) : sendTokenError(reply, result.error);
      }
      return sendTokenError(reply, {
        error: 'unsupported_grant_type',
        error_description: 'use authorization_code or refresh_token',
      });
    });
  };
}
