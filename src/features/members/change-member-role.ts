import { and, eq } from 'drizzle-orm';
import { memberships, type Role } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';
import { ensureAnotherAdmin, lockWorkspace } from './last-admin.ts';
import { findMember, type Member } from './list-members.ts';

/** Changes a member's role; demoting the last admin is a `conflict`, a non-member `not_found`. */
export async function changeMemberRole(
  deps: Deps,
  options: { workspaceId: string; actorUserId: string | null; userId: string; role: Role },
): Promise<Member> {
  const { workspaceId, userId, role } = options;
  return deps.db.transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const member = await findMember(tx, { workspaceId, userId });
    if (!member) throw notFound('member');
    if (member.role === role) return member;
    if (member.role === 'admin') await ensureAnotherAdmin(tx, { workspaceId, userId, doing: 'demote' });
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
    await recordAudit(tx, {
      workspaceId,
      actorUserId: options.actorUserId,
      action: 'member.role_change',
      entityType: 'user',
      entityId: userId,
      data: { from: member.role, to: role },
      at: deps.clock.now(),
    });
    return { ...member, role };
  });
}
