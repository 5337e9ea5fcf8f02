import { randomToken, sha256 } from '../../crypto/hashing.ts';
import { sessions } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

export const SESSION_DAYS = 30;

/** What the browser gets: the cookie value (shown once, stored only as sha256) and the CSRF token. */
export type NewSession = { sessionToken: string; csrfToken: string; expiresAt: Date };

/** Starts a browser session for a user whose credentials were already checked. */
export async function createSession(
  deps: Deps,
  options: { userId: string; userAgent?: string | undefined },
): Promise<NewSession> {
  const now = deps.clock.now();
  const sessionToken = randomToken(32);
  const csrfToken = randomToken(32);
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 24 * 60 * 60 * 1000);
  await deps.db.insert(sessions).values({
    id: sha256(sessionToken),
    userId: options.userId,
    csrfToken,
    expiresAt,
    userAgent: options.userAgent?.slice(0, 512) ?? null,
    createdAt: now,
  });
  return { sessionToken, csrfToken, expiresAt };
}
