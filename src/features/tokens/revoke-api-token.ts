import { and, eq, isNull } from 'drizzle-orm';
import { apiTokens } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';

/**
 * Revokes one of the user's tokens; it stops working on the next request. Another user's token is
 * `not_found`, like a missing one. Revoking an already revoked token changes nothing.
 */
export async function revokeApiToken(
  deps: Deps,
  options: { userId: string; tokenId: string },
): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const [token] = await tx
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(and(eq(apiTokens.id, options.tokenId), eq(apiTokens.userId, options.userId)));
    if (!token) throw notFound('API token');
    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.id, token.id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    if (!revoked.length) return;
    await recordAudit(tx, {
      workspaceId: null,
      actorUserId: options.userId,
      action: 'api_token.revoke',
      entityType: 'api_token',
      entityId: token.id,
      at: now,
    });
  });
}
