import { eq, sql } from 'drizzle-orm';
import { hashPassword } from '../../crypto/hashing.ts';
import type { Queryable } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from './audit.ts';
import { checkNewPassword, normaliseEmail, parseEmail } from './credentials.ts';
import { isUniqueViolation } from './db-errors.ts';

/** A user as every reply shows it: never the password hash. */
export type PublicUser = { id: string; email: string; name: string; isInstanceAdmin: boolean };

export const publicUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  isInstanceAdmin: users.isInstanceAdmin,
};

/** The condition matching a user's email case-insensitively (uses `users_email_lower_idx`). */
export const emailIs = (email: string) => eq(sql`lower(${users.email})`, normaliseEmail(email));

/** Finds a user by email, case-insensitively. */
export async function findUserByEmail(db: Queryable, email: string): Promise<PublicUser | undefined> {
  const [user] = await db.select(publicUserColumns).from(users).where(emailIs(email));
  return user;
}

/**
 * Inserts a user whose password is already hashed (hash outside any transaction: argon2 is slow on
 * purpose). A taken email is a `conflict`.
 */
export async function insertUser(
  db: Queryable,
  options: { email: string; name: string; passwordHash: string; isInstanceAdmin?: boolean },
): Promise<PublicUser> {
  try {
    const [user] = await db
      .insert(users)
      .values({
        email: parseEmail(options.email),
        name: options.name,
        passwordHash: options.passwordHash,
        isInstanceAdmin: options.isInstanceAdmin ?? false,
      })
      .returning(publicUserColumns);
    return user!;
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_lower_idx')) {
      throw new AppError('conflict', 'a user with this email already exists', { field: 'email' });
    }
    throw error;
  }
}

/** Display name for a user created without one: the email's local part. */
export const defaultName = (email: string) => email.split('@')[0] || email;

/**
 * Creates a user with an argon2id password hash, for the CLI. (`addMember` creates users inside its
 * own transaction with `insertUser`; the first user of an instance comes from `setupInstance`.)
 */
export async function createUser(
  deps: Deps,
  options: {
    email: string;
    password: string;
    name?: string | undefined;
    isInstanceAdmin?: boolean;
    actorUserId?: string | null;
  },
): Promise<PublicUser> {
  const email = parseEmail(options.email);
  checkNewPassword(options.password);
  const passwordHash = await hashPassword(options.password);
  return deps.db.transaction(async (tx) => {
    const user = await insertUser(tx, {
      email,
      name: options.name?.trim() || defaultName(email),
      passwordHash,
      isInstanceAdmin: options.isInstanceAdmin ?? false,
    });
    await recordAudit(tx, {
      workspaceId: null,
      actorUserId: options.actorUserId ?? null,
      action: 'user.create',
      entityType: 'user',
      entityId: user.id,
      data: { email: user.email, isInstanceAdmin: user.isInstanceAdmin },
      at: deps.clock.now(),
    });
    return user;
  });
}
