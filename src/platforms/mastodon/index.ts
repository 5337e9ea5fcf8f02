/**
 * Herald's adapter for Mastodon (and servers speaking its API). The platform app's `baseUrl` is the
 * instance (`register-app.ts` creates that app); tokens come from the authorization-code flow with
 * PKCE, never expire and have no refresh token.
 *
 * Publishing is idempotent for an hour: every status carries `Idempotency-Key` (the target's key,
 * `<key>:<n>` for the n-th reply of a thread), and Mastodon returns the status it already made for a
 * key it saw in the last hour (it keeps keys in Redis for 3,600 s) instead of posting again.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Capabilities,
  type OAuthAdapter,
  type PublishRequest,
  type RateLimitInfo,
} from '../types.ts';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshConnection,
} from '../oauth2.ts';
import { call, failureFor, instanceUrl, parseRateLimit, statusReply } from './api.ts';
import { readStatusReplies } from './comments.ts';
import { prepareMedia } from './media.ts';
import { reconcileThread } from './reconcile.ts';
import { DEFAULT_SCOPES, registerMastodonApp } from './register-app.ts';
import { DEFAULT_LIMITS, limitsFromInstance, readOptions, validate, validateWith } from './validate.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { resolveMastodonUrl } from './resolve-url.ts';

const capabilities: Capabilities = {
  text: true,
  images: DEFAULT_LIMITS.maxMediaAttachments,
  video: true,
  threads: true,
  maxTextLength: DEFAULT_LIMITS.maxCharacters,
  idempotentPublish: true,
  canDelete: true,
  metrics: true,
  comments: true,
};

const account = z.object({
  id: z.string(),
  username: z.string(),
  acct: z.string(),
  display_name: z.string(),
  avatar: z.string().nullable().optional(),
  url: z.string().nullable().optional(),
  followers_count: z.number().optional(),
});

/**
 * The instance's authorization server: client id and secret in the body. Mastodon's tokens live
 * until revoked; should an instance send `expires_in` or a refresh token, they are honoured.
 */
function oauthServer(ctx: AdapterContext): OAuth2Server {
  return {
    name: 'Mastodon',
    authorizationEndpoint: `${instanceUrl(ctx)}/oauth/authorize`,
    tokenEndpoint: `${instanceUrl(ctx)}/oauth/token`,
    clientAuthentication: 'client_secret_post',
    failure: (refusal) => failureFor(ctx, { ...refusal, rateLimit: parseRateLimit(refusal.headers, 'api') }),
  };
}

async function verifyCredentials(ctx: AdapterContext, token: string) {
  const { data } = await call(ctx, account, {
    what: 'read account',
    path: '/api/v1/accounts/verify_credentials',
    token,
  });
  return data;
}

/**
 * Account ids are only unique within an instance, so Herald's account id is `<id>@<host>`; the
 * instance's own id is kept in the connection's metadata.
 */
function externalIdOf(ctx: AdapterContext, id: string) {
  return `${id}@${new URL(instanceUrl(ctx)).host}`;
}

/** The instance's description (`configuration` holds its limits). */
async function readInstance(ctx: AdapterContext): Promise<unknown> {
  const reply = await call(ctx, z.unknown(), {
    what: 'read instance limits',
    path: '/api/v2/instance',
    accept: [404],
  });
  if (reply.status !== 404) return reply.data;
  // Before 4.0 the same `configuration` lives in v1.
  return (await call(ctx, z.unknown(), { what: 'read instance limits', path: '/api/v1/instance' })).data;
}

const readLimits = async (ctx: AdapterContext) => limitsFromInstance(await readInstance(ctx));

export const replyKey = (key: string, n: number) => `${key}:${n}`;

async function postStatus(
  ctx: AdapterContext,
  token: string,
  options: {
    request: PublishRequest;
    text: string;
    mediaIds: string[];
    inReplyToId: string | null;
    idempotencyKey: string;
  },
) {
  const settings = readOptions(options.request.options);
  const body: Record<string, unknown> = { status: options.text };
  if (options.mediaIds.length) body.media_ids = options.mediaIds;
  if (options.inReplyToId) body.in_reply_to_id = options.inReplyToId;
  if (settings.spoilerText) body.spoiler_text = settings.spoilerText;
  if (settings.visibility) body.visibility = settings.visibility;
  if (settings.sensitive !== null) body.sensitive = settings.sensitive;
  if (settings.language) body.language = settings.language;
  return call(ctx, statusReply, {
    what: 'post status',
    method: 'POST',
    path: '/api/v1/statuses',
    token,
    json: body,
    headers: { 'idempotency-key': options.idempotencyKey },
    bucket: 'statuses',
  });
}

export const mastodonAdapter: OAuthAdapter = {
  resolveUrl: resolveMastodonUrl,
  id: 'mastodon',
  displayName: 'Mastodon',
  capabilities,

  registerApp: (options) =>
    registerMastodonApp({
      fetch: options.fetch,
      instanceUrl: options.baseUrl,
      redirectUri: options.redirectUri,
      ...(options.signal ? { signal: options.signal } : {}),
      now: options.now,
    }),

  authorizeUrl(ctx, request) {
    // Mastodon ≥ 4.3 checks PKCE (S256 only); older versions ignore the challenge.
    return authorizationUrl(ctx, oauthServer(ctx), {
      ...request,
      scopes: request.scopes.length ? request.scopes : DEFAULT_SCOPES,
    });
  },

  exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, oauthServer(ctx), request),

  refresh: (ctx, credentials) =>
    refreshConnection(
      ctx,
      oauthServer(ctx),
      credentials,
      'Mastodon tokens do not expire and cannot be refreshed: this one was revoked; reconnect the account',
    ),

  async profile(ctx, tokens) {
    const me = await verifyCredentials(ctx, tokens.accessToken);
    return {
      externalId: externalIdOf(ctx, me.id),
      username: `${me.acct}@${new URL(instanceUrl(ctx)).host}`,
      displayName: me.display_name || me.username,
      avatarUrl: me.avatar ?? null,
      metadata: { accountId: me.id, instance: instanceUrl(ctx) },
    };
  },

  async discoverChannels(ctx, credentials) {
    const me = await verifyCredentials(ctx, credentials.accessToken);
    // Kept with the channel so the composer checks this instance's limits, not Mastodon's defaults.
    const instance = await readInstance(ctx).catch(() => null);
    const configuration = (instance as { configuration?: unknown } | null)?.configuration ?? null;
    return [
      {
        externalId: externalIdOf(ctx, me.id),
        kind: 'profile',
        name: me.display_name || me.username,
        username: `${me.acct}@${new URL(instanceUrl(ctx)).host}`,
        avatarUrl: me.avatar ?? null,
        url: me.url ?? null,
        followersCount: me.followers_count ?? null,
        metadata: { accountId: me.id, ...(configuration ? { instanceConfiguration: configuration } : {}) },
      },
    ];
  },

  validate,

  async publish(ctx, credentials, request) {
    const token = credentials.accessToken;
    // The instance's own limits, checked once per target (a resumed run already passed them).
    if (!request.state) rejectInvalid(validateWith(await readLimits(ctx), request));
    const media = await prepareMedia(ctx, token, { media: request.media, state: request.state });
    if (media.status === 'pending') {
      return { status: 'pending', state: media.state, retryAfterMs: media.retryAfterMs };
    }
    const root = await postStatus(ctx, token, {
      request,
      text: request.text,
      mediaIds: media.ids,
      inReplyToId: null,
      idempotencyKey: request.idempotencyKey,
    });
    let rateLimit: RateLimitInfo | null = root.rateLimit;
    let previous = root.data.id;
    const partIds: string[] = [];
    for (const [i, text] of readOptions(request.options).thread.entries()) {
      const reply = await postStatus(ctx, token, {
        request,
        text,
        mediaIds: [],
        inReplyToId: previous,
        idempotencyKey: replyKey(request.idempotencyKey, i + 1),
      });
      previous = reply.data.id;
      partIds.push(reply.data.id);
      rateLimit = reply.rateLimit ?? rateLimit;
    }
    return {
      status: 'published',
      remoteId: root.data.id,
      remoteUrl: root.data.url ?? root.data.uri,
      rateLimit: rateLimit ?? undefined,
      ...(partIds.length ? { partIds } : {}),
    };
  },

  reconcile: (ctx, credentials, request) => reconcileThread(ctx, credentials, request),

  async deletePost(ctx, credentials, remoteId) {
    // 404: already gone, which is what deleting wants. Replies of a thread stay (Mastodon keeps them).
    await call(ctx, null, {
      what: 'delete status',
      method: 'DELETE',
      path: `/api/v1/statuses/${encodeURIComponent(remoteId)}`,
      token: credentials.accessToken,
      accept: [404],
      bucket: 'deletes',
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const { data } = await call(ctx, statusReply, {
      what: 'read status',
      path: `/api/v1/statuses/${encodeURIComponent(remoteId)}`,
      token: credentials.accessToken,
    });
    return {
      likes: data.favourites_count ?? null,
      comments: data.replies_count ?? null,
      shares: data.reblogs_count ?? null,
      // Mastodon counts no views.
      impressions: null,
      raw: {
        favourites_count: data.favourites_count,
        reblogs_count: data.reblogs_count,
        replies_count: data.replies_count,
        quotes_count: data.quotes_count,
      },
    };
  },

  readComments: (ctx, credentials, remoteId, page) => readStatusReplies(ctx, credentials, remoteId, page),
};
