/**
 * Login throttling, counted in `login_attempts` so it holds across processes and restarts.
 *
 * Failures are counted per email and per client IP over a sliding window; at `MAX_FAILURES` the key
 * is blocked until enough of them age out. A success clears the email's count (the person got in)
 * but not the IP's, so one valid account cannot be used to reset a password-spraying IP.
 * Attempts refused by the limit are not recorded: they were never checked, and recording them
 * would keep an account locked for as long as an attacker keeps knocking.
 */
import { and, desc, eq, gt, inArray, lt } from 'drizzle-orm';
import { loginAttempts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

export type LoginKeys = { email: string; ip: string };

const keysOf = (keys: LoginKeys) => [`email:${keys.email}`, `ip:${keys.ip}`];

/** When this key's failures drop below the limit, or null when it is not blocked. */
async function blockedUntil(deps: Deps, options: { key: string; since: Date }): Promise<Date | null> {
  // An email's count restarts at its last success, so its successes are read too; an IP's are not.
  const resetsOnSuccess = options.key.startsWith('email:');
  const rows = await deps.db
    .select({ createdAt: loginAttempts.createdAt, succeeded: loginAttempts.succeeded })
    .from(loginAttempts)
    .where(
      and(
        eq(loginAttempts.key, options.key),
        gt(loginAttempts.createdAt, options.since),
        resetsOnSuccess ? undefined : eq(loginAttempts.succeeded, false),
      ),
    )
    .orderBy(desc(loginAttempts.createdAt))
    .limit(MAX_FAILURES);
  if (rows.length < MAX_FAILURES || rows.some((row) => row.succeeded)) return null;
  // The key unblocks when the oldest of its newest MAX_FAILURES failures leaves the window.
  return new Date(rows[MAX_FAILURES - 1]!.createdAt.getTime() + WINDOW_MS);
}

/** Throws `rate_limited` (with `retryAfterSeconds`) when the email or the IP is blocked. */
export async function checkLoginRateLimit(deps: Deps, keys: LoginKeys): Promise<void> {
  const now = deps.clock.now();
  const since = new Date(now.getTime() - WINDOW_MS);
  let until: Date | null = null;
  for (const key of keysOf(keys)) {
    const blocked = await blockedUntil(deps, { key, since });
    if (blocked && (!until || blocked > until)) until = blocked;
  }
  if (until) {
    const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
    throw new AppError('rate_limited', 'too many failed login attempts; try again later', {
      retryAfterSeconds,
    });
  }
}

/** Records one checked attempt under both keys, and drops this key's rows older than the window. */
export async function recordLoginAttempt(
  deps: Deps,
  options: LoginKeys & { succeeded: boolean },
): Promise<void> {
  const now = deps.clock.now();
  const keys = keysOf(options);
  await deps.db.transaction(async (tx) => {
    await tx
      .delete(loginAttempts)
      .where(
        and(
          inArray(loginAttempts.key, keys),
          lt(loginAttempts.createdAt, new Date(now.getTime() - WINDOW_MS)),
        ),
      );
    await tx
      .insert(loginAttempts)
      .values(keys.map((key) => ({ key, succeeded: options.succeeded, createdAt: now })));
  });
}
