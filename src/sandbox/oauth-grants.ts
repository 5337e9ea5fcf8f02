/**
 * Authorization codes, access tokens and refresh tokens. Only sha256 hashes are stored.
 *
 * Every token issued from one authorisation shares a `family`. Refresh tokens rotate: a refresh
 * marks the presented token used and issues a new one. Presenting a used refresh token (or code)
 * again means it leaked or a client raced itself, so the whole family is revoked (RFC 6749 §10.4,
 * OAuth 2.1 §4.3.1), including its access tokens.
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { randomToken, sha256 } from '../crypto/hashing.ts';
import type { Queryable } from '../db/client.ts';
import { sandboxAccounts, sandboxGrants } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { SandboxAccount } from './accounts.ts';
import { readKnobs } from './knobs.ts';

export const CODE_TTL_SECONDS = 10 * 60;
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 90 * 24 * 3600;

export type TokenReply = {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
};

/** RFC 6749 §5.2 error codes the token endpoint uses. */
export type TokenError = {
  error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type';
  error_description: string;
};

export type TokenResult = { ok: true; tokens: TokenReply } | { ok: false; error: TokenError };

const invalidGrant = (description: string): TokenResult => ({
  ok: false,
  error: { error: 'invalid_grant', error_description: description },
});

const addSeconds = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);

/** PKCE S256 (RFC 7636 §4.6). */
export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

const verifierShape = /^[A-Za-z0-9\-._~]{43,128}$/;

export async function issueCode(
  deps: Deps,
  options: {
    clientId: string;
    accountId: string;
    redirectUri: string;
    codeChallenge: string;
    scope: string;
  },
): Promise<string> {
  const code = `sbx_code_${randomToken(24)}`;
  const now = deps.clock.now();
  await deps.db.insert(sandboxGrants).values({
    clientId: options.clientId,
    accountId: options.accountId,
    kind: 'code',
    tokenHash: sha256(code),
    codeChallenge: options.codeChallenge,
    redirectUri: options.redirectUri,
    scope: options.scope,
    family: randomUUID(),
    expiresAt: addSeconds(now, CODE_TTL_SECONDS),
    createdAt: now,
  });
  return code;
}

async function issueTokens(
  db: Queryable,
  options: { clientId: string; account: SandboxAccount; family: string; scope: string; now: Date },
): Promise<TokenReply> {
  const ttl = readKnobs(options.account.knobs).accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const accessToken = `sbx_at_${randomToken(32)}`;
  const refreshToken = `sbx_rt_${randomToken(32)}`;
  const common = {
    clientId: options.clientId,
    accountId: options.account.id,
    scope: options.scope,
    family: options.family,
    createdAt: options.now,
  };
  await db.insert(sandboxGrants).values([
    { ...common, kind: 'access', tokenHash: sha256(accessToken), expiresAt: addSeconds(options.now, ttl) },
    {
      ...common,
      kind: 'refresh',
      tokenHash: sha256(refreshToken),
      expiresAt: addSeconds(options.now, REFRESH_TOKEN_TTL_SECONDS),
    },
  ]);
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ttl,
    refresh_token: refreshToken,
    scope: options.scope,
  };
}

async function revokeFamily(db: Queryable, family: string, now: Date): Promise<void> {
  await db
    .update(sandboxGrants)
    .set({ revokedAt: now })
    .where(and(eq(sandboxGrants.family, family), isNull(sandboxGrants.revokedAt)));
}

/** Marks a grant used; false if someone else got there first. */
async function claim(db: Queryable, grantId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(sandboxGrants)
    .set({ usedAt: now })
    .where(and(eq(sandboxGrants.id, grantId), isNull(sandboxGrants.usedAt)))
    .returning({ id: sandboxGrants.id });
  return rows.length > 0;
}

async function findGrant(db: Queryable, kind: 'code' | 'refresh', token: string) {
  const [row] = await db
    .select({ grant: sandboxGrants, account: sandboxAccounts })
    .from(sandboxGrants)
    .innerJoin(sandboxAccounts, eq(sandboxAccounts.id, sandboxGrants.accountId))
    .where(and(eq(sandboxGrants.tokenHash, sha256(token)), eq(sandboxGrants.kind, kind)));
  return row ?? null;
}

export async function exchangeCode(
  deps: Deps,
  options: { clientId: string; code: string; redirectUri: string; codeVerifier: string },
): Promise<TokenResult> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const found = await findGrant(tx, 'code', options.code);
    if (!found || found.grant.clientId !== options.clientId)
      return invalidGrant('unknown authorization code');
    const { grant, account } = found;
    if (grant.revokedAt) return invalidGrant('the authorization code was revoked');
    if (grant.usedAt) {
      // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
      await revokeFamily(tx, grant.family, now);
      return invalidGrant('the authorization code was already used; its tokens are revoked');
    }
    if (grant.expiresAt <= now) return invalidGrant('the authorization code expired');
    if (grant.redirectUri !== options.redirectUri) {
      return invalidGrant('redirect_uri does not match the authorization request');
    }
    if (!verifierShape.test(options.codeVerifier) || s256(options.codeVerifier) !== grant.codeChallenge) {
      return invalidGrant('code_verifier does not match the code challenge');
    }
    if (!(await claim(tx, grant.id, now))) {
      await revokeFamily(tx, grant.family, now);
      return invalidGrant('the authorization code was already used; its tokens are revoked');
    }
    const tokens = await issueTokens(tx, {
      clientId: grant.clientId,
      account,
      family: grant.family,
      scope: grant.scope,
      now,
    });
    return { ok: true, tokens };
  });
}

export async function refreshTokens(
  deps: Deps,
  options: { clientId: string; refreshToken: string },
): Promise<TokenResult> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const found = await findGrant(tx, 'refresh', options.refreshToken);
    if (!found || found.grant.clientId !== options.clientId) return invalidGrant('unknown refresh token');
    const { grant, account } = found;
    if (grant.revokedAt) return invalidGrant('the refresh token was revoked');
    // Losing the claim race is reuse too: two refreshes with one token cannot both be honest.
    if (grant.usedAt || !(await claim(tx, grant.id, now))) {
      await revokeFamily(tx, grant.family, now);
      return invalidGrant('the refresh token was already used; every token of this grant is revoked');
    }
    if (grant.expiresAt <= now) return invalidGrant('the refresh token expired');
    const tokens = await issueTokens(tx, {
      clientId: grant.clientId,
      account,
      family: grant.family,
      scope: grant.scope,
      now,
    });
    return { ok: true, tokens };
  });
}

/** The account behind a live access token, or null if it is unknown, expired or revoked. */
export async function accountForAccessToken(deps: Deps, token: string): Promise<SandboxAccount | null> {
  const [row] = await deps.db
    .select({
      account: sandboxAccounts,
      expiresAt: sandboxGrants.expiresAt,
      revokedAt: sandboxGrants.revokedAt,
    })
    .from(sandboxGrants)
    .innerJoin(sandboxAccounts, eq(sandboxAccounts.id, sandboxGrants.accountId))
    .where(and(eq(sandboxGrants.tokenHash, sha256(token)), eq(sandboxGrants.kind, 'access')));
  if (!row || row.revokedAt || row.expiresAt <= deps.clock.now()) return null;
  return row.account;
}
