/**
 * Counts what this process sends to PostgreSQL: every `query` call of node-postgres (Herald's pool and
 * pg-boss's both use it), and among them the `BEGIN`s that open explicit transactions. Counting on the
 * client side needs no server extension (`pg_stat_statements` must be preloaded, which a shared
 * server may not allow) and sees exactly the round trips Herald makes.
 */
import pg from 'pg';

export type StatementCount = { statements: number; transactions: number };

const counter: StatementCount = { statements: 0, transactions: 0 };
let installed = false;

/** Starts counting (idempotent); read with `statementCount()`. */
export function countStatements(): void {
  if (installed) return;
  installed = true;
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | null)?.text;
    counter.statements += 1;
    if (typeof text === 'string' && /^\s*begin\b/i.test(text)) counter.transactions += 1;
    return original.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

export function statementCount(): StatementCount {
  return { ...counter };
}
