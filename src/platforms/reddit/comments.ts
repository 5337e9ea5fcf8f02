/**
 * A post's comments, at every depth, oldest first (`sort=old`).
 *
 * The first page is `GET /comments/{article}` (its second listing): Reddit answers up to `limit`
 * comments as a tree and stands in for the rest with `more` stubs. A stub lists the ids of the
 * comments it hides (read with `GET /api/morechildren`, at most 100 ids a call) or, past `depth`,
 * none at all ("continue this thread": read with `GET /comments/{article}?comment={parent}`). The
 * cursor carries what the stubs seen so far still hide, so each later page reads the next batch.
 *
 * Limits, from how Reddit answers: a `morechildren` call returns the requested comments with their
 * replies, so a later page can hold more than `limit` comments; the cursor lists every id not yet
 * read (about eight characters each), so on a post with thousands of comments it grows long.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type CommentPage,
  type Credentials,
  type PlatformComment,
  PlatformError,
} from '../types.ts';
import { call, submitFailure } from './api.ts';

/** Levels of replies a call returns before Reddit says "continue this thread". */
const DEPTH = 10;
/** `morechildren` takes at most 100 ids. */
const MORE_BATCH = 100;
/** The most `/comments` is asked for at once. */
const MAX_LIMIT = 500;

const thing = z.object({ kind: z.string(), data: z.record(z.string(), z.unknown()) });
const listing = z.object({ kind: z.literal('Listing'), data: z.object({ children: z.array(thing) }) });
const commentsReply = z.tuple([listing, listing]);
const moreChildrenReply = z.object({
  json: z.object({
    errors: z.array(z.array(z.unknown())),
    data: z.object({ things: z.array(thing) }).optional(),
  }),
});

const comment = z.object({
  id: z.string(),
  name: z.string(),
  parent_id: z.string(),
  author: z.string().optional(),
  author_fullname: z.string().optional(),
  body: z.string().optional(),
  created_utc: z.number().optional(),
  score: z.number().optional(),
  permalink: z.string().optional(),
  replies: z.unknown().optional(),
});
const more = z.object({ id: z.string(), parent_id: z.string(), children: z.array(z.string()) });

/** What the `more` stubs seen so far still hide: ids for `morechildren`, parents to continue under. */
type Hidden = { ids: string[]; under: string[] };

const unexpected = (what: string) =>
  new PlatformError({ kind: 'transient', message: `${what}: unexpected reply from Reddit` });

function commentOf(data: z.infer<typeof comment>): PlatformComment {
  // A deleted account's comments keep their place in the tree under "[deleted]".
  const author = data.author && data.author !== '[deleted]' ? data.author : null;
  return {
    id: data.name,
    // `t1_…` answers a comment; `t3_…` is the post itself.
    parentId: data.parent_id.startsWith('t1_') ? data.parent_id : null,
    author: {
      id: author ? (data.author_fullname ?? null) : null,
      username: author,
      displayName: null,
      avatarUrl: null,
    },
    // Markdown, as the author wrote it (`raw_json=1` keeps `&`, `<` and `>` unescaped).
    text: data.body ?? '',
    createdAt: data.created_utc === undefined ? null : new Date(data.created_utc * 1000),
    // The score (upvotes minus downvotes, fuzzed), as readMetrics reports a post's.
    likes: data.score ?? null,
    url: data.permalink ? `https://www.reddit.com${data.permalink}` : null,
  };
}

/**
 * Comments of `things` in tree order, descending into nested `replies` listings; `more` stubs go
 * to `hidden`. `skip` leaves out a comment already read (the one a "continue" call is rooted at).
 */
function collect(
  what: string,
  things: z.infer<typeof thing>[],
  into: { comments: PlatformComment[]; hidden: Hidden },
  skip: string | null = null,
) {
  for (const t of things) {
    if (t.kind === 'more') {
      const stub = more.safeParse(t.data);
      if (!stub.success) throw unexpected(what);
      if (stub.data.children.length) into.hidden.ids.push(...stub.data.children);
      else if (stub.data.parent_id.startsWith('t1_')) into.hidden.under.push(stub.data.parent_id.slice(3));
      continue;
    }
    if (t.kind !== 't1') continue;
    const parsed = comment.safeParse(t.data);
    if (!parsed.success) throw unexpected(what);
    if (parsed.data.name !== skip) into.comments.push(commentOf(parsed.data));
    const replies = listing.safeParse(parsed.data.replies);
    // No replies is an empty string, not an empty listing.
    if (replies.success) collect(what, replies.data.data.children, into);
  }
}

function encodeCursor(hidden: Hidden): string | null {
  if (!hidden.ids.length && !hidden.under.length) return null;
  return Buffer.from(JSON.stringify(hidden)).toString('base64url');
}

const cursorShape = z.object({ ids: z.array(z.string()), under: z.array(z.string()) });

function decodeCursor(cursor: string): Hidden {
  try {
    return cursorShape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new PlatformError({
      kind: 'invalid',
      message: `read comments: not a cursor Herald made: ${cursor}`,
    });
  }
}

export async function readRedditComments(
  ctx: AdapterContext,
  credentials: Credentials,
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const article = remoteId.replace(/^t3_/, '');
  const limit = Math.min(Math.max(1, Math.floor(page.limit)), MAX_LIMIT);
  const token = credentials.accessToken;
  const hidden = page.cursor ? decodeCursor(page.cursor) : { ids: [], under: [] };
  const into: { comments: PlatformComment[]; hidden: Hidden } = { comments: [], hidden };
  const tree = (query: string) =>
    call(ctx, commentsReply, {
      what: 'read comments',
      url: `/comments/${encodeURIComponent(article)}?sort=old&depth=${DEPTH}&limit=${limit}&raw_json=1${query}`,
      token,
    });

  if (page.cursor === null) {
    collect('read comments', (await tree('')).data[1].data.children, into);
  } else if (hidden.ids.length) {
    const batch = hidden.ids.splice(0, Math.min(limit, MORE_BATCH));
    const { data, rateLimit } = await call(ctx, moreChildrenReply, {
      what: 'read more comments',
      url:
        `/api/morechildren?api_type=json&link_id=t3_${encodeURIComponent(article)}` +
        `&children=${batch.map(encodeURIComponent).join(',')}&sort=old&limit_children=false&depth=${DEPTH}&raw_json=1`,
      token,
    });
    if (data.json.errors.length) {
      throw submitFailure(ctx, 'read more comments', data.json.errors, { ratelimitSeconds: null, rateLimit });
    }
    collect('read more comments', data.json.data?.things ?? [], into);
  } else {
    const parent = hidden.under.shift();
    if (parent === undefined) return { comments: [], nextCursor: null };
    const { data } = await tree(`&comment=${encodeURIComponent(parent)}`);
    // The answer is rooted at the comment itself, already read on an earlier page.
    collect('read comments', data[1].data.children, into, `t1_${parent}`);
  }
  return { comments: into.comments, nextCursor: encodeCursor(into.hidden) };
}
