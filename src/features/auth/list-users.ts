import { asc } from 'drizzle-orm';
import { users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { type PublicUser, publicUserColumns } from './create-user.ts';

/** A user as the instance's user list shows them: never the password hash. */
export type UserSummary = PublicUser & { isActive: boolean; lastLoginAt: Date | null; createdAt: Date };

/** Every user of the instance, oldest first. */
export async function listUsers(deps: Deps): Promise<UserSummary[]> {
  return deps.db
    .select({
      ...publicUserColumns,
      isActive: users.isActive,
      lastLoginAt: users.lastLoginAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .orderBy(asc(users.createdAt), asc(users.email));
}
