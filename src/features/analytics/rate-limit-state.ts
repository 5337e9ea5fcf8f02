/**
 * The platform's rate-limit state as Herald last heard it (the `rate_limits` table the publishing
 * engine keeps). Metric reads run below publishing: they leave the last part of every bucket to
 * publishes, and wait for the reset instead of spending it.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { rateLimits } from '../../db/schema.ts';
import type { RateLimitInfo } from '../../platforms/types.ts';

/** The share of a bucket checks never use: it stays for publishing. */
export const PUBLISH_RESERVE_FRACTION = 0.2;

/** When a bucket is (nearly) spent until a reset still ahead, that reset; else null. */
export async function checkBlockedUntil(
  db: Queryable,
  options: { connectionId: string; now: Date },
): Promise<{ until: Date; bucket: string } | null> {
  const [row] = await db
    .select({ resetAt: rateLimits.resetAt, bucket: rateLimits.bucket })
    .from(rateLimits)
    .where(
      and(
        eq(rateLimits.connectionId, options.connectionId),
        gt(rateLimits.resetAt, options.now),
        sql`${rateLimits.remaining} <= floor(coalesce(${rateLimits.limit}, 0) * ${sql.raw(String(PUBLISH_RESERVE_FRACTION))})`,
      ),
    )
    .orderBy(asc(rateLimits.resetAt))
    .limit(1);
  return row?.resetAt ? { until: row.resetAt, bucket: row.bucket } : null;
}

/** Stores what a platform said about a bucket. */
export async function recordRateLimit(db: Queryable, connectionId: string, info: RateLimitInfo | null) {
  if (!info) return;
  await db
    .insert(rateLimits)
    .values({
      connectionId,
      bucket: info.bucket,
      limit: info.limit,
      remaining: info.remaining,
      resetAt: info.resetAt,
    })
    .onConflictDoUpdate({
      target: [rateLimits.connectionId, rateLimits.bucket],
      set: { limit: info.limit, remaining: info.remaining, resetAt: info.resetAt, updatedAt: sql`now()` },
    });
}
