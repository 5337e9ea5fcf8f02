/**
 * One-time links that let a person set a password: an admin's password reset, or an invitation for
 * a new member. Only a sha256 of the token is stored; the link is shown once. Issuing a new link of
 * a kind retires the user's earlier unused ones.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { randomToken, sha256 } from '../../crypto/hashing.ts';
import type { Queryable } from '../../db/client.ts';
import { type AccountTokenKind, accountTokens } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

/** How long a link works: a reset is urgent, an invitation may wait for the person to read it. */
export const LINK_LIFETIME_MS: Record<AccountTokenKind, number> = {
  password_reset: 24 * 3600_000,
  invitation: 7 * 24 * 3600_000,
};

export type AccountLink = { url: string; expiresAt: Date };

export async function issueAccountLink(
  deps: Deps,
  db: Queryable,
  options: { userId: string; kind: AccountTokenKind; workspaceId: string | null; createdBy: string | null },
): Promise<AccountLink> {
  const now = deps.clock.now();
  await db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountTokens.userId, options.userId),
        eq(accountTokens.kind, options.kind),
        isNull(accountTokens.usedAt),
      ),
    );
  const token = randomToken(32);
  const expiresAt = new Date(now.getTime() + LINK_LIFETIME_MS[options.kind]);
  await db.insert(accountTokens).values({
    userId: options.userId,
    kind: options.kind,
    tokenHash: sha256(token),
    workspaceId: options.workspaceId,
    createdBy: options.createdBy,
    expiresAt,
  });
  return { url: `${deps.config.publicUrl}/set-password/${token}`, expiresAt };
}
