/**
 * Herald's adapter for Reddit. Connecting is Reddit's authorization-code flow (no PKCE) with
 * `duration=permanent` for a refresh token; the token endpoint takes HTTP Basic client auth. A
 * post goes to `options.subreddit` as a text (`self`), link or image post.
 *
 * Reddit has no idempotency key. Text and link submissions answer with the new post's id at once;
 * image submissions do not (the post appears once Reddit has processed the image), so the image
 * run returns `pending` and the next runs look the post up among the account's newest submissions.
 * Reconcile uses the same lookup (see `findSubmission`).
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Capabilities,
  type Credentials,
  type OAuthAdapter,
  PlatformError,
  type PublishRequest,
} from '../types.ts';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshConnection,
} from '../oauth2.ts';
import { authUrl, call, failureFor, parseRateLimit, submitFailure, userAgentOf } from './api.ts';
import { readRedditComments } from './comments.ts';
import { uploadImage } from './media.ts';
import { MAX_SELF_TEXT, readOptions, validate } from './validate.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { resolveRedditUrl } from './resolve-url.ts';

export const DEFAULT_SCOPES = ['identity', 'submit', 'read', 'edit', 'history'];
/** How long an image post may take to appear before Herald gives up on it. */
const MAX_IMAGE_WAIT_MS = 15 * 60_000;
/** Reconcile and the image wait only trust submissions this recent. */
const LOOKBACK_MS = 48 * 3_600_000;

const capabilities: Capabilities = {
  text: true,
  images: 1,
  video: false,
  threads: false,
  maxTextLength: MAX_SELF_TEXT,
  idempotentPublish: false,
  canDelete: true,
  metrics: true,
  comments: true,
};

const me = z.object({ id: z.string(), name: z.string(), icon_img: z.string().nullable().optional() });

const submitReply = z.object({
  json: z.object({
    errors: z.array(z.array(z.unknown())),
    ratelimit: z.number().optional(),
    data: z
      .object({
        id: z.string().optional(),
        name: z.string().optional(),
        url: z.string().optional(),
        websocket_url: z.string().optional(),
        user_submitted_page: z.string().optional(),
      })
      .optional(),
  }),
});

const thing = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  subreddit: z.string(),
  permalink: z.string(),
  created_utc: z.number(),
  score: z.number().optional(),
  ups: z.number().optional(),
  upvote_ratio: z.number().optional(),
  num_comments: z.number().optional(),
  removed_by_category: z.string().nullable().optional(),
});
const listing = z.object({
  data: z.object({ children: z.array(z.object({ kind: z.string(), data: thing })) }),
});

/**
 * Reddit's authorization server: Basic client authentication (an installed app has an empty secret),
 * no PKCE, and the descriptive User-Agent every Reddit request needs.
 */
function oauthServer(ctx: AdapterContext): OAuth2Server {
  return {
    name: 'Reddit',
    authorizationEndpoint: `${authUrl(ctx)}/api/v1/authorize`,
    tokenEndpoint: `${authUrl(ctx)}/api/v1/access_token`,
    clientAuthentication: 'client_secret_basic',
    pkce: false,
    headers: { 'user-agent': userAgentOf(ctx) },
    failure(refusal) {
      const rateLimit = parseRateLimit(ctx, refusal.headers);
      // A refused grant comes back inside a 200 (`{"error": "invalid_grant"}`): authorise again.
      if (refusal.status < 300) {
        const error = String((refusal.body as { error: unknown }).error);
        return new PlatformError({
          kind: 'auth',
          code: error,
          message: `${refusal.what}: Reddit refused: ${error}`,
          rateLimit,
        });
      }
      return failureFor(ctx, { ...refusal, rateLimit });
    },
  };
}

async function readMe(ctx: AdapterContext, token: string) {
  const { data } = await call(ctx, me, { what: 'read account', url: '/api/v1/me?raw_json=1', token });
  return data;
}

async function usernameOf(ctx: AdapterContext, credentials: Credentials): Promise<string> {
  const stored = credentials.metadata.username;
  return typeof stored === 'string' ? stored : (await readMe(ctx, credentials.accessToken)).name;
}

/**
 * The account's submission to `subreddit` titled `title` among its 100 newest, made after `since`.
 * What it guarantees: a post Herald made is found unless 100 newer ones were made since; a post
 * the user made by hand with the very same title in the same subreddit within the window would be
 * taken for Herald's.
 */
async function findSubmission(
  ctx: AdapterContext,
  credentials: Credentials,
  options: { subreddit: string; title: string; since: Date },
) {
  const username = await usernameOf(ctx, credentials);
  const { data } = await call(ctx, listing, {
    what: 'list submissions',
    url: `/user/${encodeURIComponent(username)}/submitted?sort=new&limit=100&raw_json=1`,
    token: credentials.accessToken,
  });
  const found = data.data.children
    .map((c) => c.data)
    .find(
      (t) =>
        t.title === options.title &&
        t.subreddit.toLowerCase() === options.subreddit.toLowerCase() &&
        t.created_utc * 1000 >= options.since.getTime(),
    );
  return found ? { remoteId: found.name, remoteUrl: `https://www.reddit.com${found.permalink}` } : null;
}

const imageWait = z.object({
  awaitingImagePost: z.object({ since: z.string(), submittedAt: z.string(), polls: z.number() }),
});

async function submit(ctx: AdapterContext, credentials: Credentials, request: PublishRequest) {
  const options = readOptions(request);
  const form: Record<string, string> = {
    api_type: 'json',
    sr: options.subreddit,
    kind: options.kind,
    title: request.title!.trim(),
    sendreplies: 'true',
    nsfw: String(options.nsfw),
    spoiler: String(options.spoiler),
    resubmit: String(options.resubmit),
  };
  if (options.kind === 'self') form.text = request.text;
  if (options.kind === 'link') form.url = options.url!;
  if (options.kind === 'image') form.url = await uploadImage(ctx, credentials.accessToken, request.media[0]!);
  if (options.flairId) form.flair_id = options.flairId;
  if (options.flairText) form.flair_text = options.flairText;
  const { data, rateLimit } = await call(ctx, submitReply, {
    what: 'submit',
    url: '/api/submit',
    token: credentials.accessToken,
    form,
  });
  if (data.json.errors.length) {
    throw submitFailure(ctx, 'submit', data.json.errors, {
      ratelimitSeconds: data.json.ratelimit ?? null,
      rateLimit,
    });
  }
  return { data: data.json.data, rateLimit };
}

export const redditAdapter: OAuthAdapter = {
  resolveUrl: resolveRedditUrl,
  id: 'reddit',
  displayName: 'Reddit',
  capabilities,

  authorizeUrl(ctx, request) {
    return authorizationUrl(ctx, oauthServer(ctx), {
      ...request,
      scopes: request.scopes.length ? request.scopes : DEFAULT_SCOPES,
      // Without `permanent` Reddit issues no refresh token and the connection dies within the hour.
      params: { duration: 'permanent' },
    });
  },

  exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, oauthServer(ctx), request),

  // Reddit normally answers without a new refresh token: Herald keeps the one it has.
  refresh: (ctx, credentials) =>
    refreshConnection(
      ctx,
      oauthServer(ctx),
      credentials,
      'the Reddit connection has no refresh token; reconnect it',
    ),

  async profile(ctx, tokens) {
    const account = await readMe(ctx, tokens.accessToken);
    return {
      externalId: account.id,
      username: account.name,
      displayName: `u/${account.name}`,
      avatarUrl: account.icon_img || null,
      metadata: { username: account.name },
    };
  },

  async discoverChannels(ctx, credentials) {
    const account = await readMe(ctx, credentials.accessToken);
    return [
      {
        externalId: account.id,
        kind: 'account',
        name: `u/${account.name}`,
        username: account.name,
        avatarUrl: account.icon_img || null,
        url: `https://www.reddit.com/user/${account.name}`,
        metadata: { username: account.name },
      },
    ];
  },

  validate,

  async publish(ctx, credentials, request) {
    rejectInvalid(validate(request));
    const options = readOptions(request);
    const waiting = imageWait.safeParse(request.state);
    if (waiting.success) {
      const wait = waiting.data.awaitingImagePost;
      const found = await findSubmission(ctx, credentials, {
        subreddit: options.subreddit,
        title: request.title!.trim(),
        since: new Date(wait.since),
      });
      if (found) return { status: 'published', ...found };
      if (ctx.now().getTime() - Date.parse(wait.submittedAt) > MAX_IMAGE_WAIT_MS) {
        throw new PlatformError({
          kind: 'invalid',
          code: 'media_processing_failed',
          message:
            'Reddit accepted the image post but it never appeared: the image was probably refused in processing',
        });
      }
      return {
        status: 'pending',
        state: { awaitingImagePost: { ...wait, polls: wait.polls + 1 } },
        retryAfterMs: Math.min(5_000 * 2 ** wait.polls, 60_000),
      };
    }
    const since = new Date(ctx.now().getTime() - 60_000);
    const { data, rateLimit } = await submit(ctx, credentials, request);
    if (data?.name) {
      return {
        status: 'published',
        remoteId: data.name,
        remoteUrl: data.url ?? null,
        rateLimit: rateLimit ?? undefined,
      };
    }
    // Image posts answer with a websocket to wait on instead of an id: look the post up later.
    const submittedAt = ctx.now().toISOString();
    return {
      status: 'pending',
      state: { awaitingImagePost: { since: since.toISOString(), submittedAt, polls: 0 } },
      retryAfterMs: 5_000,
      rateLimit: rateLimit ?? undefined,
    };
  },

  async reconcile(ctx, credentials, request) {
    const options = readOptions(request);
    const found = await findSubmission(ctx, credentials, {
      subreddit: options.subreddit,
      title: request.title?.trim() ?? '',
      since: new Date(ctx.now().getTime() - LOOKBACK_MS),
    });
    return found ? { status: 'found', ...found } : { status: 'not_found' };
  },

  async deletePost(ctx, credentials, remoteId) {
    // Deleting something already deleted answers 200 as well.
    await call(ctx, null, {
      what: 'delete post',
      url: '/api/del',
      token: credentials.accessToken,
      form: { id: remoteId },
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const { data } = await call(ctx, listing, {
      what: 'read post',
      url: `/api/info?id=${encodeURIComponent(remoteId)}&raw_json=1`,
      token: credentials.accessToken,
    });
    const post = data.data.children[0]?.data;
    if (!post)
      throw new PlatformError({ kind: 'invalid', message: `read metrics: ${remoteId} does not exist` });
    return {
      // Reddit shows the score (upvotes minus downvotes, fuzzed), not likes as such.
      likes: post.score ?? null,
      comments: post.num_comments ?? null,
      shares: null,
      impressions: null,
      raw: {
        score: post.score,
        ups: post.ups,
        upvote_ratio: post.upvote_ratio,
        num_comments: post.num_comments,
      },
    };
  },

  readComments: (ctx, credentials, remoteId, page) => readRedditComments(ctx, credentials, remoteId, page),
};
