/**
 * Who is calling, and may they touch this workspace? Resolved in one place for every route.
 *
 * A caller is authenticated by a session cookie (browser) or an `Authorization: Bearer` API token.
 * Cookie-authenticated writes must also carry the session's CSRF token in `X-CSRF-Token`; bearer
 * requests need none, since a browser never attaches them on its own.
 *
 * Workspace routes declare the access they need (`read`, `write`, `admin`) and the guard checks the
 * caller's membership: not a member → 404 (a foreign id is indistinguishable from a missing one),
 * a member without the role → 403.
 */
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sha256 } from '../crypto/hashing.ts';
import { apiTokens, memberships, type Role, sessions, users } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

export const SESSION_COOKIE = 'herald_session';
export const CSRF_HEADER = 'x-csrf-token';

export type AuthContext = {
  userId: string;
  isInstanceAdmin: boolean;
  via: 'session' | 'token';
  sessionId: string | null;
  csrfToken: string | null;
};

export type Access = 'read' | 'write' | 'admin' | 'public';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
    /** Set by the workspace guard on workspace routes. */
    membership: { workspaceId: string; role: Role } | null;
  }
  interface FastifyContextConfig {
    /** Access a workspace route needs; GET defaults to read, everything else to write. */
    access?: Access;
  }
}

const rank: Record<Role, number> = { viewer: 0, user: 1, admin: 2 };
const needed: Record<Exclude<Access, 'public'>, Role> = { read: 'viewer', write: 'user', admin: 'admin' };

async function resolveAuth(deps: Deps, request: FastifyRequest): Promise<AuthContext | null> {
  const now = deps.clock.now();
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const token = header.slice(7).trim();
    const [row] = await deps.db
      .select({ id: apiTokens.id, userId: apiTokens.userId, isInstanceAdmin: users.isInstanceAdmin })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(
        and(
          eq(apiTokens.tokenHash, sha256(token)),
          isNull(apiTokens.revokedAt),
          eq(users.isActive, true),
          or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
        ),
      );
    if (!row) throw new AppError('unauthenticated', 'the API token is invalid, expired or revoked');
    await deps.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
    return {
      userId: row.userId,
      isInstanceAdmin: row.isInstanceAdmin,
      via: 'token',
      sessionId: null,
      csrfToken: null,
    };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const [row] = await deps.db
    .select({
      id: sessions.id,
      userId: sessions.userId,
      csrfToken: sessions.csrfToken,
      isInstanceAdmin: users.isInstanceAdmin,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sha256(cookie)), gt(sessions.expiresAt, now), eq(users.isActive, true)));
  if (!row) return null;
  return {
    userId: row.userId,
    isInstanceAdmin: row.isInstanceAdmin,
    via: 'session',
    sessionId: row.id,
    csrfToken: row.csrfToken,
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Adds `request.auth` to every request, and the CSRF check for cookie-authenticated writes. */
export function installAuth(app: FastifyInstance, deps: Deps): void {
  app.decorateRequest('auth', null);
  app.decorateRequest('membership', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    request.auth = await resolveAuth(deps, request);
    if (request.auth?.via === 'session' && !SAFE_METHODS.has(request.method)) {
      if (request.headers[CSRF_HEADER] !== request.auth.csrfToken) {
        throw new AppError(
          'forbidden',
          'missing or wrong X-CSRF-Token header for a cookie-authenticated request',
        );
      }
    }
  });
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AppError('unauthenticated', 'log in or send an API token');
  return request.auth;
}

/**
 * The guard for every route under `/api/workspaces/:workspaceId`: registered once on that prefix, it
 * reads the route's `config.access` and the caller's membership.
 */
export function installWorkspaceGuard(app: FastifyInstance, deps: Deps): void {
  app.addHook('preHandler', async (request) => {
    const auth = requireAuth(request);
    const { workspaceId } = request.params as { workspaceId?: string };
    if (!workspaceId) return;
    const access: Access =
      request.routeOptions.config.access ?? (SAFE_METHODS.has(request.method) ? 'read' : 'write');
    const [member] = await deps.db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, auth.userId)));
    if (!member) throw new AppError('not_found', 'workspace not found');
    request.membership = { workspaceId, role: member.role };
    if (access === 'public') return;
    if (rank[member.role] < rank[needed[access]]) {
      throw new AppError(
        'forbidden',
        `this needs the ${needed[access]} role in the workspace; you are a ${member.role}`,
      );
    }
  });
}
