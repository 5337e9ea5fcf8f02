/**
 * Schema validation (seed 004's `validate_schema`): the live database's tables, columns, constraints,
 * indexes, triggers, functions and views, compared with what the migrations in `drizzle/` make.
 *
 * The reference is built by applying the migrations to a scratch database of the same kind (an
 * in-memory PGlite, or a temporary database on the same PostgreSQL server), so both sides are
 * described by the same server version and `pg_get_*def` prints them the same way.
 */
import { sql } from 'drizzle-orm';
import { type DatabaseHandle, type Db, rowsOf } from './client.ts';
import { migrate } from './migrate.ts';
import { withScratchDatabase } from './scratch-database.ts';

/** Schemas the migrations own. pg-boss manages its own schema (`pgboss`) and checks it itself. */
const OWNED_SCHEMAS = ['public', 'sandbox'];

export type SchemaObjectKind = 'table' | 'column' | 'constraint' | 'index' | 'trigger' | 'function' | 'view';

/** One object of a schema: `kind` + qualified `name` identify it, `definition` is what it is. */
export type SchemaObject = { kind: SchemaObjectKind; name: string; definition: string };

export type SchemaDifference = {
  kind: SchemaObjectKind;
  name: string;
  /** `missing`: the migrations make it, the database lacks it; `extra`: the reverse; `changed`: both differ. */
  change: 'missing' | 'extra' | 'changed';
  expected: string | null;
  actual: string | null;
};

/** Every object of the owned schemas, in a stable order. */
export async function describeSchema(db: Db): Promise<SchemaObject[]> {
  const schemas = sql.raw(OWNED_SCHEMAS.map((s) => `'${s}'`).join(', '));
  const query = async (kind: SchemaObjectKind, text: ReturnType<typeof sql>) =>
    rowsOf<{ name: string; definition: string }>(await db.execute(text)).map((r) => ({
      kind,
      name: r.name,
      definition: r.definition,
    }));
  const objects = [
    ...(await query(
      'table',
      sql`select n.nspname || '.' || c.relname as name, 'table' as definition
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('r', 'p') and n.nspname in (${schemas})`,
    )),
    ...(await query(
      'column',
      sql`select n.nspname || '.' || c.relname || '.' || a.attname as name,
                 format_type(a.atttypid, a.atttypmod)
                 || case when a.attnotnull then ' not null' else '' end
                 || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') as definition
          from pg_attribute a
          join pg_class c on c.oid = a.attrelid
          join pg_namespace n on n.oid = c.relnamespace
          left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
          where c.relkind in ('r', 'p') and n.nspname in (${schemas}) and a.attnum > 0 and not a.attisdropped`,
    )),
    ...(await query(
      'constraint',
      sql`select n.nspname || '.' || c.relname || '.' || k.conname as name, pg_get_constraintdef(k.oid) as definition
          from pg_constraint k
          join pg_class c on c.oid = k.conrelid
          join pg_namespace n on n.oid = c.relnamespace
          where n.nspname in (${schemas})`,
    )),
    ...(await query(
      'index',
      sql`select schemaname || '.' || indexname as name, indexdef as definition
          from pg_indexes where schemaname in (${schemas})`,
    )),
    ...(await query(
      'trigger',
      sql`select n.nspname || '.' || c.relname || '.' || t.tgname as name, pg_get_triggerdef(t.oid) as definition
          from pg_trigger t
          join pg_class c on c.oid = t.tgrelid
          join pg_namespace n on n.oid = c.relnamespace
          where not t.tgisinternal and n.nspname in (${schemas})`,
    )),
    ...(await query(
      'function',
      sql`select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name,
                 pg_get_functiondef(p.oid) as definition
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname in (${schemas}) and p.prokind in ('f', 'p')`,
    )),
    ...(await query(
      'view',
      sql`select n.nspname || '.' || c.relname as name, pg_get_viewdef(c.oid) as definition
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('v', 'm') and n.nspname in (${schemas})`,
    )),
  ];
  return objects.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** What differs between the expected (migrations) and the actual (live) objects. */
export function compareSchemas(expected: SchemaObject[], actual: SchemaObject[]): SchemaDifference[] {
  const key = (o: SchemaObject) => `${o.kind} ${o.name}`;
  const have = new Map(actual.map((o) => [key(o), o]));
  const want = new Map(expected.map((o) => [key(o), o]));
  const differences: SchemaDifference[] = [];
  for (const [k, e] of want) {
    const a = have.get(k);
    if (!a)
      differences.push({
        kind: e.kind,
        name: e.name,
        change: 'missing',
        expected: e.definition,
        actual: null,
      });
    else if (a.definition !== e.definition)
      differences.push({
        kind: e.kind,
        name: e.name,
        change: 'changed',
        expected: e.definition,
        actual: a.definition,
      });
  }
  for (const [k, a] of have) {
    if (!want.has(k))
      differences.push({ kind: a.kind, name: a.name, change: 'extra', expected: null, actual: a.definition });
  }
  return differences;
}

/**
 * Builds the reference schema on a scratch database of the live one's kind and compares. On PostgreSQL
 * `url` is the live database's URL; the scratch database is created beside it and dropped afterwards.
 */
export async function verifySchema(
  live: DatabaseHandle,
  options: { url?: string | null } = {},
): Promise<SchemaDifference[]> {
  const actual = await describeSchema(live.db);
  if (live.kind === 'postgres' && !options.url)
    throw new Error('the live database URL is needed to build the reference schema beside it');
  const expected = await withScratchDatabase(
    live.kind === 'postgres' ? options.url! : null,
    async (scratch) => {
      await migrate(scratch.db, { kind: scratch.kind });
      return describeSchema(scratch.db);
    },
  );
  return compareSchemas(expected, actual);
}
