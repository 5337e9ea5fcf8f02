/**
 * Every Mastodon server is its own OAuth authorization server, so Herald needs one OAuth app per
 * instance. Mastodon lets anyone register one (`POST /api/v1/apps`, no account needed): when an
 * admin adds an instance, or a member connects an account on an instance Herald has no app for yet,
 * the core calls the adapter's `registerApp` (this function) once and stores the answer as a
 * platform app whose `baseUrl` is the instance, `clientId`/`clientSecret` are the ones returned and
 * `scopes` are the ones registered. The adapter then treats that instance like any OAuth platform.
 */
import { z } from 'zod';
import type { FetchLike, RegisteredApp } from '../types.ts';
import { call } from './api.ts';

/** Enough to post, upload media, read the account and its statuses (for reconcile and metrics). */
export const DEFAULT_SCOPES = ['read:accounts', 'read:statuses', 'write:statuses', 'write:media'];

const registered = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  scopes: z.array(z.string()).optional(),
});

const serverMetadata = z.object({ code_challenge_methods_supported: z.array(z.string()).optional() });

export type RegisteredMastodonApp = RegisteredApp & {
  /** Whether the instance said it accepts PKCE S256 (Mastodon ≥ 4.3); older ones ignore the parameters. */
  supportsPkce: boolean;
};

export async function registerMastodonApp(options: {
  fetch: FetchLike;
  instanceUrl: string;
  redirectUri: string;
  clientName?: string;
  website?: string | null;
  scopes?: string[];
  signal?: AbortSignal;
  /** Herald's clock (for a refusal's retry time); the system clock when the caller has none. */
  now?: () => Date;
}): Promise<RegisteredMastodonApp> {
  const ctx = {
    app: { clientId: '', clientSecret: null, baseUrl: options.instanceUrl, scopes: [], settings: {} },
    fetch: options.fetch,
    signal: options.signal,
    now: options.now ?? (() => new Date()),
  };
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  const { data } = await call(ctx, registered, {
    what: 'register app',
    method: 'POST',
    path: '/api/v1/apps',
    json: {
      client_name: options.clientName ?? 'Herald',
      redirect_uris: options.redirectUri,
      scopes: scopes.join(' '),
      ...(options.website ? { website: options.website } : {}),
    },
  });
  let supportsPkce = false;
  try {
    const metadata = await call(ctx, serverMetadata, {
      what: 'read OAuth server metadata',
      path: '/.well-known/oauth-authorization-server',
    });
    supportsPkce = metadata.data.code_challenge_methods_supported?.includes('S256') ?? false;
  } catch {
    // Before 4.3 there is no metadata document and no PKCE.
  }
  return {
    clientId: data.client_id,
    clientSecret: data.client_secret,
    scopes,
    settings: { supportsPkce },
    supportsPkce,
  };
}
