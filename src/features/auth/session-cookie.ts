/** The session cookie's flags, in one place for login, setup and logout. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.ts';
import { SESSION_COOKIE } from '../../http/auth.ts';
import type { NewSession } from './create-session.ts';

/**
 * Secure when the request came over HTTPS (`request.protocol` honours X-Forwarded-Proto, since
 * trustProxy is on) or the public URL is HTTPS, so a TLS-terminating proxy never downgrades it.
 */
function cookieOptions(deps: Deps, request: FastifyRequest) {
  const secure = request.protocol === 'https' || deps.config.publicUrl.startsWith('https://');
  return { httpOnly: true, sameSite: 'lax', path: '/', secure } as const;
}

export function setSessionCookie(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  session: NewSession,
): void {
  reply.setCookie(SESSION_COOKIE, session.sessionToken, {
    ...cookieOptions(deps, request),
    expires: session.expiresAt,
  });
}

export function clearSessionCookie(deps: Deps, request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(deps, request));
}
