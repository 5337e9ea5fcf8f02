/**
 * The generic OAuth 2.0 client on scripted replies: what it sends (client authentication, PKCE, the
 * form) and what each RFC 6749 §5.1/§5.2 reply becomes. test/oauth/oidc-provider.test.ts runs it
 * against a real authorization server.
 */
import { describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshAccessToken,
} from './oauth2.ts';
import { type AdapterContext, PlatformError } from './types.ts';

const NOW = new Date('2030-01-01T12:00:00Z');

type Sent = { url: string; headers: Headers; form: URLSearchParams };

/** A context whose fetch answers every request with `reply` and records what was sent. */
function scripted(reply: () => Response, app: Partial<AdapterContext['app']> = {}) {
  const sent: Sent[] = [];
  const ctx: AdapterContext = {
    app: { clientId: 'client id', clientSecret: 'sec:ret', baseUrl: null, scopes: [], settings: {}, ...app },
    now: () => NOW,
    fetch: async (input, init) => {
      sent.push({
        url: String(input),
        headers: new Headers(init?.headers),
        form: new URLSearchParams(String(init?.body)),
      });
      return reply();
    },
  };
  return { ctx, sent };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });

const server = (overrides: Partial<OAuth2Server> = {}): OAuth2Server => ({
  name: 'Example',
  authorizationEndpoint: 'https://auth.example/authorize?tenant=1',
  tokenEndpoint: 'https://auth.example/token',
  clientAuthentication: 'client_secret_basic',
  ...overrides,
});

const ok = json(200, {
  access_token: 'at-1',
  token_type: 'Bearer',
  expires_in: 300,
  refresh_token: 'rt-2',
  scope: 'openid offline_access',
});

async function refused(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof PlatformError)) throw new Error(`expected a PlatformError, got ${String(error)}`);
  return error;
}

describe('authorizationUrl', () => {
  it('sends the §4.1.1 request with the S256 challenge, joined scopes and extra parameters', () => {
    const { ctx } = scripted(ok);
    const url = new URL(
      authorizationUrl(ctx, server({ scopeSeparator: ',' }), {
        redirectUri: 'https://herald.example/api/oauth/callback',
        state: 'st',
        codeChallenge: 'ch',
        scopes: ['a', 'b'],
        params: { prompt: 'consent' },
      }),
    );
    expect(url.origin + url.pathname).toBe('https://auth.example/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: '1',
      response_type: 'code',
      client_id: 'client id',
      redirect_uri: 'https://herald.example/api/oauth/callback',
      state: 'st',
      scope: 'a,b',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
      prompt: 'consent',
    });
  });

  it('leaves PKCE out for a server without it', () => {
    const { ctx } = scripted(ok);
    const url = new URL(
      authorizationUrl(ctx, server({ pkce: false }), {
        redirectUri: 'https://h/cb',
        state: 's',
        codeChallenge: 'ch',
        scopes: [],
      }),
    );
    expect(url.searchParams.has('code_challenge')).toBe(false);
    expect(url.searchParams.has('scope')).toBe(false);
  });
});

describe('token requests', () => {
  it('authenticates with Basic, form-encoding both parts first (§2.3.1)', async () => {
    const { ctx, sent } = scripted(ok);
    await exchangeAuthorizationCode(ctx, server(), {
      code: 'c',
      codeVerifier: 'v',
      redirectUri: 'https://h/cb',
    });
    const basic = sent[0]!.headers.get('authorization')!.replace(/^Basic /, '');
    expect(Buffer.from(basic, 'base64').toString()).toBe('client+id:sec%3Aret');
    expect(Object.fromEntries(sent[0]!.form)).toEqual({
      grant_type: 'authorization_code',
      code: 'c',
      redirect_uri: 'https://h/cb',
      code_verifier: 'v',
    });
  });

  it('posts the secret in the body, or only the client id for a public client', async () => {
    const post = scripted(ok);
    await refreshAccessToken(post.ctx, server({ clientAuthentication: 'client_secret_post' }), 'rt-1');
    expect(post.sent[0]!.headers.has('authorization')).toBe(false);
    expect(Object.fromEntries(post.sent[0]!.form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: 'client id',
      client_secret: 'sec:ret',
    });
    const none = scripted(ok);
    await refreshAccessToken(none.ctx, server({ clientAuthentication: 'none' }), 'rt-1');
    expect(none.sent[0]!.form.get('client_id')).toBe('client id');
    expect(none.sent[0]!.form.has('client_secret')).toBe(false);
  });

  it('reads a §5.1 reply into a token set on the context clock', async () => {
    const { ctx } = scripted(ok);
    expect(await refreshAccessToken(ctx, server(), 'rt-1')).toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-2',
      expiresAt: new Date(NOW.getTime() + 300_000),
      scopes: ['openid', 'offline_access'],
    });
  });

  it('reads a reply without a refresh token or expiry as "keep yours" and "no expiry"', async () => {
    const { ctx } = scripted(json(200, { access_token: 'at', token_type: 'bearer' }));
    expect(await refreshAccessToken(ctx, server(), 'rt-1')).toEqual({
      accessToken: 'at',
      refreshToken: null,
      expiresAt: null,
      scopes: [],
    });
  });

  it('maps §5.2 codes: a refused grant or client is auth, a bad request invalid', async () => {
    for (const [status, error, kind] of [
      [400, 'invalid_grant', 'auth'],
      [401, 'invalid_client', 'auth'],
      [400, 'unauthorized_client', 'auth'],
      [400, 'invalid_request', 'invalid'],
      [400, 'invalid_scope', 'invalid'],
      [400, 'unsupported_grant_type', 'invalid'],
    ] as const) {
      const { ctx } = scripted(json(status, { error, error_description: `because ${error}` }));
      const e = await refused(refreshAccessToken(ctx, server(), 'rt-1'));
      expect(e).toMatchObject({ kind, code: error, status });
      expect(e.message).toBe(`refresh: Example answered ${status} ${error}: because ${error}`);
    }
  });

  it('treats an error inside a 200 as a refusal', async () => {
    const { ctx } = scripted(json(200, { error: 'invalid_grant' }));
    expect(await refused(refreshAccessToken(ctx, server(), 'rt'))).toMatchObject({
      kind: 'auth',
      code: 'invalid_grant',
    });
  });

  it('waits out a 429 until Retry-After, in seconds or as a date', async () => {
    const seconds = scripted(json(429, { error: 'slow_down' }, { 'retry-after': '120' }));
    expect(await refused(refreshAccessToken(seconds.ctx, server(), 'rt'))).toMatchObject({
      kind: 'rate_limited',
      retryAfter: new Date(NOW.getTime() + 120_000),
    });
    const date = scripted(json(429, {}, { 'retry-after': 'Tue, 01 Jan 2030 13:00:00 GMT' }));
    expect((await refused(refreshAccessToken(date.ctx, server(), 'rt'))).retryAfter).toEqual(
      new Date('2030-01-01T13:00:00Z'),
    );
  });

  it('calls a 5xx, an unreadable success and a network failure transient', async () => {
    const down = scripted(() => new Response('<html>bad gateway</html>', { status: 502 }));
    expect((await refused(refreshAccessToken(down.ctx, server(), 'rt'))).kind).toBe('transient');
    const garbled = scripted(() => new Response('<html>ok</html>', { status: 200 }));
    expect((await refused(refreshAccessToken(garbled.ctx, server(), 'rt'))).kind).toBe('transient');
    const offline = scripted(() => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    });
    const error = await refused(refreshAccessToken(offline.ctx, server(), 'rt'));
    expect(error).toMatchObject({ kind: 'transient' });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('lets the platform map a refusal its own way', async () => {
    const { ctx } = scripted(json(400, { error: 'invalid_request' }));
    const mine = new PlatformError({ kind: 'auth', message: 'mine' });
    const seen: number[] = [];
    const failure = (refusal: { status: number }) => {
      seen.push(refusal.status);
      return mine;
    };
    expect(await refused(refreshAccessToken(ctx, server({ failure }), 'rt'))).toBe(mine);
    expect(seen).toEqual([400]);
  });
});
