import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import { PlatformError } from '../../src/platforms/types.ts';
import {
  authorize,
  type Client,
  connect,
  contextFor,
  pkce,
  REDIRECT_URI,
  registerClient,
  type Sandbox,
  setKnobs,
  startSandbox,
  thrown,
} from './support.ts';

function tokenRequest(base: string, client: Client, form: Record<string, string>) {
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
  return fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams(form),
  });
}

const me = (base: string, token: string) =>
  fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });

describe('sandbox OAuth', () => {
  let sandbox: Sandbox;
  let base: string;
  let client: Client;
  beforeAll(async () => {
    sandbox = await startSandbox();
    base = sandbox.base;
    client = await registerClient(base);
  });
  afterAll(async () => sandbox?.close());

  it('registers clients (RFC 7591) and refuses bad redirect URIs', async () => {
    expect(client.clientId).toMatch(/^sbx_client_/);
    expect(client.clientSecret.length).toBeGreaterThan(30);
    const bad = await fetch(`${base}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'x', redirect_uris: ['javascript:alert(1)'] }),
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_request', field: 'redirect_uris.0' });
  });

  it('serves an accessible consent page', async () => {
    const url = sandboxAdapter.authorizeUrl(contextFor(base, client), {
      redirectUri: REDIRECT_URI,
      state: 's',
      codeChallenge: pkce().challenge,
      scopes: ['read', 'write'],
    });
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<label for="username">');
    expect(html).toContain('id="username" name="username" value="demo"');
    expect(html).toMatch(/<button type="submit" name="decision" value="authorize">Authorize<\/button>/);
    expect(html).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>/);
  });

  it('shows an error page, never a redirect, for an unknown client or redirect URI', async () => {
    const { challenge } = pkce();
    const query = (over: Record<string, string>) =>
      new URLSearchParams({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: REDIRECT_URI,
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...over,
      });
    const bad: Record<string, string>[] = [{ client_id: 'nope' }, { redirect_uri: 'http://evil.example/cb' }];
    for (const over of bad) {
      const res = await fetch(`${base}/oauth/authorize?${query(over)}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('cannot be completed');
    }
    const plain = await fetch(`${base}/oauth/authorize?${query({ code_challenge_method: 'plain' })}`, {
      redirect: 'manual',
    });
    expect(plain.status).toBe(302);
    const location = new URL(plain.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s');
  });

  it('redirects with access_denied when the person denies', async () => {
    const redirect = await authorize(base, client, {
      challenge: pkce().challenge,
      decision: 'deny',
      state: 'xyz',
    });
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('xyz');
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('runs the authorization-code + PKCE flow and creates the account', async () => {
    const { verifier, challenge } = pkce();
    const redirect = await authorize(base, client, { username: 'Alice_1', challenge, state: 'st4te' });
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).toBe('st4te');
    const ctx = contextFor(base, client);
    const tokens = await sandboxAdapter.exchangeCode(ctx, {
      code: redirect.searchParams.get('code')!,
      codeVerifier: verifier,
      redirectUri: REDIRECT_URI,
    });
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.scopes).toEqual(['read', 'write']);
    expect(tokens.expiresAt!.getTime() - Date.now()).toBeGreaterThan(3500_000);
    const profile = await sandboxAdapter.profile(ctx, tokens);
    expect(profile).toMatchObject({ username: 'alice_1', displayName: 'alice_1' });
    const channels = await sandboxAdapter.discoverChannels(ctx, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: {},
    });
    expect(channels).toEqual([
      expect.objectContaining({ externalId: profile.externalId, kind: 'profile', url: `${base}/@alice_1` }),
    ]);
  });

  it('rejects a wrong verifier, and a code used twice (revoking what it gave)', async () => {
    const { verifier, challenge } = pkce();
    const code = (await authorize(base, client, { challenge })).searchParams.get('code')!;
    const ctx = contextFor(base, client);

    const wrong = await tokenRequest(base, client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce().verifier,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('cache-control')).toBe('no-store');
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });

    const tokens = await sandboxAdapter.exchangeCode(ctx, {
      code,
      codeVerifier: verifier,
      redirectUri: REDIRECT_URI,
    });
    expect((await me(base, tokens.accessToken)).status).toBe(200);

    const again = await thrown(() =>
      sandboxAdapter.exchangeCode(ctx, { code, codeVerifier: verifier, redirectUri: REDIRECT_URI }),
    );
    expect(again).toBeInstanceOf(PlatformError);
    expect(again).toMatchObject({ kind: 'auth', code: 'invalid_grant', status: 400 });
    expect((await me(base, tokens.accessToken)).status).toBe(401);
  });

  it('authenticates clients by Basic or body, and refuses a wrong secret', async () => {
    const body = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'nope',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    expect(body.status).toBe(400);
    expect((await body.json()).error).toBe('invalid_grant');
    const wrong = await tokenRequest(
      base,
      { ...client, clientSecret: 'wrong' },
      { grant_type: 'refresh_token' },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('rotates refresh tokens and revokes the family when a used one comes back', async () => {
    const ctx = contextFor(base, client);
    const { credentials } = await connect(base, client, 'rotator');
    const first = await sandboxAdapter.refresh(ctx, credentials);
    expect(first.refreshToken).not.toBe(credentials.refreshToken);
    expect(first.accessToken).not.toBe(credentials.accessToken);
    const second = await sandboxAdapter.refresh(ctx, { ...credentials, refreshToken: first.refreshToken });
    expect((await me(base, second.accessToken)).status).toBe(200);

    // The first refresh token again: reuse. The whole family goes, including the newest tokens.
    const reuse = await tokenRequest(base, client, {
      grant_type: 'refresh_token',
      refresh_token: first.refreshToken!,
    });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await me(base, second.accessToken)).status).toBe(401);
    const newest = await thrown(() =>
      sandboxAdapter.refresh(ctx, { ...credentials, refreshToken: second.refreshToken }),
    );
    expect(newest).toMatchObject({ kind: 'auth', code: 'invalid_grant' });
  });

  it('expires access tokens with time: the adapter throws auth, a refresh recovers', async () => {
    const ctx = contextFor(base, client);
    const { tokens, credentials } = await connect(base, client, 'sleepy');
    sandbox.clock.advance(3601_000);
    const res = await me(base, tokens.accessToken);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sandbox", error="invalid_token"');
    expect((await res.json()).error.code).toBe('invalid_token');
    const error = await thrown(() => sandboxAdapter.profile(ctx, tokens));
    expect(error).toMatchObject({ kind: 'auth', status: 401, code: 'invalid_token' });
    expect(String((error as Error).message)).not.toContain(tokens.accessToken);
    const fresh = await sandboxAdapter.refresh(ctx, credentials);
    expect((await sandboxAdapter.profile(ctx, fresh)).username).toBe('sleepy');
  });

  it('honours the accessTokenTtlSeconds and expireTokens knobs', async () => {
    const ctx = contextFor(base, client);
    const { tokens, credentials } = await connect(base, client, 'knobby');
    const result = await setKnobs(base, 'knobby', { expireTokens: true, accessTokenTtlSeconds: 60 });
    expect(result).toEqual({ knobs: { accessTokenTtlSeconds: 60 }, expired_tokens: 1, revoked_tokens: 0 });
    expect(await thrown(() => sandboxAdapter.profile(ctx, tokens))).toMatchObject({ kind: 'auth' });
    const fresh = await sandboxAdapter.refresh(ctx, credentials);
    expect(fresh.expiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await sandboxAdapter.profile(ctx, fresh)).username).toBe('knobby');
  });

  it('answers a missing token without an error code (RFC 6750 §3.1)', async () => {
    const res = await fetch(`${base}/api/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sandbox"');
  });
});
