/** Recognising database errors the use-cases turn into `conflict`, on both PostgreSQL and PGlite. */

type PgErrorLike = { code?: unknown; constraint?: unknown; cause?: unknown };

/**
 * True when `error` (or an error it wraps: Drizzle wraps driver errors in `cause`) is a unique
 * violation, optionally of the named constraint or index.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (
    let e = error as PgErrorLike | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as PgErrorLike, depth++
  ) {
    if (e.code === '23505') return constraint === undefined || e.constraint === constraint;
  }
  return false;
}
