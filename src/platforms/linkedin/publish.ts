/**
 * Publishing to LinkedIn: media first (see media.ts), then `POST /rest/posts`; the post URN comes back
 * in the `x-restli-id` header. Upload progress and video processing carry over between runs as
 * `pending`; a create that got no answer is looked for among the author's recent posts before
 * posting again.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Credentials,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
  type ReconcileOutcome,
} from '../types.ts';
import { resumeAfterFailure } from '../kit/resume.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { encodeUrn, linkedinCall } from './api.ts';
import { advanceUpload, type UploadSlot } from './media.ts';
import { contentKindOf, readOptions, toLittleText, validate } from './validate.ts';

const postsReply = z.object({
  elements: z.array(
    z.object({ id: z.string(), commentary: z.string().optional(), lifecycleState: z.string().optional() }),
  ),
});
export const authorOf = (channel: PublishRequest['channel']) =>
  channel.externalId.startsWith('urn:li:')
    ? channel.externalId
    : `urn:li:${channel.kind === 'organization' ? 'organization' : 'person'}:${channel.externalId}`;

const postUrl = (urn: string) => `https://www.linkedin.com/feed/update/${urn}`;

type LinkedInState = {
  media: (UploadSlot | null)[];
  /** The last create got no answer: it may have gone out, so look before posting again. */
  uncertain: boolean;
  resumes: number;
  authRetried: boolean;
};

function readState(raw: Record<string, unknown> | null, count: number): LinkedInState {
  const s = (raw ?? {}) as Partial<LinkedInState>;
  const media = Array.isArray(s.media) ? s.media.slice(0, count) : [];
  while (media.length < count) media.push(null);
  return {
    media,
    uncertain: s.uncertain === true,
    resumes: typeof s.resumes === 'number' ? s.resumes : 0,
    authRetried: s.authRetried === true,
  };
}

const hasProgress = (state: LinkedInState) => state.uncertain || state.media.some((m) => m !== null);

function afterFailure(ctx: AdapterContext, state: LinkedInState, error: unknown): PublishOutcome {
  return resumeAfterFailure(ctx, { state, error, hasProgress: hasProgress(state), retryAuth: true });
}

async function recentPosts(ctx: AdapterContext, token: string, author: string) {
  const { data } = await linkedinCall(ctx, postsReply, {
    what: 'list recent posts',
    path: `/rest/posts?author=${encodeUrn(author)}&q=author&count=50&sortBy=LAST_MODIFIED`,
    versioned: true,
    token,
  });
  return data.elements;
}

function contentOf(request: PublishRequest, state: LinkedInState) {
  const urns = state.media.map((m) => m!.urn);
  switch (contentKindOf(request.media)) {
    case 'none':
      return undefined;
    case 'images':
      return {
        multiImage: {
          images: urns.map((id, i) => ({
            id,
            ...(request.media[i]!.altText ? { altText: request.media[i]!.altText } : {}),
          })),
        },
      };
    case 'document':
      return { media: { id: urns[0]!, title: request.title ?? 'Document' } };
    case 'video':
      return { media: { id: urns[0]!, ...(request.title ? { title: request.title } : {}) } };
    case 'image': {
      const alt = request.media[0]!.altText;
      return { media: { id: urns[0]!, ...(alt ? { altText: alt } : {}) } };
    }
  }
}

export async function publish(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  const token = credentials.accessToken;
  const author = authorOf(request.channel);
  const options = readOptions(request.options);
  const commentary = toLittleText(request.text);
  const state = readState(request.state, request.media.length);
  try {
    for (const [i, item] of request.media.entries()) {
      const slot = { upload: state.media[i] ?? null };
      try {
        const step = await advanceUpload(ctx, { token, owner: author, item, slot });
        if (step.status === 'processing') {
          return { status: 'pending', state: { ...state }, retryAfterMs: step.retryAfterMs };
        }
      } finally {
        state.media[i] = slot.upload;
      }
    }
    if (state.uncertain) {
      state.uncertain = false;
      const found = (await recentPosts(ctx, token, author)).find((p) => p.commentary === commentary);
      if (found) return { status: 'published', remoteId: found.id, remoteUrl: postUrl(found.id) };
    }
    state.uncertain = true;
    const content = contentOf(request, state);
    const reply = await linkedinCall(ctx, null, {
      what: 'create post',
      method: 'POST',
      path: '/rest/posts',
      versioned: true,
      token,
      json: {
        author,
        commentary,
        visibility: options.visibility,
        distribution: {
          feedDistribution: 'MAIN_FEED',
          targetEntities: [],
          thirdPartyDistributionChannels: [],
        },
        ...(content ? { content } : {}),
        lifecycleState: 'PUBLISHED',
        isReshareDisabledByAuthor: options.disableReshare,
      },
    });
    const urn = reply.headers.get('x-restli-id');
    if (!urn) {
      throw new PlatformError({
        kind: 'transient',
        message: 'create post: LinkedIn answered without x-restli-id',
      });
    }
    return { status: 'published', remoteId: urn, remoteUrl: postUrl(urn) };
  } catch (error) {
    // A definite answer means the create did not happen.
    if (error instanceof PlatformError && error.kind !== 'transient') state.uncertain = false;
    return afterFailure(ctx, state, error);
  }
}

/**
 * After a crash: lists the author's recent posts and matches the commentary exactly as Herald encoded
 * it (see index.ts for why `found` is reliable and `not_found` best effort).
 */
export async function reconcile(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<ReconcileOutcome> {
  let posts: Awaited<ReturnType<typeof recentPosts>>;
  try {
    posts = await recentPosts(ctx, credentials.accessToken, authorOf(request.channel));
  } catch (error) {
    // Reading a member's posts needs r_member_social, which only approved partners get.
    if (error instanceof PlatformError && error.status === 403) return { status: 'unknowable' };
    throw error;
  }
  const commentary = toLittleText(request.text);
  const found = posts.find((p) => p.commentary === commentary && p.lifecycleState !== 'DRAFT');
  return found
    ? { status: 'found', remoteId: found.id, remoteUrl: postUrl(found.id) }
    : { status: 'not_found' };
}
