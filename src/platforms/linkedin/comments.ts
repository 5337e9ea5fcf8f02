/**
 * Reading a post's comments: `GET /rest/socialActions/{post-urn}/comments` (Comments API), paged with
 * `start`/`count`; the cursor is the next `start`. That lists first-level comments; their replies
 * (LinkedIn nests one level) are read from `GET /rest/socialActions/{comment-urn}/comments` and
 * placed right after their comment with it as `parentId`, so a page holds `limit` comments and all
 * of their replies.
 *
 * Authors: a comment names its `actor`, a member (`urn:li:person:…`) or an organisation
 * (`urn:li:organization:…`) speaking through one of its admins. The Comments API gives only the URN
 * (names need the restricted profile APIs), so the author is the URN with no username or name.
 *
 * Permissions: comments on an organisation's posts need `r_organization_social`; on a member's posts
 * `r_member_social`, which LinkedIn grants only to approved partners, so without it reading a
 * member's comments is refused (403 → `invalid`, saying so). LinkedIn offers no order parameter:
 * the pages come in LinkedIn's order.
 */
import { z } from 'zod';
import { type AdapterContext, type CommentPage, type Credentials, PlatformError } from '../types.ts';
import { encodeUrn, linkedinCall } from './api.ts';

/** `count` per call (LinkedIn's collections default to 10; 100 is the most it is asked for here). */
const MAX_COUNT = 100;
/** How many pages of one comment's replies are read before the rest is left out. */
const MAX_REPLY_PAGES = 10;

const commentElement = z.object({
  id: z.string().optional(),
  commentUrn: z.string().optional(),
  $URN: z.string().optional(),
  actor: z.string().optional(),
  created: z.object({ time: z.number().optional() }).optional(),
  message: z.object({ text: z.string().optional() }).optional(),
  likesSummary: z
    .object({ totalLikes: z.number().optional(), aggregatedTotalLikes: z.number().optional() })
    .optional(),
  commentsSummary: z
    .object({
      totalFirstLevelComments: z.number().optional(),
      aggregatedTotalComments: z.number().optional(),
    })
    .optional(),
  parentComment: z.string().optional(),
});
const commentsReply = z.object({
  elements: z.array(commentElement),
  paging: z.object({ start: z.number().optional(), total: z.number().optional() }).optional(),
});

type Element = z.infer<typeof commentElement>;

const urnOf = (element: Element) => element.commentUrn ?? element.$URN ?? element.id ?? '';

async function readCollection(
  ctx: AdapterContext,
  token: string,
  target: string,
  start: number,
  count: number,
): Promise<{ elements: Element[]; next: number | null }> {
  const { data } = await linkedinCall(ctx, commentsReply, {
    what: 'read comments',
    path: `/rest/socialActions/${encodeUrn(target)}/comments?start=${start}&count=${count}`,
    versioned: true,
    token,
  });
  const next = start + data.elements.length;
  const total = data.paging?.total;
  // Without a total, a full page may have more behind it (at worst one empty page is read).
  const more = total !== undefined ? next < total : data.elements.length === count;
  return { elements: data.elements, next: more && data.elements.length ? next : null };
}

function mayHaveReplies(element: Element): boolean {
  const summary = element.commentsSummary;
  if (!summary) return true;
  return (summary.totalFirstLevelComments ?? summary.aggregatedTotalComments ?? 1) > 0;
}

export async function readPostComments(
  ctx: AdapterContext,
  credentials: Credentials,
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  if (page.cursor !== null && !/^\d+$/.test(page.cursor)) {
    throw new PlatformError({
      kind: 'invalid',
      message: `read comments: cursor ${page.cursor} is not LinkedIn's`,
    });
  }
  const token = credentials.accessToken;
  const count = Math.min(MAX_COUNT, Math.max(1, Math.floor(page.limit)));
  try {
    const top = await readCollection(ctx, token, remoteId, Number(page.cursor ?? 0), count);
    const elements: Element[] = [];
    for (const comment of top.elements) {
      elements.push(comment);
      if (!mayHaveReplies(comment)) continue;
      let start: number | null = 0;
      for (let i = 0; start !== null && i < MAX_REPLY_PAGES; i++) {
        const replies = await readCollection(ctx, token, urnOf(comment), start, MAX_COUNT);
        elements.push(
          ...replies.elements.map((r) => ({ ...r, parentComment: r.parentComment ?? urnOf(comment) })),
        );
        start = replies.next;
      }
    }
    return {
      comments: elements.map((element) => ({
        id: urnOf(element),
        parentId: element.parentComment ?? null,
        author: { id: element.actor ?? null, username: null, displayName: null, avatarUrl: null },
        text: element.message?.text ?? '',
        createdAt: element.created?.time === undefined ? null : new Date(element.created.time),
        likes: element.likesSummary?.totalLikes ?? element.likesSummary?.aggregatedTotalLikes ?? null,
        url: `https://www.linkedin.com/feed/update/${remoteId}?commentUrn=${encodeURIComponent(urnOf(element))}`,
      })),
      nextCursor: top.next === null ? null : String(top.next),
    };
  } catch (error) {
    if (error instanceof PlatformError && error.status === 403) {
      throw new PlatformError({
        kind: 'invalid',
        code: error.code,
        status: 403,
        message: `${error.message} (reading comments needs r_organization_social for an organisation's posts, and r_member_social, granted only to approved LinkedIn partners, for a member's)`,
      });
    }
    throw error;
  }
}
