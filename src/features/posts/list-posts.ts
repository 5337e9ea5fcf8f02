/**
 * Lists a workspace's posts with filters, full-text search (in the text, the title and every
 * per-channel override) and cursor pagination, sorted by creation or by the post's time (when it
 * was published, else when it is scheduled, else when it was written).
 */
import { and, asc, desc, eq, exists, gt, gte, lt, or, type SQL, sql } from 'drizzle-orm';
import { posts, postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField } from '../../errors.ts';
import { viewPosts } from './get-post.ts';
import type { PostSort, PostView } from './posts.schemas.ts';

type Cursor = { key: string; id: string; sort: PostSort };

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

// PostgreSQL's text form of a timestamptz, with every field in range.
const CURSOR_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(value: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.key === 'string' && typeof c.id === 'string' && CURSOR_TIME.test(c.key) && UUID.test(c.id)) {
      return c;
    }
  } catch {}
  throw invalidField('cursor', 'not a cursor this API returned');
}

export async function listPosts(
  deps: Deps,
  options: {
    workspaceId: string;
    status?: string | undefined;
    channelId?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    q?: string | undefined;
    hashtag?: string | undefined;
    cursor?: string | undefined;
    sort?: PostSort | undefined;
    limit: number;
  },
): Promise<{ items: PostView[]; nextCursor: string | null }> {
  const where: SQL[] = [eq(posts.workspaceId, options.workspaceId)];
  if (options.status) where.push(eq(posts.status, options.status as never));
  if (options.channelId) {
    where.push(
      exists(
        deps.db
          .select({ one: sql`1` })
          .from(postTargets)
          .where(and(eq(postTargets.postId, posts.id), eq(postTargets.channelId, options.channelId))),
      ),
    );
  }
  const sort = options.sort ?? 'created_desc';
  // The time the web app shows beside a post.
  const when = sql`coalesce(${posts.publishedAt}, ${posts.scheduledAt}, ${posts.createdAt})`;
  const key = sort.startsWith('when') ? when : sql`${posts.createdAt}`;
  const ascending = sort.endsWith('_asc');
  if (options.from) where.push(gte(when, new Date(options.from)));
  if (options.to) where.push(lt(when, new Date(options.to)));
  if (options.q?.trim()) {
    const query = sql`websearch_to_tsquery('simple', ${options.q})`;
    where.push(
      or(
        sql`${posts.searchVector} @@ ${query}`,
        exists(
          deps.db
            .select({ one: sql`1` })
            .from(postTargets)
            .where(
              and(
                eq(postTargets.postId, posts.id),
                sql`to_tsvector('simple', coalesce(${postTargets.contentOverride}, '')) @@ ${query}`,
              ),
            ),
        ),
      )!,
    );
  }
  if (options.hashtag) {
    where.push(
      sql`${posts.hashtags} @> ${JSON.stringify([options.hashtag.replace(/^#/, '').toLowerCase()])}::jsonb`,
    );
  }
  if (options.cursor) {
    const c = decodeCursor(options.cursor);
    if (c.sort !== sort) throw invalidField('cursor', 'from a list in another order');
    // Compared as PostgreSQL text: timestamps have microseconds, a JS Date only milliseconds.
    const at = sql`${c.key}::timestamptz`;
    where.push(
      ascending
        ? or(sql`${key} > ${at}`, and(sql`${key} = ${at}`, gt(posts.id, c.id)))!
        : or(sql`${key} < ${at}`, and(sql`${key} = ${at}`, lt(posts.id, c.id)))!,
    );
  }
  const rows = await deps.db
    .select({ post: posts, keyText: sql<string>`(${key})::text` })
    .from(posts)
    .where(and(...where))
    .orderBy(...(ascending ? [asc(key), asc(posts.id)] : [desc(key), desc(posts.id)]))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: await viewPosts(
      deps.db,
      page.map((r) => r.post),
      { attempts: false },
    ),
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor({ key: last.keyText, id: last.post.id, sort })
        : null,
  };
}
