/**
 * Finishes a key rotation: re-seals with the current key (HERALD_SECRET_KEY) every stored secret
 * still sealed with a retired one (HERALD_OLD_SECRET_KEYS), so the retired key can be dropped.
 *
 * Each encrypted column is walked in primary-key order, a batch at a time, so no transaction spans a
 * table. Values that no configured key opens are reported by table, column and row id (never the
 * value) and left as they are. Running it again rewrites nothing — unless something wrote an old-key
 * value meanwhile: a process not yet restarted with the new key, or a refresh copying into token
 * history the ciphertext it read before this run rewrote it. Hence the README's "until a run
 * rewrites nothing" before the old key is dropped.
 *
 * Writes are compare-and-set rather than `select … for update`: a batch is read without locks,
 * re-sealed in memory, and written with one UPDATE whose `where` requires each row to still hold the
 * ciphertext that was read. A token a worker refreshed in between (refresh-connection.ts writes new
 * tokens whatever the old ciphertext was) makes its row miss, so it is never overwritten with the
 * stale value; the row is read again and retried. No row lock is held while values are re-sealed, a
 * refreshing worker never waits for the rotation, and on PGlite's single connection nothing else has
 * to queue behind an open transaction.
 */
import { and, asc, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import type { Deps } from '../../deps.ts';
import { columnLabel, type EncryptedColumn, encryptedColumns } from './encrypted-columns.ts';

const DEFAULT_BATCH_SIZE = 200;
/** Writes per row when other writers keep changing it between our read and our write. */
const MAX_TRIES = 3;

/** What happened in one encrypted column. */
export type ColumnRotation = {
  table: string;
  column: string;
  /** Re-sealed with the current key (with `dryRun`: would be). */
  rewritten: number;
  /** Already sealed with the current key. */
  current: number;
  /** No configured key opens it: listed in `undecryptable` and left as it is. */
  undecryptable: number;
  /** Changed by another writer before each of our writes; left for a next run. */
  changing: number;
};

/** A value no configured key decrypts. Never carries the value. */
export type UndecryptableValue = { table: string; column: string; id: string; reason: string };

export type RotateSecretsResult = {
  dryRun: boolean;
  /** The current key's id, which every rewritten value now names. */
  keyId: string;
  columns: ColumnRotation[];
  undecryptable: UndecryptableValue[];
};

export type RotateSecretsOptions = {
  /** Count what would change without writing. */
  dryRun?: boolean;
  /** Rows read and written per statement (default 200). */
  batchSize?: number;
  /** Called after each batch with the rows looked at so far in that column. */
  onProgress?: (progress: { table: string; column: string; scanned: number }) => void;
  /** Called between reading a batch and writing it back (tests change rows in that window). */
  beforeWrite?: (batch: { table: string; column: string; ids: string[] }) => Promise<void> | void;
};

type Row = { id: string; value: string | null };
type Rewrite = { id: string; from: string; to: string };

/** Re-seals every stored secret that is not sealed with the current key. */
export async function rotateSecrets(
  deps: Deps,
  options: RotateSecretsOptions = {},
): Promise<RotateSecretsResult> {
  const undecryptable: UndecryptableValue[] = [];
  const columns: ColumnRotation[] = [];
  for (const column of encryptedColumns) {
    columns.push(await rotateColumn(deps, column, options, undecryptable));
  }
  return { dryRun: options.dryRun ?? false, keyId: deps.secrets.currentKeyId, columns, undecryptable };
}

async function rotateColumn(
  deps: Deps,
  column: EncryptedColumn,
  options: RotateSecretsOptions,
  undecryptable: UndecryptableValue[],
): Promise<ColumnRotation> {
  const label = columnLabel(column);
  const counts: ColumnRotation = { ...label, rewritten: 0, current: 0, undecryptable: 0, changing: 0 };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let after: string | null = null;
  let scanned = 0;
  for (;;) {
    const rows = await readBatch(deps, column, { after, limit: batchSize });
    if (!rows.length) break;
    after = rows.at(-1)!.id;
    scanned += rows.length;
    let pending = rows;
    for (let tries = 0; pending.length; tries++) {
      const rewrites: Rewrite[] = [];
      for (const row of pending) {
        // Cleared or deleted meanwhile: nothing left to rotate.
        if (row.value === null) continue;
        if (!deps.secrets.needsRotation(row.value)) {
          counts.current++;
          continue;
        }
        if (tries === MAX_TRIES) {
          counts.changing++;
          continue;
        }
        let plain: string;
        try {
          plain = deps.secrets.decrypt(row.value);
        } catch (error) {
          // secrets.ts names at most the key id in its messages, never the value.
          counts.undecryptable++;
          undecryptable.push({ ...label, id: row.id, reason: (error as Error).message });
          continue;
        }
        if (options.dryRun) counts.rewritten++;
        else rewrites.push({ id: row.id, from: row.value, to: deps.secrets.encrypt(plain) });
      }
      if (!rewrites.length) break;
      await options.beforeWrite?.({ ...label, ids: rewrites.map((r) => r.id) });
      const written = await compareAndSet(deps, column, rewrites);
      counts.rewritten += written.size;
      const missed = rewrites.filter((r) => !written.has(r.id)).map((r) => r.id);
      pending = missed.length ? await readRows(deps, column, missed) : [];
    }
    options.onProgress?.({ ...label, scanned });
    if (rows.length < batchSize) break;
  }
  return counts;
}

/** The next `limit` rows with a value, after `after` in primary-key order (keyset pagination). */
async function readBatch(
  deps: Deps,
  column: EncryptedColumn,
  options: { after: string | null; limit: number },
): Promise<Row[]> {
  const rows = await deps.db
    .select({ id: column.id, value: column.value })
    .from(column.table)
    .where(and(isNotNull(column.value), options.after === null ? undefined : gt(column.id, options.after)))
    .orderBy(asc(column.id))
    .limit(options.limit);
  return rows as Row[];
}

async function readRows(deps: Deps, column: EncryptedColumn, ids: string[]): Promise<Row[]> {
  const rows = await deps.db
    .select({ id: column.id, value: column.value })
    .from(column.table)
    .where(inArray(column.id, ids));
  return rows as Row[];
}

/** Writes each new value only where the row still holds the one read; returns the ids written. */
async function compareAndSet(deps: Deps, column: EncryptedColumn, rewrites: Rewrite[]): Promise<Set<string>> {
  const value = sql.identifier(column.value.name);
  const id = sql.identifier(column.id.name);
  // VALUES parameters arrive as text; the key column's own type (uuid or text) comes from the schema.
  const idType = sql.raw(column.id.getSQLType());
  const values = sql.join(
    rewrites.map((r) => sql`(${r.id}, ${r.from}, ${r.to})`),
    sql`, `,
  );
  const result = await deps.db.execute(sql`
    update ${column.table} as t set ${value} = v.sealed
      from (values ${values}) as v(id, was, sealed)
     where t.${id} = v.id::${idType} and t.${value} = v.was
    returning t.${id}::text as id`);
  return new Set(rowsOf<{ id: string }>(result).map((r) => r.id));
}
