/**
 * An admin issues a one-time link for a member to set a new password (Herald sends no email: the
 * admin passes the link on). The member's sessions end when the link is used, not before, so a
 * mistaken reset locks nobody out.
 *
 * A workspace admin may reset only a member who belongs to no workspace they do not administer and
 * who is not an instance admin: otherwise an admin of one workspace could take over an account that
 * reaches further than theirs. Instance admins may reset anyone.
 */
import { and, eq, ne } from 'drizzle-orm';
import { memberships, users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';
import { type AccountLink, issueAccountLink } from './issue-account-link.ts';

export async function resetMemberPassword(
  deps: Deps,
  options: { workspaceId: string; actorUserId: string; actorIsInstanceAdmin: boolean; userId: string },
): Promise<AccountLink> {
  const [member] = await deps.db
    .select({ isInstanceAdmin: users.isInstanceAdmin })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.workspaceId, options.workspaceId), eq(memberships.userId, options.userId)));
  if (!member) throw notFound('member');
  if (!options.actorIsInstanceAdmin) {
    if (member.isInstanceAdmin) {
      throw new AppError('forbidden', 'only an instance admin can reset the password of an instance admin');
    }
    const elsewhere = await deps.db
      .select({ workspaceId: memberships.workspaceId })
      .from(memberships)
      .where(and(eq(memberships.userId, options.userId), ne(memberships.workspaceId, options.workspaceId)));
    const administered = new Set(
      (
        await deps.db
          .select({ workspaceId: memberships.workspaceId })
          .from(memberships)
          .where(and(eq(memberships.userId, options.actorUserId), eq(memberships.role, 'admin')))
      ).map((r) => r.workspaceId),
    );
    if (elsewhere.some((m) => !administered.has(m.workspaceId))) {
      throw new AppError(
        'forbidden',
        'this person also belongs to workspaces you do not administer; ask an instance admin to reset the password',
      );
    }
  }
  return deps.db.transaction(async (tx) => {
    const link = await issueAccountLink(deps, tx, {
      userId: options.userId,
      kind: 'password_reset',
      workspaceId: options.workspaceId,
      createdBy: options.actorUserId,
    });
    await recordAudit(tx, {
      workspaceId: options.workspaceId,
      actorUserId: options.actorUserId,
      action: 'member.password_reset_link',
      entityType: 'user',
      entityId: options.userId,
      data: { expiresAt: link.expiresAt.toISOString() },
      at: deps.clock.now(),
    });
    return link;
  });
}
