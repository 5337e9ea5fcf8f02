/**
 * Herald's adapter for X (API v2).
 *
 * Auth: OAuth 2.0 authorization code with PKCE (S256) and `offline.access`; access tokens live 2 h
 * and every refresh returns a new refresh token while the old one stops working (rotation), so the
 * `TokenSet` returned by `refresh` always carries the new one.
 *
 * Publishing: media through the chunked upload (see media.ts), then `POST /2/tweets`; a thread is a
 * reply chain built from `options.thread` (extra texts), reported as `partIds`. Work that finished
 * stays done across runs: upload progress and posted ids are returned as `pending` state when a run
 * is cut short by a transient failure or a rate limit after something already happened, and media
 * processing is waited for between runs.
 *
 * Reconcile guarantee: X has no idempotency key. Reconcile looks for the text among the account's
 * 100 most recent posts (links and entities normalised). `found` is reliable: X refuses a second post
 * with identical text (403 duplicate), so a match is ours. `not_found` is best effort: X's timeline
 * is eventually consistent for a few seconds, and should a post be missed the re-publish is refused
 * as a duplicate rather than posted twice. A thread whose first post exists but whose replies do not
 * all exist is `partial`: publishing carries on after the last reply found, looking once more before
 * each post (and X refuses a repeated text), so the thread is finished rather than restarted.
 *
 * Comments: the replies in the post's conversation, from recent search (last 7 days only, newest
 * first; see comments.ts).
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Capabilities,
  type Credentials,
  type OAuthAdapter,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
  type RateLimitInfo,
} from '../types.ts';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshConnection,
} from '../oauth2.ts';
import { apiBase, authorizeBase, failureFor, xCall } from './api.ts';
import { readReplies } from './comments.ts';
import { advanceUpload, type UploadState } from './media.ts';
import { createPost, findPost, recentPosts } from './posts.ts';
import { MAX_IMAGES, MAX_WEIGHTED_LENGTH, readOptions, validate } from './validate.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { resumeAfterFailure } from '../kit/resume.ts';
import { resolveXUrl } from './resolve-url.ts';

/** What publishing needs; `users.read` for the profile, `media.write` for uploads. */
const REQUIRED_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'media.write', 'offline.access'];

const capabilities: Capabilities = {
  text: true,
  images: MAX_IMAGES,
  video: true,
  threads: true,
  maxTextLength: MAX_WEIGHTED_LENGTH,
  idempotentPublish: false,
  canDelete: true,
  metrics: true,
  comments: true,
};

const meReply = z.object({
  data: z.object({
    id: z.string(),
    name: z.string(),
    username: z.string(),
    profile_image_url: z.string().optional(),
    public_metrics: z.object({ followers_count: z.number().optional() }).optional(),
  }),
});
const metricsReply = z.object({
  data: z.object({
    id: z.string(),
    public_metrics: z.record(z.string(), z.number()).optional(),
  }),
});

/**
 * X's authorization server: a confidential client authenticates with Basic, a public one sends its
 * id. Its refusals carry rate-limit headers, and any 4xx means the grant is gone (a used refresh
 * token comes back as `invalid_request`), so X's own mapping judges them.
 */
function oauthServer(ctx: AdapterContext): OAuth2Server {
  return {
    name: 'X',
    authorizationEndpoint: `${authorizeBase(ctx)}/i/oauth2/authorize`,
    tokenEndpoint: `${apiBase(ctx)}/2/oauth2/token`,
    clientAuthentication: ctx.app.clientSecret ? 'client_secret_basic' : 'none',
    failure: (refusal) => failureFor(ctx, { ...refusal, bucket: 'oauth', token: true }),
  };
}

async function readMe(ctx: AdapterContext, token: string) {
  const { data } = await xCall(ctx, meReply, {
    what: 'read profile',
    bucket: 'users-me',
    path: '/2/users/me?user.fields=profile_image_url,public_metrics',
    token,
  });
  return data.data;
}

// --- Publish state ----------------------------------------------------------------------------

type XState = {
  /** Upload progress per media item, in order. */
  media: (UploadState | null)[];
  /** Ids posted so far: the first post, then each thread reply. */
  posted: string[];
  /** The last create ended without an answer: it may have gone out, so look before posting again. */
  uncertain: boolean;
  resumes: number;
  /** A token rejection was already answered with a fresh run once; the next one goes to the engine. */
  authRetried: boolean;
};

function readState(raw: Record<string, unknown> | null, mediaCount: number): XState {
  const s = (raw ?? {}) as Partial<XState>;
  const media = Array.isArray(s.media) ? s.media.slice(0, mediaCount) : [];
  while (media.length < mediaCount) media.push(null);
  return {
    media,
    posted: Array.isArray(s.posted) ? s.posted.filter((id) => typeof id === 'string') : [],
    uncertain: s.uncertain === true,
    resumes: typeof s.resumes === 'number' ? s.resumes : 0,
    authRetried: s.authRetried === true,
  };
}

const hasProgress = (state: XState) => state.posted.length > 0 || state.media.some((m) => m !== null);

function postUrl(request: Pick<PublishRequest, 'channel'>, credentials: Credentials, id: string): string {
  const username = request.channel.metadata.username ?? credentials.metadata.username;
  return typeof username === 'string' && username
    ? `https://x.com/${username}/status/${id}`
    : `https://x.com/i/status/${id}`;
}

/**
 * After a failure: keep what was done when the failure is one a later run can get past, else give
 * the error to the engine (with the ids that did go out named in it, since nothing will undo them).
 */
function afterFailure(ctx: AdapterContext, state: XState, error: unknown): PublishOutcome {
  // Only a create that got no answer may have happened; every other answer is definite.
  if (error instanceof PlatformError && error.kind !== 'transient') state.uncertain = false;
  return resumeAfterFailure(ctx, {
    state,
    error,
    hasProgress: hasProgress(state),
    retryAuth: true,
    published: state.posted,
  });
}

async function publish(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  const token = credentials.accessToken;
  const options = readOptions(request.options);
  const texts = [request.text, ...options.thread];
  const state = readState(request.state, request.media.length);
  let rateLimit: RateLimitInfo | null = null;
  try {
    if (state.posted.length === 0) {
      for (const [i, item] of request.media.entries()) {
        const slot = { upload: state.media[i] ?? null };
        try {
          const step = await advanceUpload(ctx, token, item, slot);
          if (step.status === 'processing') {
            return { status: 'pending', state: { ...state }, retryAfterMs: step.retryAfterMs };
          }
        } finally {
          state.media[i] = slot.upload;
        }
      }
    }
    let timeline: Awaited<ReturnType<typeof recentPosts>> | null = null;
    while (state.posted.length < texts.length) {
      const i = state.posted.length;
      const text = texts[i]!;
      const replyTo = i === 0 ? null : state.posted[i - 1]!;
      if (state.uncertain) {
        timeline ??= await recentPosts(ctx, token, credentials.accountId);
        state.uncertain = false;
        const found = findPost(timeline, text, replyTo);
        if (found) {
          state.posted.push(found.id);
          continue;
        }
      }
      state.uncertain = true;
      const created = await createPost(ctx, token, {
        text,
        mediaIds: i === 0 ? state.media.map((m) => m!.mediaId) : [],
        replyTo,
        replySettings: i === 0 ? options.replySettings : null,
        poll: i === 0 ? options.poll : null,
      });
      state.uncertain = false;
      state.authRetried = false;
      state.posted.push(created.id);
      rateLimit = created.rateLimit ?? rateLimit;
    }
  } catch (error) {
    return afterFailure(ctx, state, error);
  }
  const [rootId, ...partIds] = state.posted;
  return {
    status: 'published',
    remoteId: rootId!,
    remoteUrl: postUrl(request, credentials, rootId!),
    rateLimit: rateLimit ?? undefined,
    ...(partIds.length ? { partIds } : {}),
  };
}

export const xAdapter: OAuthAdapter = {
  resolveUrl: resolveXUrl,
  id: 'x',
  displayName: 'X',
  capabilities,

  authorizeUrl: (ctx, request) =>
    authorizationUrl(ctx, oauthServer(ctx), {
      ...request,
      scopes: [...new Set([...request.scopes, ...REQUIRED_SCOPES])],
    }),

  exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, oauthServer(ctx), request),

  refresh: (ctx, credentials) =>
    refreshConnection(
      ctx,
      oauthServer(ctx),
      credentials,
      'refresh: no refresh token (the grant lacked offline.access); reconnect the account',
    ),

  async profile(ctx, tokens) {
    const me = await readMe(ctx, tokens.accessToken);
    return {
      externalId: me.id,
      username: me.username,
      displayName: me.name,
      avatarUrl: me.profile_image_url ?? null,
      metadata: { username: me.username },
    };
  },

  async discoverChannels(ctx, credentials) {
    const me = await readMe(ctx, credentials.accessToken);
    return [
      {
        externalId: me.id,
        kind: 'profile',
        name: me.name,
        username: me.username,
        avatarUrl: me.profile_image_url ?? null,
        url: `https://x.com/${me.username}`,
        followersCount: me.public_metrics?.followers_count ?? null,
        metadata: { username: me.username },
      },
    ];
  },

  validate,
  publish,

  async reconcile(ctx, credentials, request) {
    const posts = await recentPosts(ctx, credentials.accessToken, credentials.accountId);
    const root = findPost(posts, request.text, null);
    if (!root) return { status: 'not_found' };
    const posted = [root.id];
    for (const text of readOptions(request.options).thread) {
      const reply = findPost(posts, text, posted.at(-1)!);
      if (!reply) {
        const state: XState = { media: [], posted, uncertain: true, resumes: 0, authRetried: false };
        return { status: 'partial', state };
      }
      posted.push(reply.id);
    }
    const [, ...partIds] = posted;
    return {
      status: 'found',
      remoteId: root.id,
      remoteUrl: postUrl(request, credentials, root.id),
      ...(partIds.length ? { partIds } : {}),
    };
  },

  async deletePost(ctx, credentials, remoteId) {
    // 404: already gone, which is what deleting wants.
    await xCall(ctx, null, {
      what: 'delete post',
      bucket: 'posts-delete',
      method: 'DELETE',
      path: `/2/tweets/${encodeURIComponent(remoteId)}`,
      token: credentials.accessToken,
      accept: [404],
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const { data } = await xCall(ctx, metricsReply, {
      what: 'read metrics',
      bucket: 'posts-lookup',
      path: `/2/tweets/${encodeURIComponent(remoteId)}?tweet.fields=public_metrics`,
      token: credentials.accessToken,
    });
    const m = data.data.public_metrics ?? {};
    // The newer OpenAPI names reposts `repost_count`; older replies say `retweet_count`.
    const reposts = m.repost_count ?? m.retweet_count;
    return {
      likes: m.like_count ?? null,
      comments: m.reply_count ?? null,
      shares: reposts === undefined ? null : reposts + (m.quote_count ?? 0),
      impressions: m.impression_count ?? null,
      saves: m.bookmark_count ?? null,
      raw: m,
    };
  },

  readComments: readReplies,
};
