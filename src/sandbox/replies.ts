/**
 * `GET /api/posts/:id/comments`: a post's comments are its replies at every depth (any account's,
 * the author's own thread parts too), oldest first, a page at a time. The cursor is the last reply
 * of the page (creation time and id), so replies added while a client pages come after it and none
 * is skipped or repeated. Deleted replies are left out, and so is what hangs under them.
 */
import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { sandboxAccounts, sandboxPosts } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { SandboxAccount } from './accounts.ts';
import { invalidRequest } from './errors.ts';
import type { SandboxPost } from './posts.ts';

export const REPLIES_LIMIT = { default: 20, max: 100 };

type Position = { createdAt: Date; id: string };

export function encodeRepliesCursor(post: SandboxPost): string {
  return Buffer.from(`${post.createdAt.toISOString()}|${post.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw invalidRequest('cursor', 'is not a cursor this API gave');
  }
  return { createdAt, id };
}

/** Ids of every visible reply under `postId`, at any depth (a recursive query over reply_to_id). */
const threadUnder = (postId: string) => sql`(
  with recursive thread as (
    select ${sandboxPosts.id} from ${sandboxPosts}
    where ${sandboxPosts.replyToId} = ${postId} and ${sandboxPosts.deletedAt} is null
    union
    select child.id from ${sandboxPosts} child join thread on child.reply_to_id = thread.id
    where child.deleted_at is null
  )
  select id from thread
)`;

export async function listReplies(
  deps: Deps,
  options: { postId: string; cursor: string | undefined; limit: number },
): Promise<{
  replies: { post: SandboxPost; author: SandboxAccount }[];
  nextCursor: string | null;
}> {
  const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
  const rows = await deps.db
    .select({ post: sandboxPosts, author: sandboxAccounts })
    .from(sandboxPosts)
    .innerJoin(sandboxAccounts, eq(sandboxAccounts.id, sandboxPosts.accountId))
    .where(
      and(
        inArray(sandboxPosts.id, threadUnder(options.postId)),
        isNull(sandboxPosts.deletedAt),
        after
          ? or(
              gt(sandboxPosts.createdAt, after.createdAt),
              and(eq(sandboxPosts.createdAt, after.createdAt), gt(sandboxPosts.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(sandboxPosts.createdAt), asc(sandboxPosts.id))
    // One more than asked says whether there is a next page.
    .limit(options.limit + 1);
  const replies = rows.slice(0, options.limit);
  const last = replies.at(-1);
  return {
    replies,
    nextCursor: rows.length > options.limit && last ? encodeRepliesCursor(last.post) : null,
  };
}
