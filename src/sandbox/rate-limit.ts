/**
 * The posting bucket: at most `limit` posts per fixed window per account (default 1000 per 60 s,
 * generous because benchmarks publish hundreds per channel; the `rateLimit` knob lowers it).
 *
 * Counted as rows in sandbox.requests rather than in memory, so several Herald processes serving the
 * sandbox share one count. Windows are fixed and aligned to the epoch, so `X-RateLimit-Reset` is the
 * same for every call in a window (as on GitHub); each take prunes the account's rows from earlier
 * windows in the same statement, so the table holds at most one window per account. The count and
 * the insert are two statements: concurrent posts at the very edge of the limit can overshoot it by
 * a few, much as real platforms' distributed counters do.
 */
import { and, count, eq, gte, sql } from 'drizzle-orm';
import { sandboxRequests } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { Knobs } from './knobs.ts';

export const DEFAULT_POST_LIMIT = { limit: 1000, windowSeconds: 60 };

export type Bucket = { limit: number; remaining: number; resetAt: Date };

function windowOf(knobs: Knobs, now: Date) {
  const { limit, windowSeconds } = knobs.rateLimit ?? DEFAULT_POST_LIMIT;
  const windowMs = windowSeconds * 1000;
  const start = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  return { limit, start, resetAt: new Date(start.getTime() + windowMs) };
}

async function usedInWindow(deps: Deps, accountId: string, start: Date): Promise<number> {
  const [row] = await deps.db
    .select({ used: count() })
    .from(sandboxRequests)
    .where(
      and(
        eq(sandboxRequests.accountId, accountId),
        eq(sandboxRequests.bucket, 'posts'),
        gte(sandboxRequests.createdAt, start),
      ),
    );
  return Number(row?.used ?? 0);
}

/** The bucket as it stands, for the headers of calls that do not post. */
export async function readPostBucket(
  deps: Deps,
  options: { accountId: string; knobs: Knobs },
): Promise<Bucket> {
  const window = windowOf(options.knobs, deps.clock.now());
  const used = await usedInWindow(deps, options.accountId, window.start);
  return { limit: window.limit, remaining: Math.max(0, window.limit - used), resetAt: window.resetAt };
}

/** Takes one post from the bucket; `allowed: false` when it is empty (nothing is taken). */
export async function takePostSlot(
  deps: Deps,
  options: { accountId: string; knobs: Knobs },
): Promise<{ allowed: boolean; bucket: Bucket }> {
  const now = deps.clock.now();
  const window = windowOf(options.knobs, now);
  const used = await usedInWindow(deps, options.accountId, window.start);
  if (used >= window.limit) {
    return { allowed: false, bucket: { limit: window.limit, remaining: 0, resetAt: window.resetAt } };
  }
  await deps.db.execute(sql`
    with pruned as (
      delete from ${sandboxRequests}
      where ${sandboxRequests.accountId} = ${options.accountId}
        and ${sandboxRequests.bucket} = 'posts'
        and ${sandboxRequests.createdAt} < ${window.start.toISOString()}
    )
    insert into ${sandboxRequests} (account_id, bucket, created_at)
    values (${options.accountId}, 'posts', ${now.toISOString()})`);
  return {
    allowed: true,
    bucket: { limit: window.limit, remaining: Math.max(0, window.limit - used - 1), resetAt: window.resetAt },
  };
}

export function rateLimitHeaders(bucket: Bucket): Record<string, string> {
  return {
    'x-ratelimit-limit': String(bucket.limit),
    'x-ratelimit-remaining': String(bucket.remaining),
    'x-ratelimit-reset': String(Math.ceil(bucket.resetAt.getTime() / 1000)),
  };
}
