import { randomToken, sha256 } from '../../crypto/hashing.ts';
import { apiTokens } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField } from '../../errors.ts';
import { recordAudit } from '../auth/audit.ts';

/** Every API token starts with this, so secret scanners and people can recognise one. */
export const TOKEN_PREFIX = 'hrld_';
/** How much of a token is kept in clear to tell tokens apart in lists: `hrld_` + 7 characters. */
const DISPLAY_PREFIX_LENGTH = 12;
export const MAX_EXPIRY_DAYS = 3650;

export type NewApiToken = {
  id: string;
  name: string;
  prefix: string;
  /** The token itself: returned here once and never again (only its sha256 is stored). */
  token: string;
  expiresAt: Date | null;
  createdAt: Date;
};

/** Creates an API token for a user; without `expiresInDays` it never expires. */
export async function createApiToken(
  deps: Deps,
  options: { userId: string; name: string; expiresInDays?: number | undefined },
): Promise<NewApiToken> {
  const name = options.name.trim();
  if (!name) throw invalidField('name', 'must not be empty');
  const days = options.expiresInDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS)) {
    throw invalidField('expiresInDays', `must be a whole number from 1 to ${MAX_EXPIRY_DAYS}`);
  }
  const now = deps.clock.now();
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const expiresAt = days === undefined ? null : new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({
        userId: options.userId,
        name,
        tokenHash: sha256(token),
        prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
        expiresAt,
        createdAt: now,
      })
      .returning({
        id: apiTokens.id,
        name: apiTokens.name,
        prefix: apiTokens.prefix,
        expiresAt: apiTokens.expiresAt,
        createdAt: apiTokens.createdAt,
      });
    await recordAudit(tx, {
      workspaceId: null,
      actorUserId: options.userId,
      action: 'api_token.create',
      entityType: 'api_token',
      entityId: row!.id,
      data: { name, prefix: row!.prefix, expiresAt: expiresAt?.toISOString() ?? null },
      at: now,
    });
    return { ...row!, token };
  });
}
