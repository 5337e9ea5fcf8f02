/**
 * The part of better-sqlite3's API the AT Protocol PDS uses (its constructor, `pragma`, and what
 * Kysely's SqliteDialect calls), served by Node's built-in `node:sqlite`.
 *
 * Why: better-sqlite3 is a V8 (not Node-API) addon, and this machine has Node 24 to run Herald but
 * only Node 20's headers to compile addons, so the compiled module cannot load in the test process.
 * `real-pds.test.ts` redirects `better-sqlite3` here for the in-process PDS only.
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

function args(params: Params): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}

class Statement {
  readonly reader: boolean;
  readonly #statement: StatementSync;
  constructor(statement: StatementSync) {
    this.#statement = statement;
    this.reader = statement.columns().length > 0;
  }
  all(params?: Params) {
    return this.#statement.all(...(args(params) as never[])).map(toBuffers);
  }
  get(params?: Params) {
    return toBuffers(this.#statement.get(...(args(params) as never[])));
  }
  run(params?: Params) {
    const result = this.#statement.run(...(args(params) as never[]));
    return { changes: Number(result.changes), lastInsertRowid: result.lastInsertRowid };
  }
  *iterate(params?: Params) {
    for (const row of this.#statement.iterate(...(args(params) as never[]))) yield toBuffers(row);
  }
}

export default class Database {
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
    return new Statement(this.#db.prepare(source));
  }
  close() {
    this.#db.close();
  }
}
