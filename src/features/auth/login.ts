import { eq } from 'drizzle-orm';
import { hashPassword, verifyPassword } from '../../crypto/hashing.ts';
import { users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from './audit.ts';
import { createSession, type NewSession } from './create-session.ts';
import { emailIs, type PublicUser, publicUserColumns } from './create-user.ts';
import { normaliseEmail } from './credentials.ts';
import { checkLoginRateLimit, recordLoginAttempt } from './login-rate-limit.ts';

// An unknown email still costs one argon2 verification, so response time does not reveal which
// emails have accounts.
let dummyHash: Promise<string> | undefined;
const hashToBurn = () => {
  dummyHash ??= hashPassword('herald-dummy-password-never-matches');
  return dummyHash;
};

/** The one message for a wrong email and a wrong password, so neither can be told apart. */
const wrongCredentials = () => new AppError('unauthenticated', 'wrong email or password');

/**
 * Checks an email and password and starts a session. Throws `rate_limited` (before any password is
 * verified) after too many failures for the email or the IP, `unauthenticated` on wrong credentials.
 */
export async function login(
  deps: Deps,
  options: { email: string; password: string; ip: string; userAgent?: string | undefined },
): Promise<{ user: PublicUser; session: NewSession }> {
  const email = normaliseEmail(options.email);
  const keys = { email, ip: options.ip };
  await checkLoginRateLimit(deps, keys);

  const [row] = await deps.db
    .select({ ...publicUserColumns, isActive: users.isActive, passwordHash: users.passwordHash })
    .from(users)
    .where(emailIs(email));
  const matches = await verifyPassword(row?.passwordHash ?? (await hashToBurn()), options.password);
  if (!row?.isActive || !matches) {
    await recordLoginAttempt(deps, { ...keys, succeeded: false });
    throw wrongCredentials();
  }

  await recordLoginAttempt(deps, { ...keys, succeeded: true });
  const now = deps.clock.now();
  await deps.db.update(users).set({ lastLoginAt: now }).where(eq(users.id, row.id));
  const session = await createSession(deps, { userId: row.id, userAgent: options.userAgent });
  await recordAudit(deps.db, {
    workspaceId: null,
    actorUserId: row.id,
    action: 'user.login',
    entityType: 'user',
    entityId: row.id,
    data: { ip: options.ip },
    at: now,
  });
  const user: PublicUser = {
    id: row.id,
    email: row.email,
    name: row.name,
    isInstanceAdmin: row.isInstanceAdmin,
  };
  return { user, session };
}
