import { and, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import { media } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField } from '../../errors.ts';
import type { MediaKind } from './detect-media.ts';
import type { MediaRow } from './store-media.ts';

export type ListMediaOptions = {
  workspaceId: string;
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
  limit: number;
  kind?: MediaKind | undefined;
};

export type MediaPage = { items: MediaRow[]; nextCursor: string | null };

type Position = { at: string; id: string };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const instantPattern =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/;

const encodeCursor = (p: Position) => Buffer.from(`${p.at}|${p.id}`).toString('base64url');

function decodeCursor(cursor: string): Position {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || !instantPattern.test(at) || !uuidPattern.test(id)) {
    throw invalidField('cursor', 'not a cursor returned by this list');
  }
  return { at, id };
}

/**
 * Newest first, keyset-paginated on (created_at, id). The cursor keeps created_at to the microsecond:
 * a JavaScript Date has only milliseconds, and rows created within the same millisecond would
 * otherwise be skipped or repeated at a page boundary.
 */
export async function listMedia(deps: Deps, options: ListMediaOptions): Promise<MediaPage> {
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await deps.db
    .select({
      ...getTableColumns(media),
      cursorAt: sql<string>`to_char(${media.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(media)
    .where(
      and(
        eq(media.workspaceId, options.workspaceId),
        options.kind ? eq(media.kind, options.kind) : undefined,
        after
          ? sql`(${media.createdAt}, ${media.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(media.createdAt), desc(media.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const items = page.map(({ cursorAt: _, ...row }) => row);
  return {
    items,
    nextCursor: rows.length > options.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
  };
}
