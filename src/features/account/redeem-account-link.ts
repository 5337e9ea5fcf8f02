/**
 * Sets a password from a one-time link (reset or invitation): the link must be unused and unexpired,
 * it is used up in the same transaction, and every session the person had ends.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import { hashPassword, sha256 } from '../../crypto/hashing.ts';
import { accountTokens, sessions, users, workspaces } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';
import { checkNewPassword } from '../auth/credentials.ts';

const GONE = 'this link is not valid: it was used, replaced or has expired; ask an admin for a new one';

async function findLink(deps: Deps, token: string) {
  const [row] = await deps.db
    .select({
      id: accountTokens.id,
      kind: accountTokens.kind,
      userId: accountTokens.userId,
      workspaceId: accountTokens.workspaceId,
      email: users.email,
      name: users.name,
      workspaceName: workspaces.name,
    })
    .from(accountTokens)
    .innerJoin(users, eq(users.id, accountTokens.userId))
    .leftJoin(workspaces, eq(workspaces.id, accountTokens.workspaceId))
    .where(
      and(
        eq(accountTokens.tokenHash, sha256(token)),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, deps.clock.now()),
      ),
    );
  if (!row) throw new AppError('not_found', GONE);
  return row;
}

/** What the link is for, to show before the person picks a password. */
export async function describeAccountLink(deps: Deps, options: { token: string }) {
  const { kind, email, name, workspaceName } = await findLink(deps, options.token);
  return { kind, email, name, workspaceName };
}

export async function redeemAccountLink(
  deps: Deps,
  options: { token: string; password: string },
): Promise<{ userId: string }> {
  checkNewPassword(options.password);
  const link = await findLink(deps, options.token);
  const passwordHash = await hashPassword(options.password);
  return deps.db.transaction(async (tx) => {
    // Used up exactly once, even when the form is sent twice at the same moment.
    const used = await tx
      .update(accountTokens)
      .set({ usedAt: deps.clock.now() })
      .where(and(eq(accountTokens.id, link.id), isNull(accountTokens.usedAt)))
      .returning({ id: accountTokens.id });
    if (!used.length) throw new AppError('not_found', GONE);
    await tx
      .update(users)
      .set({ passwordHash, isActive: true, updatedAt: deps.clock.now() })
      .where(eq(users.id, link.userId));
    await tx.delete(sessions).where(eq(sessions.userId, link.userId));
    if (link.workspaceId) {
      await recordAudit(tx, {
        workspaceId: link.workspaceId,
        actorUserId: link.userId,
        action: link.kind === 'invitation' ? 'member.accept_invitation' : 'member.reset_password',
        entityType: 'user',
        entityId: link.userId,
        data: {},
        at: deps.clock.now(),
      });
    }
    return { userId: link.userId };
  });
}
