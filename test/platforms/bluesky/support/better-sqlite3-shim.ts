/**
 * The part of better-sqlite3's API the AT Protocol PDS uses (its constructor, `pragma`, and what
 * Kysely's SqliteDialect calls), served by Node's built-in `node:sqlite`.
 *
 * Why: better-sqlite3 is a V8 (not Node-API) addon, and this machine has Node 24 to run Herald but
 * only Node 20's headers to compile addons, so the compiled module cannot load in the test process.
 * The real-server suites redirect `better-sqlite3` here: the in-process PDS of
 * `bluesky/real-pds.test.ts` and `bluesky/real-appview.test.ts` (through Kysely) and the Ghost
 * child process of `ghost/real-ghost.test.ts` (through Knex). It is ESM, and also answers
 * `require()` with the class itself (the `module.exports` export name), as the CommonJS package
 * would.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';

type Params = unknown[] | Record<string, unknown> | undefined;

/** better-sqlite3 returns Buffers for blobs; node:sqlite returns plain Uint8Arrays. */
function toBuffers<T>(row: T): T {
  if (!row || typeof row !== 'object') return row;
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      (row as Record<string, unknown>)[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return row;
}

/** Positional parameters; `undefined` binds as NULL, as Knex's inserts expect of better-sqlite3. */
function args(params: Params): unknown[] {
  if (params === undefined) return [];
  const list = Array.isArray(params) ? params : [params];
  return list.map((v) => (v === undefined ? null : v));
}

/** SQLite's primary result codes, for errors shaped as better-sqlite3's (`code: 'SQLITE_CONSTRAINT'`). */
const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  13: 'SQLITE_FULL',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
};

function asBetterSqliteError(error: unknown): unknown {
  const e = error as { errcode?: unknown; code?: unknown } | null;
  if (e && typeof e.errcode === 'number') {
    const name = PRIMARY_CODES[e.errcode & 0xff];
    if (name) e.code = name;
  }
  return error;
}

function translated<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw asBetterSqliteError(error);
  }
}

class Statement {
  readonly reader: boolean;
  readonly #statement: StatementSync;
  constructor(statement: StatementSync) {
    this.#statement = statement;
    this.reader = statement.columns().length > 0;
  }
  all(params?: Params) {
    return translated(() => this.#statement.all(...(args(params) as never[])).map(toBuffers));
  }
  get(params?: Params) {
    return translated(() => toBuffers(this.#statement.get(...(args(params) as never[]))));
  }
  run(params?: Params) {
    const result = translated(() => this.#statement.run(...(args(params) as never[])));
    return { changes: Number(result.changes), lastInsertRowid: result.lastInsertRowid };
  }
  *iterate(params?: Params) {
    for (const row of this.#statement.iterate(...(args(params) as never[]))) yield toBuffers(row);
  }
}

class Database {
  readonly #db: DatabaseSync;
  constructor(location: string, options?: { timeout?: number }) {
    this.#db = new DatabaseSync(location, { timeout: options?.timeout ?? 0 });
  }
  pragma(source: string) {
    return this.#db.prepare(`PRAGMA ${source}`).all();
  }
  exec(source: string) {
    this.#db.exec(source);
    return this;
  }
  prepare(source: string) {
    return new Statement(translated(() => this.#db.prepare(source)));
  }
  close() {
    this.#db.close();
  }
}

export default Database;
export { Database as 'module.exports' };
