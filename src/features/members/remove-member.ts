import { and, eq } from 'drizzle-orm';
import { memberships } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';
import { ensureAnotherAdmin, lockWorkspace } from './last-admin.ts';
import { findMember } from './list-members.ts';

/**
 * Removes a member from a workspace (the user account stays). Removing the last admin is a
 * `conflict`, a non-member `not_found`.
 */
export async function removeMember(
  deps: Deps,
  options: { workspaceId: string; actorUserId: string | null; userId: string },
): Promise<void> {
  const { workspaceId, userId } = options;
  await deps.db.transaction(async (tx) => {
    await lockWorkspace(tx, workspaceId);
    const member = await findMember(tx, { workspaceId, userId });
    if (!member) throw notFound('member');
    if (member.role === 'admin') await ensureAnotherAdmin(tx, { workspaceId, userId, doing: 'remove' });
    await tx
      .delete(memberships)
      .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)));
    await recordAudit(tx, {
      workspaceId,
      actorUserId: options.actorUserId,
      action: 'member.remove',
      entityType: 'user',
      entityId: userId,
      data: { email: member.email, role: member.role },
      at: deps.clock.now(),
    });
  });
}
