import { hashPassword } from '../../crypto/hashing.ts';
import { memberships, type Role } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';
import { defaultName, findUserByEmail, insertUser } from '../auth/create-user.ts';
import { checkNewPassword, parseEmail } from '../auth/credentials.ts';
import { findMember, type Member } from './list-members.ts';

/**
 * Adds a user to a workspace by email. An existing user is added as they are; an unknown email
 * creates the user, which needs `password` (`invalid` naming it otherwise). A password for an
 * existing user is refused rather than ignored or applied: a workspace admin must not be able to
 * set another person's password, and silently dropping it would mislead the caller.
 */
export async function addMember(
  deps: Deps,
  options: {
    workspaceId: string;
    actorUserId: string | null;
    email: string;
    role: Role;
    name?: string | undefined;
    password?: string | undefined;
  },
): Promise<Member> {
  const email = parseEmail(options.email);
  const existing = await findUserByEmail(deps.db, email);
  if (existing && options.password !== undefined) {
    throw new AppError(
      'conflict',
      'a user with this email already exists; add them without a password (they keep their own)',
      { field: 'password' },
    );
  }
  if (!existing && options.password === undefined) {
    throw invalidField('password', 'no user has this email; give a password to create one');
  }
  let passwordHash: string | undefined;
  if (options.password !== undefined) {
    checkNewPassword(options.password);
    passwordHash = await hashPassword(options.password);
  }

  return deps.db.transaction(async (tx) => {
    const user =
      existing ??
      (await insertUser(tx, {
        email,
        name: options.name?.trim() || defaultName(email),
        passwordHash: passwordHash!,
      }));
    const added = await tx
      .insert(memberships)
      .values({ workspaceId: options.workspaceId, userId: user.id, role: options.role })
      .onConflictDoNothing()
      .returning({ userId: memberships.userId });
    if (!added.length) throw new AppError('conflict', `${email} is already a member of this workspace`);
    await recordAudit(tx, {
      workspaceId: options.workspaceId,
      actorUserId: options.actorUserId,
      action: 'member.add',
      entityType: 'user',
      entityId: user.id,
      data: { email: user.email, role: options.role, createdUser: !existing },
      at: deps.clock.now(),
    });
    return (await findMember(tx, { workspaceId: options.workspaceId, userId: user.id }))!;
  });
}
