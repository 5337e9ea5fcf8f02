/**
 * Invites a person to a workspace: an unknown email becomes a user who cannot sign in until they
 * set a password through the one-time invitation link (nobody types a password for them); a person
 * who already has an account is simply added and needs no link.
 */
import { hashPassword, randomToken } from '../../crypto/hashing.ts';
import { memberships, type Role } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';
import { defaultName, findUserByEmail, insertUser } from '../auth/create-user.ts';
import { parseEmail } from '../auth/credentials.ts';
import { addMember } from '../members/add-member.ts';
import { findMember, type Member } from '../members/list-members.ts';
import { type AccountLink, issueAccountLink } from './issue-account-link.ts';

export async function inviteMember(
  deps: Deps,
  options: { workspaceId: string; actorUserId: string; email: string; role: Role; name?: string | undefined },
): Promise<{ member: Member; invitation: AccountLink | null }> {
  const email = parseEmail(options.email);
  if (await findUserByEmail(deps.db, email)) {
    const member = await addMember(deps, { ...options, email });
    return { member, invitation: null };
  }
  // A password nobody knows: the account is unusable until the link sets a real one.
  const passwordHash = await hashPassword(randomToken(32));
  return deps.db.transaction(async (tx) => {
    const user = await insertUser(tx, {
      email,
      name: options.name?.trim() || defaultName(email),
      passwordHash,
    });
    const added = await tx
      .insert(memberships)
      .values({ workspaceId: options.workspaceId, userId: user.id, role: options.role })
      .onConflictDoNothing()
      .returning({ userId: memberships.userId });
    if (!added.length) throw new AppError('conflict', `${email} is already a member of this workspace`);
    const invitation = await issueAccountLink(deps, tx, {
      userId: user.id,
      kind: 'invitation',
      workspaceId: options.workspaceId,
      createdBy: options.actorUserId,
    });
    await recordAudit(tx, {
      workspaceId: options.workspaceId,
      actorUserId: options.actorUserId,
      action: 'member.invite',
      entityType: 'user',
      entityId: user.id,
      data: { email, role: options.role },
      at: deps.clock.now(),
    });
    const member = (await findMember(tx, { workspaceId: options.workspaceId, userId: user.id }))!;
    return { member, invitation };
  });
}
