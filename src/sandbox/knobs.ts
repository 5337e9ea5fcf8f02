/**
 * Fault and latency knobs: per-account settings that make the sandbox misbehave on purpose, so tests
 * and benchmarks can exercise Herald's retries, timeouts and crash recovery against a platform that
 * fails the way real ones do. Stored as JSON on the account; `PUT /sandbox/admin/accounts/:u/knobs`
 * merges a patch (a `null` value removes the knob).
 */
import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { sandboxAccounts, sandboxGrants } from '../db/schema.ts';
import type { Deps } from '../deps.ts';

const ms = z.number().int().min(0).max(120_000);

export const knobsSchema = z.object({
  /** Delay before handling every API call. */
  latencyMs: ms,
  /** On `POST /api/posts`: store the post, then wait this long before answering. */
  latencyAfterCommitMs: ms,
  /** The next `count` API calls fail with `status`. */
  failNext: z.object({
    status: z.union([z.literal(500), z.literal(503), z.literal(429), z.literal(401)]),
    count: z.number().int().min(0),
  }),
  /** `Retry-After` of injected 429s (default 2). */
  retryAfterSeconds: z.number().int().min(0).max(3600),
  /** The next N API calls hang without answering until the client gives up (or 120 s). */
  timeoutNext: z.number().int().min(0),
  /**
   * Faults drawn at random on every API call, as fractions of calls (their sum at most 1):
   * `serverError` answers 500 or 503, `rateLimited` answers 429 with `Retry-After`, and `timeout`
   * hangs until the client gives up; on `POST /api/posts` the hang comes after the post is stored.
   */
  randomFaults: z
    .object({
      serverError: z.number().min(0).max(1).default(0),
      rateLimited: z.number().min(0).max(1).default(0),
      timeout: z.number().min(0).max(1).default(0),
    })
    .refine((r) => r.serverError + r.rateLimited + r.timeout <= 1, 'the rates must add up to at most 1'),
  /** Accept the same text again within 24 hours (the duplicate rule is off). */
  allowDuplicates: z.boolean(),
  /** Lifetime of access tokens issued from now on (default 3600). */
  accessTokenTtlSeconds: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3600),
  /** Speeds up the account's metrics and follower growth (1 = real time, 60 = an hour a minute). */
  timeScale: z.number().min(1).max(100_000),
  /** The posting bucket (default 1000 posts per 60 s). */
  rateLimit: z.object({
    limit: z.number().int().min(0),
    windowSeconds: z
      .number()
      .int()
      .min(1)
      .max(24 * 3600),
  }),
});

export type Knobs = Partial<z.infer<typeof knobsSchema>>;

/**
 * A patch: any knob, or `null` to remove it. `expireTokens: true` and `revokeTokens: true` are actions
 * rather than stored knobs: the first makes every access token the account holds right now stop
 * working (401) until it is refreshed; the second revokes every token of the account, refresh tokens
 * included, as when a person withdraws an app's access (the client must be authorised again).
 */
export const knobsPatchSchema = z
  .object({
    latencyMs: knobsSchema.shape.latencyMs.nullable(),
    latencyAfterCommitMs: knobsSchema.shape.latencyAfterCommitMs.nullable(),
    failNext: knobsSchema.shape.failNext.nullable(),
    retryAfterSeconds: knobsSchema.shape.retryAfterSeconds.nullable(),
    randomFaults: knobsSchema.shape.randomFaults.nullable(),
    allowDuplicates: knobsSchema.shape.allowDuplicates.nullable(),
    timeoutNext: knobsSchema.shape.timeoutNext.nullable(),
    accessTokenTtlSeconds: knobsSchema.shape.accessTokenTtlSeconds.nullable(),
    rateLimit: knobsSchema.shape.rateLimit.nullable(),
    timeScale: knobsSchema.shape.timeScale.nullable(),
    expireTokens: z.boolean(),
    revokeTokens: z.boolean(),
  })
  .partial()
  .strict();

export type KnobsPatch = z.infer<typeof knobsPatchSchema>;

/** Reads stored knobs, dropping anything that no longer parses. */
export function readKnobs(value: unknown): Knobs {
  const parsed = knobsSchema.partial().safeParse(value ?? {});
  return parsed.success ? parsed.data : {};
}

export async function updateKnobs(
  deps: Deps,
  options: { accountId: string; patch: KnobsPatch },
): Promise<{ knobs: Knobs; expiredTokens: number; revokedTokens: number }> {
  const { expireTokens, revokeTokens, ...stored } = options.patch;
  return deps.db.transaction(async (tx) => {
    // Merged in SQL so concurrent patches of different knobs do not overwrite each other.
    const [row] = await tx
      .update(sandboxAccounts)
      .set({ knobs: sql`jsonb_strip_nulls(${sandboxAccounts.knobs} || ${JSON.stringify(stored)}::jsonb)` })
      .where(eq(sandboxAccounts.id, options.accountId))
      .returning({ knobs: sandboxAccounts.knobs });
    let expiredTokens = 0;
    if (expireTokens) {
      const now = deps.clock.now();
      const expired = await tx
        .update(sandboxGrants)
        .set({ expiresAt: now })
        .where(
          and(
            eq(sandboxGrants.accountId, options.accountId),
            eq(sandboxGrants.kind, 'access'),
            isNull(sandboxGrants.revokedAt),
            gt(sandboxGrants.expiresAt, now),
          ),
        )
        .returning({ id: sandboxGrants.id });
      expiredTokens = expired.length;
    }
    let revokedTokens = 0;
    if (revokeTokens) {
      const revoked = await tx
        .update(sandboxGrants)
        .set({ revokedAt: deps.clock.now() })
        .where(
          and(
            eq(sandboxGrants.accountId, options.accountId),
            inArray(sandboxGrants.kind, ['access', 'refresh']),
            isNull(sandboxGrants.revokedAt),
          ),
        )
        .returning({ id: sandboxGrants.id });
      revokedTokens = revoked.length;
    }
    return { knobs: readKnobs(row?.knobs), expiredTokens, revokedTokens };
  });
}

const failCount = sql`coalesce((${sandboxAccounts.knobs}->'failNext'->>'count')::int, 0)`;
const timeoutCount = sql`coalesce((${sandboxAccounts.knobs}->>'timeoutNext')::int, 0)`;

/**
 * Consumes one injected failure, if any is left. One UPDATE, so two concurrent calls never both take
 * the last one (the row lock makes the second re-check the count).
 */
export async function takeInjectedFailure(
  deps: Deps,
  accountId: string,
): Promise<{ status: number; retryAfterSeconds: number } | null> {
  const [row] = await deps.db
    .update(sandboxAccounts)
    .set({ knobs: sql`jsonb_set(${sandboxAccounts.knobs}, '{failNext,count}', to_jsonb(${failCount} - 1))` })
    .where(and(eq(sandboxAccounts.id, accountId), sql`${failCount} > 0`))
    .returning({
      status: sql<number>`(${sandboxAccounts.knobs}->'failNext'->>'status')::int`,
      retryAfterSeconds: sql<number>`coalesce((${sandboxAccounts.knobs}->>'retryAfterSeconds')::int, 2)`,
    });
  return row ? { status: Number(row.status), retryAfterSeconds: Number(row.retryAfterSeconds) } : null;
}

export type RandomFault = 'server_error' | 'rate_limited' | 'timeout';

/** Draws this call's fault from the `randomFaults` rates; `draw` is a number in [0, 1). */
export function drawRandomFault(knobs: Knobs, draw: number): RandomFault | null {
  const rates = knobs.randomFaults;
  if (!rates) return null;
  if (draw < rates.serverError) return 'server_error';
  if (draw < rates.serverError + rates.rateLimited) return 'rate_limited';
  if (draw < rates.serverError + rates.rateLimited + rates.timeout) return 'timeout';
  return null;
}

/** Consumes one injected hang, if any is left. */
export async function takeInjectedTimeout(deps: Deps, accountId: string): Promise<boolean> {
  const rows = await deps.db
    .update(sandboxAccounts)
    .set({ knobs: sql`jsonb_set(${sandboxAccounts.knobs}, '{timeoutNext}', to_jsonb(${timeoutCount} - 1))` })
    .where(and(eq(sandboxAccounts.id, accountId), sql`${timeoutCount} > 0`))
    .returning({ id: sandboxAccounts.id });
  return rows.length > 0;
}
