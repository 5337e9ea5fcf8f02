/**
 * Reading and writing the rows of Herald's own tables as newline-delimited JSON, for backups.
 *
 * Every table of the schemas the migrations own is read in primary-key order inside one
 * repeatable-read transaction, so a backup taken while Herald writes is one consistent snapshot (every
 * target's post is there, counts match their triggers). A table's checksum is the SHA-256 of its
 * lines, computed the same way when a backup is made and when a restored copy is checked.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, rowsOf, type Tx } from '../../db/client.ts';

/** Schemas whose data is backed up; pg-boss's queue is rebuilt from the targets on start. */
export const BACKED_UP_SCHEMAS = ['public', 'sandbox'];
/** Bookkeeping the restore writes itself (by applying the migrations). */
const NOT_BACKED_UP = new Set(['public.herald_migrations']);
const BATCH = 500;

export type TableSummary = { rows: number; sha256: string };

type Queryable = Db | Tx;

/** `schema.table` names, parents before children (foreign keys), so an import never breaks a reference. */
export async function listTables(db: Queryable): Promise<string[]> {
  const schemas = sql.raw(BACKED_UP_SCHEMAS.map((s) => `'${s}'`).join(', '));
  const tables = rowsOf<{ name: string }>(
    await db.execute(sql`select n.nspname || '.' || c.relname as name from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname in (${schemas}) order by 1`),
  )
    .map((r) => r.name)
    .filter((name) => !NOT_BACKED_UP.has(name));
  const references = rowsOf<{ child: string; parent: string }>(
    await db.execute(sql`select cn.nspname || '.' || c.relname as child, pn.nspname || '.' || p.relname as parent
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid join pg_namespace cn on cn.oid = c.relnamespace
      join pg_class p on p.oid = k.confrelid join pg_namespace pn on pn.oid = p.relnamespace
      where k.contype = 'f' and cn.nspname in (${schemas})`),
  );
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (table: string) => {
    if (ordered.includes(table) || visiting.has(table)) return; // a self-reference or cycle: keep going
    visiting.add(table);
    for (const r of references) if (r.child === table && r.parent !== table) visit(r.parent);
    visiting.delete(table);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered.filter((t) => tables.includes(t));
}

const quoted = (qualified: string) =>
  qualified
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');

async function primaryKeyOrder(db: Queryable, table: string): Promise<string> {
  const columns = rowsOf<{ column: string }>(
    await db.execute(sql`select a.attname as column from pg_index i
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ${quoted(table)}::regclass and i.indisprimary
      order by array_position(i.indkey, a.attnum)`),
  ).map((r) => `"${r.column}"`);
  // A table without a primary key is ordered by its whole row text: still deterministic.
  return columns.length ? columns.join(', ') : 't::text';
}

/**
 * Reads every backed-up table in one consistent snapshot, handing each table's lines to `write`
 * (which may be a no-op when only the checksums are wanted).
 */
export async function readTables(
  db: Db,
  write: (table: string, lines: string[]) => Promise<void>,
): Promise<Record<string, TableSummary>> {
  return db.transaction(
    async (tx) => {
      // One rendering of timestamps for every backup and check, whatever the server's own setting.
      await tx.execute(sql`set local timezone = 'UTC'`);
      const summaries: Record<string, TableSummary> = {};
      for (const table of await listTables(tx)) {
        const hash = createHash('sha256');
        let rows = 0;
        const order = await primaryKeyOrder(tx, table);
        await tx.execute(
          sql.raw(`declare herald_backup_rows no scroll cursor for
            select row_to_json(t)::text as line from ${quoted(table)} t order by ${order}`),
        );
        for (;;) {
          const lines = rowsOf<{ line: string }>(
            await tx.execute(sql.raw(`fetch forward ${BATCH} from herald_backup_rows`)),
          ).map((r) => r.line);
          if (lines.length === 0) break;
          for (const line of lines) hash.update(line).update('\n');
          rows += lines.length;
          await write(table, lines);
        }
        await tx.execute(sql.raw('close herald_backup_rows'));
        summaries[table] = { rows, sha256: hash.digest('hex') };
      }
      return summaries;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/**
 * Writes rows back into an empty, migrated database: triggers are switched off while the rows go
 * in (the roll-ups and timestamps they maintain are in the rows already), and sequences are moved
 * past the restored values.
 */
export async function writeTable(tx: Tx, table: string, lines: AsyncIterable<string[]>): Promise<number> {
  const columns = rowsOf<{ column: string }>(
    await tx.execute(sql`select attname as column from pg_attribute
      where attrelid = ${quoted(table)}::regclass and attnum > 0 and not attisdropped and attgenerated = ''
      order by attnum`),
  )
    .map((r) => `"${r.column}"`)
    .join(', ');
  let count = 0;
  await tx.execute(sql.raw(`alter table ${quoted(table)} disable trigger user`));
  // Rows a migration seeded (instance settings, say) are replaced by the backed-up ones.
  await tx.execute(sql.raw(`delete from ${quoted(table)}`));
  for await (const batch of lines) {
    if (batch.length === 0) continue;
    await tx.execute(
      sql`insert into ${sql.raw(quoted(table))} (${sql.raw(columns)})
          select ${sql.raw(columns)} from json_populate_recordset(null::${sql.raw(quoted(table))}, ${`[${batch.join(',')}]`}::json)`,
    );
    count += batch.length;
  }
  await tx.execute(sql.raw(`alter table ${quoted(table)} enable trigger user`));
  const sequences = rowsOf<{ sequence: string | null; column: string }>(
    await tx.execute(sql`select pg_get_serial_sequence(${quoted(table)}, attname) as sequence, attname as column
      from pg_attribute where attrelid = ${quoted(table)}::regclass and attnum > 0 and not attisdropped`),
  ).filter((r) => r.sequence);
  for (const { sequence, column } of sequences) {
    await tx.execute(
      sql.raw(
        `select setval('${sequence}', coalesce((select max("${column}") from ${quoted(table)}), 0) + 1, false)`,
      ),
    );
  }
  return count;
}
