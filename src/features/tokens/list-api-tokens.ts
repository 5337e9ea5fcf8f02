import { desc, eq } from 'drizzle-orm';
import { apiTokens } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

/** A token as lists show it: never the token or its hash. */
export type ApiTokenSummary = {
  id: string;
  name: string;
  prefix: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

/** The user's tokens, revoked and expired ones included (marked), newest first. */
export async function listApiTokens(deps: Deps, options: { userId: string }): Promise<ApiTokenSummary[]> {
  return deps.db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      lastUsedAt: apiTokens.lastUsedAt,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
      createdAt: apiTokens.createdAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.userId, options.userId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}
