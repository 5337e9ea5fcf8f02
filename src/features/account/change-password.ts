/**
 * A signed-in person changes their own password, giving the current one. Every other session of
 * theirs ends (a thief's included); the session they changed it from stays.
 */
import { and, eq, ne } from 'drizzle-orm';
import { hashPassword, verifyPassword } from '../../crypto/hashing.ts';
import { sessions, users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { checkNewPassword } from '../auth/credentials.ts';

export async function changePassword(
  deps: Deps,
  options: { userId: string; currentPassword: string; newPassword: string; keepSessionId: string | null },
): Promise<{ endedSessions: number }> {
  const [user] = await deps.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, options.userId));
  if (!user) throw notFound('user');
  if (!(await verifyPassword(user.passwordHash, options.currentPassword))) {
    throw new AppError('invalid', 'currentPassword: not your current password', {
      issues: [{ path: 'currentPassword', message: 'not your current password' }],
    });
  }
  checkNewPassword(options.newPassword);
  const passwordHash = await hashPassword(options.newPassword);
  return deps.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash, updatedAt: deps.clock.now() })
      .where(eq(users.id, options.userId));
    const ended = await tx
      .delete(sessions)
      .where(
        options.keepSessionId
          ? and(eq(sessions.userId, options.userId), ne(sessions.id, options.keepSessionId))
          : eq(sessions.userId, options.userId),
      )
      .returning({ id: sessions.id });
    return { endedSessions: ended.length };
  });
}
