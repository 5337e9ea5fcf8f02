/** Sandbox accounts: created on first sign-in at the consent page, or by the admin endpoint. */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { sha256 } from '../crypto/hashing.ts';
import { sandboxAccounts } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

export type SandboxAccount = typeof sandboxAccounts.$inferSelect;

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_]{1,30}$/, 'use 1 to 30 letters, digits or underscores');

/** A stable, plausible follower count, so profiles differ without any randomness in tests. */
const followersFor = (username: string) => Number.parseInt(sha256(username).slice(0, 8), 16) % 5000;

export async function findAccount(deps: Deps, username: string): Promise<SandboxAccount | null> {
  const [account] = await deps.db
    .select()
    .from(sandboxAccounts)
    .where(eq(sandboxAccounts.username, username));
  return account ?? null;
}

/**
 * Returns the account, creating it if new. Insert-then-read, so two first sign-ins with the same
 * name at once end up with the same account.
 */
export async function ensureAccount(
  deps: Deps,
  options: { username: string; displayName?: string | undefined },
): Promise<{ account: SandboxAccount; created: boolean }> {
  const [created] = await deps.db
    .insert(sandboxAccounts)
    .values({
      username: options.username,
      displayName: options.displayName ?? options.username,
      followers: followersFor(options.username),
      createdAt: deps.clock.now(),
    })
    .onConflictDoNothing({ target: sandboxAccounts.username })
    .returning();
  if (created) return { account: created, created: true };
  const existing = await findAccount(deps, options.username);
  if (!existing) throw new AppError('internal', 'sandbox account vanished while being created');
  return { account: existing, created: false };
}

/** The account as `GET /api/me` shows it. */
export function describeAccount(account: SandboxAccount, base: string) {
  return {
    id: account.id,
    username: account.username,
    display_name: account.displayName,
    avatar_url: `${base}/avatars/${account.username}.svg`,
    followers: account.followers,
    url: `${base}/@${account.username}`,
    created_at: account.createdAt.toISOString(),
  };
}
