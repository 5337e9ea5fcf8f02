/**
 * Reading a Graph comment edge (Facebook `/{post-id}/comments`, Instagram `/{ig-media-id}/comments`
 * and `/{ig-comment-id}/replies`, Threads `/{media-id}/conversation`) one page at a time. They all
 * page the same way, with Graph's cursor-based pagination: `limit` sets the page size, `after`
 * continues from `paging.cursors.after`, and a page without `paging.next` is the last one (Meta may
 * return cursors on the last page too, and an empty page that still has `next`).
 */
import { z } from 'zod';
import type { AdapterContext } from '../types.ts';
import { graphCall } from './graph.ts';

/** Graph edges take up to 100 items a page. */
const MAX_LIMIT = 100;

const pagingOf = z
  .object({
    cursors: z.object({ after: z.string().optional() }).optional(),
    next: z.string().optional(),
  })
  .optional();

/** A page of an edge, as Graph sends it, also nested in a field expansion (`replies{…}`). */
export const edgePage = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), paging: pagingOf });

/** The cursor of the next page, or null on the last one. */
export function nextCursorOf(paging: z.infer<typeof pagingOf>): string | null {
  const after = paging?.cursors?.after;
  return paging?.next && after ? after : null;
}

export async function readCommentEdge<T extends z.ZodType>(
  ctx: AdapterContext,
  item: T,
  call: {
    what: string;
    base: string;
    path: string;
    token: string;
    params: Record<string, string>;
    page: { cursor: string | null; limit: number };
  },
): Promise<{ items: z.infer<T>[]; nextCursor: string | null }> {
  const { data } = await graphCall(ctx, edgePage(item), {
    what: call.what,
    base: call.base,
    path: call.path,
    token: call.token,
    params: {
      ...call.params,
      limit: Math.min(MAX_LIMIT, Math.max(1, Math.floor(call.page.limit))),
      after: call.page.cursor ?? undefined,
    },
  });
  return { items: data.data, nextCursor: nextCursorOf(data.paging) };
}

/** Graph times read like `2026-01-31T12:00:00+0000`. */
export function graphDate(value: string | null | undefined): Date | null {
  const at = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? null : new Date(at);
}

/** A comment's parent, or null when it answers the post itself. */
export const parentOf = (parent: string | null | undefined, postId: string): string | null =>
  parent && parent !== postId ? parent : null;
