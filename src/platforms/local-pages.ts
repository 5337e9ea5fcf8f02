import { type CommentPage, type PlatformComment, PlatformError } from './types.ts';

/**
 * A page of a list the platform sent whole (Mastodon's status context, Bluesky's post thread): those
 * endpoints take no cursor, so Herald asks again for every page and the cursor is an offset into the
 * list. With the list sorted oldest first, comments added in between land after the ones already
 * read, so a reader misses none; one deleted in between shifts the rest back by one.
 */
export function pageLocally(
  comments: PlatformComment[],
  page: { cursor: string | null; limit: number },
): CommentPage {
  const offset = offsetOf(page.cursor);
  const limit = Math.max(1, Math.floor(page.limit));
  const end = offset + limit;
  return {
    comments: comments.slice(offset, end),
    nextCursor: end < comments.length ? String(end) : null,
  };
}

function offsetOf(cursor: string | null): number {
  if (cursor === null) return 0;
  if (!/^\d{1,9}$/.test(cursor)) {
    throw new PlatformError({
      kind: 'invalid',
      message: `read comments: not a cursor Herald made: ${cursor}`,
    });
  }
  return Number(cursor);
}

/** Oldest first by creation time, then by id so equal times keep one order from call to call. */
export function byCreation(a: PlatformComment, b: PlatformComment): number {
  const at = (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0);
  if (at !== 0) return at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
