/** Helpers for sandbox tests: a listening Herald, an OAuth client, and a connected account. */
import { createHash, randomBytes } from 'node:crypto';
import { manualClock } from '../../src/lib/clock.ts';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import type {
  AdapterContext,
  Credentials,
  MediaItem,
  PublishRequest,
  TokenSet,
} from '../../src/platforms/types.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

export type Sandbox = {
  herald: TestHerald;
  clock: ReturnType<typeof manualClock>;
  /** e.g. http://127.0.0.1:1234/sandbox */
  base: string;
  close(): Promise<void>;
};

export async function startSandbox(): Promise<Sandbox> {
  const clock = manualClock(new Date('2030-01-01T12:00:00Z'));
  const herald = await startHerald({ overrides: { clock } });
  const address = await herald.listen();
  return { herald, clock, base: `${address}/sandbox`, close: () => herald.close() };
}

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export type Client = { clientId: string; clientSecret: string };

export async function registerClient(base: string, redirectUris = [REDIRECT_URI]): Promise<Client> {
  const res = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Herald test', redirect_uris: redirectUris }),
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}`);
  const body = (await res.json()) as { client_id: string; client_secret: string };
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

export function contextFor(base: string, client: Client, signal?: AbortSignal): AdapterContext {
  return {
    app: {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      baseUrl: base,
      scopes: [],
      settings: {},
    },
    fetch,
    signal,
    now: () => new Date(),
  };
}

export function pkce() {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The hidden and visible fields of the consent page's form, as a browser would submit them. */
export function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/g)) {
    fields[match[1]!] = match[2]!.replaceAll('&amp;', '&').replaceAll('&quot;', '"');
  }
  return fields;
}

/**
 * The whole browser part of the flow over plain HTTP: GET the consent page, submit its form as
 * `username` with `decision`, and read the redirect.
 */
export async function authorize(
  base: string,
  client: Client,
  options: { username?: string; decision?: 'authorize' | 'deny'; challenge: string; state?: string },
): Promise<URL> {
  const url = sandboxAdapter.authorizeUrl(contextFor(base, client), {
    redirectUri: REDIRECT_URI,
    state: options.state ?? 'state-123',
    codeChallenge: options.challenge,
    scopes: ['read', 'write'],
  });
  const page = await fetch(url);
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const fields = formFields(await page.text());
  fields.username = options.username ?? 'demo';
  fields.decision = options.decision ?? 'authorize';
  const res = await fetch(`${base}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** Authorises `username` and exchanges the code through the adapter. */
export async function connect(
  base: string,
  client: Client,
  username = 'demo',
): Promise<{ tokens: TokenSet; credentials: Credentials }> {
  const { verifier, challenge } = pkce();
  const redirect = await authorize(base, client, { username, challenge });
  const ctx = contextFor(base, client);
  const tokens = await sandboxAdapter.exchangeCode(ctx, {
    code: redirect.searchParams.get('code')!,
    codeVerifier: verifier,
    redirectUri: REDIRECT_URI,
  });
  const profile = await sandboxAdapter.profile(ctx, tokens);
  return {
    tokens,
    credentials: {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      accountId: profile.externalId,
      metadata: {},
    },
  };
}

export async function setKnobs(base: string, username: string, knobs: Record<string, unknown>) {
  const res = await fetch(`${base}/admin/accounts/${username}/knobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(knobs),
  });
  if (res.status !== 200) throw new Error(`knobs answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** A valid 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

export function mediaItem(options: Partial<MediaItem> & { bytes?: Uint8Array } = {}): MediaItem {
  const bytes = options.bytes ?? PNG;
  return {
    id: 'media-1',
    kind: 'image',
    mimeType: 'image/png',
    sizeBytes: bytes.length,
    altText: null,
    width: 1,
    height: 1,
    durationSeconds: null,
    publicUrl: null,
    read: async () => bytes,
    ...options,
  };
}

let counter = 0;

export function publishRequest(overrides: Partial<PublishRequest> = {}): PublishRequest {
  counter++;
  return {
    idempotencyKey: `target-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`,
    channel: { externalId: 'x', kind: 'profile', metadata: {} },
    text: `Hello from test ${counter} ${randomBytes(4).toString('hex')}`,
    title: null,
    media: [],
    options: {},
    state: null,
    ...overrides,
  };
}

/** Runs `fn` and returns what it threw. */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}
