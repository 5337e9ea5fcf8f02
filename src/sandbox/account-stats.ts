/**
 * An account's own figures on the sandbox (`GET /api/me/stats`). Deterministic, like post metrics:
 * followers grow from the account's starting count, quickly in its first days and then more slowly,
 * by its age on `deps.clock`, sped up by the account's `timeScale` knob.
 */
import { and, count, eq, isNull } from 'drizzle-orm';
import { sha256 } from '../crypto/hashing.ts';
import { sandboxAccounts, sandboxPosts } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { readKnobs } from './knobs.ts';

type Account = typeof sandboxAccounts.$inferSelect;

/** Followers at `now`: the starting count plus a logarithmic gain, never decreasing. */
export function followersAt(options: { account: Account; now: Date }): number {
  const { account } = options;
  const scale = readKnobs(account.knobs).timeScale ?? 1;
  const hours = Math.max(0, ((options.now.getTime() - account.createdAt.getTime()) / 3600_000) * scale);
  const pull = 20 + (Number.parseInt(sha256(account.id).slice(0, 6), 16) % 60);
  return account.followers + Math.floor(pull * Math.log2(1 + hours / 6));
}

export async function accountStats(deps: Deps, account: Account) {
  const [posts] = await deps.db
    .select({ n: count() })
    .from(sandboxPosts)
    .where(and(eq(sandboxPosts.accountId, account.id), isNull(sandboxPosts.deletedAt)));
  return {
    followers: followersAt({ account, now: deps.clock.now() }),
    following: 0,
    posts: Number(posts?.n ?? 0),
  };
}
