/**
 * Herald's generic OAuth 2.0 client (src/platforms/oauth2.ts) against a real authorization server:
 * `oidc-provider` on 127.0.0.1 with PKCE required, refresh tokens that rotate on every use and a
 * grant that is revoked when a rotated refresh token comes back.
 *
 * Everything goes through Herald's real routes (platform app, connect, OAuth callback) and its real
 * refresh use-case; the only test-made piece is a small adapter whose auth is oauth2.ts pointed at
 * the provider's discovered endpoints and whose profile is the provider's userinfo. The provider's
 * login and consent pages (its development interactions) are driven over plain HTTP with a cookie
 * jar, as a browser would.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, tokenHistory } from '../../src/db/schema.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { refreshConnection } from '../../src/features/connections/refresh-connection.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { allAdapters } from '../../src/platforms/all.ts';
import { sendToPlatform } from '../../src/platforms/kit/send.ts';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshAccessToken,
} from '../../src/platforms/oauth2.ts';
import { createPlatforms } from '../../src/platforms/registry.ts';
import {
  type AdapterContext,
  type FetchLike,
  type PlatformAdapter,
  PlatformError,
} from '../../src/platforms/types.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

const PLATFORM = 'oidc-test';
const CLIENT_ID = 'herald';
const CLIENT_SECRET = 'herald-client-secret';
/** Short, as a real provider's are; nothing here waits for it. */
const ACCESS_TOKEN_TTL_SECONDS = 120;

// --- The authorization server -----------------------------------------------------------------

type Discovery = {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
};

type AuthorizationServer = {
  issuer: string;
  /** POSTs to the token endpoint since the last `forget()`. */
  tokenRequests(): number;
  /** Why the provider refused token requests since the last `forget()` (e.g. the PKCE mismatch). */
  grantErrors: string[];
  /** Grants the provider revoked since the last `forget()`. */
  revokedGrants: string[];
  forget(): void;
  close(): Promise<void>;
};

/**
 * Listens first, so that the issuer (its address) is known; the provider is configured once
 * Herald's callback URL is known too.
 */
async function listenForProvider(): Promise<{
  issuer: string;
  configure(redirectUri: string): AuthorizationServer;
}> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  let tokenRequests = 0;
  const http = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.split('?')[0] === '/token') tokenRequests++;
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    issuer,
    configure(redirectUri) {
      const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
        // PKCE for every client, confidential ones included (the default asks it of public ones only).
        pkce: { required: () => true },
        // Every refresh consumes the refresh token and issues a new one; presenting a consumed one
        // revokes the whole grant (lib/actions/grants/refresh_token.js: "refresh token already used").
        rotateRefreshToken: true,
        scopes: ['openid', 'offline_access', 'profile'],
        claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
        findAccount: (_ctx, sub) => ({
          accountId: sub,
          claims: () => ({ sub, name: `Account ${sub}`, preferred_username: sub }),
        }),
        ttl: {
          AccessToken: ACCESS_TOKEN_TTL_SECONDS,
          AuthorizationCode: 60,
          RefreshToken: 24 * 3600,
          Grant: 24 * 3600,
          IdToken: 600,
          Interaction: 600,
          Session: 3600,
        },
        features: { devInteractions: { enabled: true } },
        cookies: { keys: ['oidc-provider-test-cookie-key'] },
        jwks: { keys: [{ ...key, kid: 'test', alg: 'RS256', use: 'sig' }] },
      });
      const server: AuthorizationServer = {
        issuer,
        tokenRequests: () => tokenRequests,
        grantErrors: [],
        revokedGrants: [],
        forget() {
          tokenRequests = 0;
          server.grantErrors.length = 0;
          server.revokedGrants.length = 0;
        },
        close: () => new Promise<void>((resolve) => http.close(() => resolve())),
      };
      provider.on('grant.error', (_ctx, error) => {
        const cause = error.cause instanceof Error ? error.cause.message : null;
        server.grantErrors.push(cause ?? error.error_detail ?? error.message);
      });
      provider.on('grant.revoked', (_ctx, grantId: string) => {
        server.revokedGrants.push(grantId);
      });
      handler = provider.callback();
      return server;
    },
  };
}

// --- Herald's side: a platform whose auth is oauth2.ts -----------------------------------------

/** A platform adapter for the provider: oauth2.ts for auth, userinfo for the account. */
function providerPlatform(discovery: () => Discovery): PlatformAdapter {
  const server = (): OAuth2Server => ({
    name: 'the test provider',
    authorizationEndpoint: discovery().authorization_endpoint,
    tokenEndpoint: discovery().token_endpoint,
    clientAuthentication: 'client_secret_basic',
  });
  const userinfo = async (ctx: AdapterContext, accessToken: string) => {
    const { response, body } = await sendToPlatform(ctx, 'read userinfo', discovery().userinfo_endpoint, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    if (!response.ok) {
      throw new PlatformError({
        kind: response.status === 401 ? 'auth' : 'invalid',
        message: `read userinfo: the test provider answered ${response.status}`,
        status: response.status,
      });
    }
    return body as { sub: string; name?: string; preferred_username?: string };
  };
  const unsupported = () => {
    throw new PlatformError({ kind: 'invalid', message: 'the test provider is not a network' });
  };
  return {
    id: PLATFORM,
    displayName: 'Test provider',
    capabilities: {
      text: true,
      images: 0,
      video: false,
      threads: false,
      maxTextLength: null,
      idempotentPublish: false,
      canDelete: false,
      metrics: false,
      comments: false,
    },
    // `prompt=consent`: without it an OpenID provider drops `offline_access` (OIDC Core §11).
    authorizeUrl: (ctx, request) =>
      authorizationUrl(ctx, server(), { ...request, params: { prompt: 'consent' } }),
    exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, server(), request),
    refresh: async (ctx, credentials) => {
      if (!credentials.refreshToken) throw new PlatformError({ kind: 'auth', message: 'no refresh token' });
      return refreshAccessToken(ctx, server(), credentials.refreshToken);
    },
    async profile(ctx, tokens) {
      const me = await userinfo(ctx, tokens.accessToken);
      return {
        externalId: me.sub,
        username: me.preferred_username ?? null,
        displayName: me.name ?? null,
        avatarUrl: null,
      };
    },
    async discoverChannels(ctx, credentials) {
      const me = await userinfo(ctx, credentials.accessToken);
      return [
        {
          externalId: me.sub,
          kind: 'profile',
          name: me.name ?? me.sub,
          username: me.preferred_username ?? null,
          avatarUrl: null,
          url: null,
        },
      ];
    },
    validate: () => [],
    publish: unsupported,
    reconcile: unsupported,
    deletePost: unsupported,
    readMetrics: unsupported,
    readComments: unsupported,
  };
}

// --- A browser ---------------------------------------------------------------------------------

/** The cookies a browser would keep for the provider (paths are ignored: one site, one user). */
function cookieJar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    store(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';');
        const at = pair.indexOf('=');
        const name = pair.slice(0, at).trim();
        const value = pair.slice(at + 1).trim();
        const expires = attributes.find((a) => /^\s*expires=/i.test(a));
        const expired = expires !== undefined && Date.parse(expires.split('=')[1]!) < Date.now();
        if (!value || expired) cookies.delete(name);
        else cookies.set(name, value);
      }
    },
  };
}

/**
 * Follows the authorization URL through the provider's pages: signs in as `account` and consents,
 * or cancels (`deny`). Returns the URL the provider sends the browser back to (Herald's callback).
 */
async function authorizeAtProvider(
  authorizeUrl: string,
  options: { account: string; decision: 'consent' | 'deny'; callbackPrefix: string },
): Promise<string> {
  const jar = cookieJar();
  let url = authorizeUrl;
  let request: RequestInit = {};
  for (let step = 0; step < 12; step++) {
    const response = await fetch(url, {
      ...request,
      redirect: 'manual',
      headers: { ...(request.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response);
    request = {};
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location')!, url).toString();
      if (url.startsWith(options.callbackPrefix)) return url;
      continue;
    }
    const html = await response.text();
    expect(response.status, html).toBe(200);
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const cancel = /href="([^"]*abort[^"]*)"/.exec(html)?.[1];
    if (!prompt || !action || !cancel) throw new Error(`not an interaction page: ${html.slice(0, 300)}`);
    if (options.decision === 'deny') {
      url = new URL(cancel, url).toString();
      continue;
    }
    const form: Record<string, string> =
      prompt === 'login' ? { prompt, login: options.account, password: 'any' } : { prompt };
    url = new URL(action, url).toString();
    request = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    };
  }
  throw new Error('the provider never sent the browser back to Herald');
}

// --- The suite ---------------------------------------------------------------------------------

describe('OAuth 2.0 against a real authorization server (oidc-provider)', () => {
  let herald: TestHerald;
  let team: Team;
  let provider: AuthorizationServer;
  let discovery: Discovery;
  let callbackUrl: string;
  const ws = () => team.workspace.id;

  beforeAll(async () => {
    const pending = await listenForProvider();
    let discovered: Discovery | null = null;
    const platform = providerPlatform(() => {
      if (!discovered) throw new Error('the provider was not discovered yet');
      return discovered;
    });
    herald = await startHerald({
      overrides: { platforms: createPlatforms([...allAdapters, platform]) },
    });
    const base = await herald.listen();
    callbackUrl = `${base}/api/oauth/callback`;
    provider = pending.configure(callbackUrl);
    const metadata = await fetch(`${pending.issuer}/.well-known/openid-configuration`);
    expect(metadata.status).toBe(200);
    discovery = (await metadata.json()) as Discovery;
    expect(discovery.issuer).toBe(pending.issuer);
    discovered = discovery;

    team = await newTeam(herald);
    const app = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${ws()}/platform-apps`,
      headers: team.admin.headers,
      payload: {
        platform: PLATFORM,
        name: 'Test provider',
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scopes: ['openid', 'profile', 'offline_access'],
        baseUrl: pending.issuer,
      },
    });
    expect(app.statusCode, app.body).toBe(201);
  });

  afterAll(async () => {
    await herald?.close();
    await provider?.close();
  });

  /** POST the connect route: the authorization URL Herald sends the browser to. */
  async function startConnect(): Promise<string> {
    const res = await fetch(`${herald.baseUrl}/api/workspaces/${ws()}/connect/${PLATFORM}`, {
      method: 'POST',
      headers: { ...team.user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ returnTo: '/channels' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { authorizeUrl: string }).authorizeUrl;
  }

  /** The browser arriving at Herald's callback: where Herald sends it next. */
  async function arriveAtCallback(url: string): Promise<URL> {
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status, await res.clone().text()).toBe(302);
    return new URL(res.headers.get('location')!, herald.baseUrl);
  }

  /** A whole connect, as a user does it; returns the connection id. */
  async function connect(account: string): Promise<string> {
    const authorizeUrl = await startConnect();
    const back = await authorizeAtProvider(authorizeUrl, {
      account,
      decision: 'consent',
      callbackPrefix: callbackUrl,
    });
    const landed = await arriveAtCallback(back);
    expect(landed.searchParams.get('error')).toBeNull();
    const connectionId = landed.searchParams.get('connected');
    expect(connectionId).toBeTruthy();
    return connectionId!;
  }

  const connectionRow = async (id: string) =>
    (await herald.deps.db.select().from(connections).where(eq(connections.id, id)))[0]!;
  const decrypt = (sealed: string | null) => (sealed === null ? null : herald.deps.secrets.decrypt(sealed));
  const userinfoStatus = async (accessToken: string) =>
    (await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } }))
      .status;
  /** The token endpoint called directly, as a stale copy of a refresh token would be. */
  const replayRefreshToken = (refreshToken: string) =>
    fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    });

  it('connects through the provider: PKCE code exchange, tokens stored encrypted, channel from userinfo', async () => {
    const before = Date.now();
    const authorizeUrl = new URL(await startConnect());
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(discovery.authorization_endpoint);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(callbackUrl);

    const back = await authorizeAtProvider(authorizeUrl.toString(), {
      account: 'alice',
      decision: 'consent',
      callbackPrefix: callbackUrl,
    });
    expect(new URL(back).searchParams.get('code')).toBeTruthy();
    const landed = await arriveAtCallback(back);
    expect(landed.pathname).toBe('/channels');
    const connectionId = landed.searchParams.get('connected')!;
    expect(connectionId, landed.toString()).toBeTruthy();

    const row = await connectionRow(connectionId);
    expect(row).toMatchObject({ platform: PLATFORM, externalAccountId: 'alice', status: 'active' });
    const accessToken = decrypt(row.accessToken)!;
    const refreshToken = decrypt(row.refreshToken)!;
    expect(refreshToken).toBeTruthy();
    expect(row.accessToken).not.toContain(accessToken);
    expect(row.refreshToken).not.toContain(refreshToken);
    expect(row.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    // expires_in read on Herald's clock, somewhere within the time this test took.
    expect(row.tokenExpiresAt!.getTime()).toBeGreaterThanOrEqual(
      before + ACCESS_TOKEN_TTL_SECONDS * 1000 - 1000,
    );
    expect(row.tokenExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000);
    expect(await userinfoStatus(accessToken)).toBe(200);

    const channels = await herald.app.inject({
      method: 'GET',
      url: `/api/workspaces/${ws()}/channels`,
      headers: team.user.headers,
    });
    expect(channels.json().items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'Account alice',
          connection: expect.objectContaining({ id: connectionId }),
        }),
      ]),
    );
  });

  it('refreshes with rotation: the old refresh token goes to token history, the new access token works', async () => {
    const connectionId = await connect('bob');
    const before = await connectionRow(connectionId);
    provider.forget();

    const fresh = await refreshConnection(herald.deps, { connectionId, trigger: 'user' });

    expect(provider.tokenRequests()).toBe(1);
    expect(fresh.refreshToken).not.toBe(decrypt(before.refreshToken));
    expect(fresh.accessToken).not.toBe(decrypt(before.accessToken));
    const after = await connectionRow(connectionId);
    expect(decrypt(after.refreshToken)).toBe(fresh.refreshToken);
    expect(after).toMatchObject({
      status: 'active',
      health: 'healthy',
      lastError: null,
      refreshLeaseUntil: null,
    });
    const history = await herald.deps.db
      .select()
      .from(tokenHistory)
      .where(and(eq(tokenHistory.connectionId, connectionId), eq(tokenHistory.reason, 'rotated')));
    expect(history).toHaveLength(1);
    expect(decrypt(history[0]!.refreshToken)).toBe(decrypt(before.refreshToken));
    expect(await userinfoStatus(fresh.accessToken)).toBe(200);
    expect(provider.revokedGrants).toEqual([]);
  });

  it('two workers refreshing one connection at once send one refresh, share its tokens, and keep the grant', async () => {
    const connectionId = await connect('carol');
    const before = await connectionRow(connectionId);
    provider.forget();

    // A person's refresh (a scheduled one would wait until the token's last fifth of life).
    // Two processes' worth of deps on the same database (on PostgreSQL, each with its own pool).
    // Whichever worker reaches the token endpoint first is held there until the other has been
    // refused the refresh lease and gone round its wait loop (its second look at the clock), so
    // the two really overlap. Should both reach the endpoint, neither waits for the other.
    const clockReads = [0, 0];
    let tokenCalls = 0;
    const waiters = new Set<() => void>();
    const poke = () => waiters.forEach((check) => check());
    const until = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!done()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    const workers = await Promise.all(
      [0, 1].map((index) =>
        startWorkerDeps(herald, {
          clock: {
            now: () => {
              clockReads[index]!++;
              poke();
              return new Date();
            },
          },
          fetch: async (input, init) => {
            if (String(input) === discovery.token_endpoint) {
              tokenCalls++;
              poke();
              await until(() => clockReads[1 - index]! >= 2 || tokenCalls >= 2);
            }
            return fetch(input, init);
          },
        }),
      ),
    );
    try {
      const results = await Promise.all(
        workers.map((worker) => refreshConnection(worker.deps, { connectionId, trigger: 'user' })),
      );

      expect(provider.tokenRequests()).toBe(1);
      expect(tokenCalls).toBe(1);
      expect(results[0]!.accessToken).toBe(results[1]!.accessToken);
      expect(results[0]!.refreshToken).toBe(results[1]!.refreshToken);
      expect(results[0]!.refreshToken).not.toBe(decrypt(before.refreshToken));
      expect(await userinfoStatus(results[0]!.accessToken)).toBe(200);
    } finally {
      for (const worker of workers) await worker.close();
    }
    expect(provider.revokedGrants).toEqual([]);
    const after = await connectionRow(connectionId);
    expect(after).toMatchObject({ status: 'active', refreshLeaseUntil: null });

    // The grant survived: the stored refresh token is the live one.
    const later = await refreshConnection(herald.deps, { connectionId, trigger: 'user' });
    expect(provider.tokenRequests()).toBe(2);
    expect(await userinfoStatus(later.accessToken)).toBe(200);
    expect(provider.revokedGrants).toEqual([]);
  });

  it('a replayed rotated refresh token revokes the grant; Herald then marks the connection expired', async () => {
    const connectionId = await connect('dave');
    const original = decrypt((await connectionRow(connectionId)).refreshToken)!;
    const fresh = await refreshConnection(herald.deps, { connectionId, trigger: 'user' });
    expect(await userinfoStatus(fresh.accessToken)).toBe(200);
    provider.forget();

    // A stale copy of the first refresh token comes back: the provider refuses it and revokes the
    // whole grant, including the tokens Herald holds now.
    const replay = await replayRefreshToken(original);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect(provider.grantErrors).toEqual(['refresh token already used']);
    expect(provider.revokedGrants).toHaveLength(1);
    expect(await userinfoStatus(fresh.accessToken)).toBe(401);

    const refused = await refreshConnection(herald.deps, { connectionId, trigger: 'user' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(PlatformError);
    expect(refused).toMatchObject({ kind: 'auth', code: 'invalid_grant' });

    const res = await herald.app.inject({
      method: 'GET',
      url: `/api/workspaces/${ws()}/connections`,
      headers: team.user.headers,
    });
    const view = (
      res.json() as { items: { id: string; status: string; health: string; lastError: string }[] }
    ).items.find((c) => c.id === connectionId)!;
    expect(view).toMatchObject({ status: 'expired', health: 'unhealthy' });
    expect(view.lastError).toBe(
      'token refresh refused: refresh: the test provider answered 400 invalid_grant: grant request is invalid',
    );
  });

  it('refuses a code presented with another flow’s PKCE verifier, and says so', async () => {
    // Two flows started; the user completes the first, but the code comes back under the second's
    // state, so Herald sends the second flow's verifier with the first flow's code.
    const first = await startConnect();
    const second = new URL(await startConnect());
    const back = new URL(
      await authorizeAtProvider(first, { account: 'erin', decision: 'consent', callbackPrefix: callbackUrl }),
    );
    back.searchParams.set('state', second.searchParams.get('state')!);
    provider.forget();

    const landed = await arriveAtCallback(back.toString());

    expect(landed.searchParams.get('connected')).toBeNull();
    expect(landed.searchParams.get('error')).toBe(
      'Test provider refused the connection: exchange code: the test provider answered 400 invalid_grant: grant request is invalid',
    );
    expect(provider.grantErrors).toEqual(['code_verifier does not match code_challenge']);
    const erin = await herald.deps.db
      .select({ id: connections.id })
      .from(connections)
      .where(and(eq(connections.platform, PLATFORM), eq(connections.externalAccountId, 'erin')));
    expect(erin).toEqual([]);
  });

  it('reports a user who cancels at the provider as a denied authorization', async () => {
    const back = await authorizeAtProvider(await startConnect(), {
      account: 'frank',
      decision: 'deny',
      callbackPrefix: callbackUrl,
    });
    expect(new URL(back).searchParams.get('error')).toBe('access_denied');

    const landed = await arriveAtCallback(back);

    expect(landed.pathname).toBe('/channels');
    expect(landed.searchParams.get('connected')).toBeNull();
    expect(landed.searchParams.get('error')).toBe('authorization was denied on the platform');
  });
});

/**
 * Deps for one more worker process on `herald`'s database: its own connection pool on PostgreSQL;
 * on the embedded database, which belongs to one process, the same handle.
 */
async function startWorkerDeps(
  herald: TestHerald,
  overrides: { clock: Clock; fetch: FetchLike },
): Promise<{ deps: Deps; close(): Promise<void> }> {
  const config = herald.deps.config;
  const database =
    config.database.kind === 'postgres'
      ? await openDatabase({ kind: 'postgres', url: config.database.url, poolSize: 2 })
      : herald.deps.database;
  const deps = await createDeps(config, {
    database,
    skipMigrations: true,
    log: herald.deps.log,
    platforms: herald.deps.platforms,
    ...overrides,
  });
  return {
    deps,
    async close() {
      await deps.close();
      if (database !== herald.deps.database) await database.close();
    },
  };
}
