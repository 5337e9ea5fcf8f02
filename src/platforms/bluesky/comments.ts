/**
 * A post's replies, at every depth, from the AppView's `app.bsky.feed.getPostThread`: a PDS holds
 * only its own accounts' records, so who replied to a post is known only to an AppView (the same
 * one metrics read, `appViewOf`). Like metrics, the call carries no token: the public AppView
 * serves public threads to anyone, and a PDS session token is not meant for it.
 *
 * The thread comes whole (no cursor); Herald flattens it, sorts it oldest first and pages over it
 * itself (`pageLocally`). Replies the AppView withholds (`notFoundPost`, `blockedPost`) are left
 * out, with whatever hangs under them, as Bluesky's own app does.
 */
import { z } from 'zod';
import { type AdapterContext, type CommentPage, type PlatformComment, PlatformError } from '../types.ts';
import { byCreation, pageLocally } from '../local-pages.ts';
import { appViewOf, postWebUrl, xrpc } from './api.ts';

/** The lexicon's maximum: every level of replies. */
const DEPTH = 1000;
const THREAD_VIEW = 'app.bsky.feed.defs#threadViewPost';

const postView = z.object({
  uri: z.string(),
  author: z.object({
    did: z.string(),
    handle: z.string(),
    displayName: z.string().optional(),
    avatar: z.string().optional(),
  }),
  record: z.object({ text: z.string().optional(), createdAt: z.string().optional() }),
  likeCount: z.number().optional(),
  indexedAt: z.string().optional(),
});
const threadView = z.object({
  $type: z.string().optional(),
  post: postView,
  replies: z.array(z.unknown()).optional(),
});
const threadReply = z.object({ thread: z.unknown() });

type ThreadView = z.infer<typeof threadView>;

const unexpected = () =>
  new PlatformError({
    kind: 'transient',
    message: 'read replies: unexpected reply from the Bluesky AppView',
  });

/** A thread node that is a post, null for the withheld kinds, and a failure for anything else. */
function postOf(node: unknown): ThreadView | null {
  const type = (node as { $type?: unknown } | null)?.$type;
  if (type !== undefined && type !== THREAD_VIEW) return null;
  const parsed = threadView.safeParse(node);
  if (!parsed.success) throw unexpected();
  return parsed.data;
}

const dateOf = (value: string | undefined) => {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
};

function commentOf(ctx: AdapterContext, view: ThreadView, parentId: string | null): PlatformComment {
  const { post } = view;
  const { author } = post;
  // A handle that no longer resolves comes back as `handle.invalid`; the DID still finds the profile.
  const profile = author.handle === 'handle.invalid' ? author.did : author.handle;
  return {
    id: post.uri,
    parentId,
    author: {
      id: author.did,
      username: author.handle,
      displayName: author.displayName || null,
      avatarUrl: author.avatar ?? null,
    },
    text: post.record.text ?? '',
    // `createdAt` is what the author's client claimed; the AppView's `indexedAt` when it is unusable.
    createdAt: dateOf(post.record.createdAt) ?? dateOf(post.indexedAt),
    likes: post.likeCount ?? null,
    url: postWebUrl(ctx, profile, post.uri.slice(post.uri.lastIndexOf('/') + 1)),
  };
}

function flatten(ctx: AdapterContext, view: ThreadView, parentId: string | null, into: PlatformComment[]) {
  for (const node of view.replies ?? []) {
    const reply = postOf(node);
    if (!reply) continue;
    into.push(commentOf(ctx, reply, parentId));
    flatten(ctx, reply, reply.post.uri, into);
  }
}

export async function readThreadReplies(
  ctx: AdapterContext,
  remoteId: string,
  page: { cursor: string | null; limit: number },
): Promise<CommentPage> {
  const appView = appViewOf(ctx);
  if (!appView) {
    throw new PlatformError({
      kind: 'invalid',
      code: 'no_appview',
      message:
        "read replies: replies are known only to an AppView, and this server has none configured (set the platform app's appViewUrl setting)",
    });
  }
  const { data } = await xrpc(ctx, threadReply, {
    what: 'read replies',
    nsid: 'app.bsky.feed.getPostThread',
    service: appView,
    query: { uri: remoteId, depth: String(DEPTH), parentHeight: '0' },
  });
  const root = postOf(data.thread);
  if (!root) {
    throw new PlatformError({
      kind: 'invalid',
      code: 'NotFound',
      message: `read replies: ${remoteId} is deleted or hidden`,
    });
  }
  const comments: PlatformComment[] = [];
  flatten(ctx, root, null, comments);
  return pageLocally(comments.sort(byCreation), page);
}
