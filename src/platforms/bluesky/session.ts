/**
 * Bluesky sessions from an app password. `createSession` logs in (tightly rate limited: reuse the
 * session), `refreshSession` trades the refresh JWT for a new pair (the old refresh JWT stops
 * working: rotation), `getSession` says who a token belongs to.
 *
 * The adapter is a credentials adapter: the user types an identifier (a handle, an email or a DID)
 * and an app password into Herald's sign-in form, and `createSession` logs in with them.
 */
import { z } from 'zod';
import { type AdapterContext, PlatformError, type TokenSet } from '../types.ts';
import { xrpc } from './api.ts';

const sessionReply = z.object({
  accessJwt: z.string().min(1),
  refreshJwt: z.string().min(1),
  handle: z.string(),
  did: z.string(),
  didDoc: z.unknown().optional(),
  active: z.boolean().optional(),
  status: z.string().optional(),
});

export const whoAmIReply = z.object({
  handle: z.string(),
  did: z.string(),
  didDoc: z.unknown().optional(),
  active: z.boolean().optional(),
  status: z.string().optional(),
});

/** A JWT's claims, read without verifying (the PDS verifies; Herald only needs `exp` and `scope`). */
function claimsOf(jwt: string): { exp?: number; scope?: string } {
  try {
    const payload = jwt.split('.')[1] ?? '';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as { exp?: number; scope?: string }) : {};
  } catch {
    return {};
  }
}

function tokenSetOf(session: z.infer<typeof sessionReply>): TokenSet {
  if (session.active === false) {
    throw new PlatformError({
      kind: 'auth',
      code: session.status ?? 'AccountInactive',
      message: `the Bluesky account is not active${session.status ? ` (${session.status})` : ''}`,
    });
  }
  const claims = claimsOf(session.accessJwt);
  return {
    accessToken: session.accessJwt,
    refreshToken: session.refreshJwt,
    // The PDS issues 2-hour access tokens; their own `exp` says exactly when.
    expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null,
    scopes: typeof claims.scope === 'string' ? [claims.scope] : [],
  };
}

/** Logs in with an identifier (handle, email or DID) and an app password. */
export async function createSession(
  ctx: AdapterContext,
  credentials: { identifier: string; password: string },
): Promise<TokenSet> {
  const identifier = credentials.identifier.trim().replace(/^@/, '');
  const password = credentials.password.trim();
  if (!identifier || !password) {
    throw new PlatformError({
      kind: 'invalid',
      message: 'Bluesky connects with a handle (or email) and an app password',
    });
  }
  const { data } = await xrpc(ctx, sessionReply, {
    what: 'log in',
    nsid: 'com.atproto.server.createSession',
    json: { identifier, password },
    bucket: 'session',
  });
  return tokenSetOf(data);
}

export async function refreshSession(ctx: AdapterContext, refreshJwt: string): Promise<TokenSet> {
  const { data } = await xrpc(ctx, sessionReply, {
    what: 'refresh session',
    nsid: 'com.atproto.server.refreshSession',
    method: 'POST',
    token: refreshJwt,
    bucket: 'session',
  });
  return tokenSetOf(data);
}

export async function getSession(ctx: AdapterContext, accessJwt: string) {
  const { data } = await xrpc(ctx, whoAmIReply, {
    what: 'read session',
    nsid: 'com.atproto.server.getSession',
    token: accessJwt,
  });
  return data;
}

/** The account's PDS from its DID document (`#atproto_pds` service), when the session carried one. */
export function pdsOf(didDoc: unknown): string | null {
  const services = (didDoc as { service?: unknown } | null)?.service;
  if (!Array.isArray(services)) return null;
  for (const s of services as { id?: unknown; type?: unknown; serviceEndpoint?: unknown }[]) {
    const isPds = s.id === '#atproto_pds' || (typeof s.id === 'string' && s.id.endsWith('#atproto_pds'));
    if (isPds && typeof s.serviceEndpoint === 'string' && URL.canParse(s.serviceEndpoint))
      return s.serviceEndpoint;
  }
  return null;
}
