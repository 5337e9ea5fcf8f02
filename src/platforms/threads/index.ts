/**
 * Herald's adapter for Threads (Threads API, `graph.threads.net`).
 *
 * Auth: the Threads authorize dialog, code → short-lived token (1 h, `POST /oauth/access_token`) →
 * long-lived token (60 days, `th_exchange_token`). Refresh is `th_refresh_token` on the long-lived
 * token itself (it must be at least 24 h old and unexpired), so that token is also returned as the
 * refresh token; a token left unrefreshed for 60 days dies and needs a new login.
 *
 * Base URLs: `ctx.app.baseUrl` replaces `https://graph.threads.net`; `settings.authBaseUrl`
 * replaces `https://threads.net` for the dialog (defaulting to `baseUrl` when that is set).
 *
 * Media: Threads downloads media from a URL, so media needs Herald's PUBLIC_URL to be public.
 *
 * Reconcile guarantee: no idempotency key. Within one publish, a container can be published only
 * once, and a container already PUBLISHED is looked up rather than published again. After a crash
 * (state lost), reconcile looks for the text among the account's 50 latest posts of the last 72 h:
 * `found` means a post with the same text exists (it could be an identical earlier post in that
 * window); `not_found` may miss a post Threads has not listed yet. A thread whose first post exists
 * but not every reply is `unknowable`.
 *
 * Comments: the post's whole conversation, every depth, oldest first (see comments.ts).
 */
import { z } from 'zod';
import { graphCall } from '../meta/graph.ts';
import { deleteObject, findRecent } from '../meta/publishing.ts';
import {
  type AdapterContext,
  type Capabilities,
  type OAuthAdapter,
  PlatformError,
  type TokenSet,
} from '../types.ts';
import { readConversation } from './comments.ts';
import { permalinkOf, publishToThreads, recentThreads, repliesTo, type ThreadsApi } from './publish.ts';
import { MAX_CAROUSEL, MAX_TEXT, readOptions, validate } from './validate.ts';

const THREADS_URL = 'https://graph.threads.net';
const AUTHORIZE_URL = 'https://threads.net';
const API_VERSION = 'v1.0';
const REQUIRED_SCOPES = [
  'threads_basic',
  'threads_content_publish',
  'threads_manage_insights',
  'threads_read_replies',
  'threads_delete',
];

const capabilities: Capabilities = {
  text: true,
  images: MAX_CAROUSEL,
  video: true,
  threads: true,
  maxTextLength: MAX_TEXT,
  idempotentPublish: false,
  canDelete: true,
  metrics: true,
  comments: true,
};

function host(ctx: AdapterContext): string {
  return (ctx.app.baseUrl ?? THREADS_URL).replace(/\/+$/, '');
}

function apiFor(ctx: AdapterContext, token: string, userId: string): ThreadsApi {
  return { base: `${host(ctx)}/${API_VERSION}`, token, userId };
}

const shortTokenReply = z.object({
  access_token: z.string().min(1),
  user_id: z.union([z.string(), z.number()]).optional(),
});
const longTokenReply = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});
const meReply = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string().optional(),
  threads_profile_picture_url: z.string().optional(),
});
const insightsReply = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      values: z.array(z.object({ value: z.number() })).optional(),
      total_value: z.object({ value: z.number() }).optional(),
    }),
  ),
});

function secretOf(ctx: AdapterContext, what: string): string {
  if (!ctx.app.clientSecret) {
    throw new PlatformError({
      kind: 'invalid',
      message: `${what}: the Threads app has no app secret configured`,
    });
  }
  return ctx.app.clientSecret;
}

function tokenSet(ctx: AdapterContext, data: z.infer<typeof longTokenReply>): TokenSet {
  return {
    accessToken: data.access_token,
    refreshToken: data.access_token,
    expiresAt: data.expires_in === undefined ? null : new Date(ctx.now().getTime() + data.expires_in * 1000),
    scopes: [],
  };
}

async function readMe(ctx: AdapterContext, token: string) {
  const { data } = await graphCall(ctx, meReply, {
    what: 'read profile',
    base: `${host(ctx)}/${API_VERSION}`,
    path: '/me',
    token,
    params: { fields: 'id,username,name,threads_profile_picture_url' },
  });
  return data;
}

export const threadsAdapter: OAuthAdapter = {
  id: 'threads',
  displayName: 'Threads',
  capabilities,

  authorizeUrl(ctx, request) {
    const setting = ctx.app.settings.authBaseUrl;
    const base = (
      typeof setting === 'string' && setting ? setting : (ctx.app.baseUrl ?? AUTHORIZE_URL)
    ).replace(/\/+$/, '');
    const url = new URL(`${base}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: ctx.app.clientId,
      redirect_uri: request.redirectUri,
      scope: [...new Set([...request.scopes, ...REQUIRED_SCOPES])].join(','),
      response_type: 'code',
      state: request.state,
    }).toString();
    return url.toString();
  },

  async exchangeCode(ctx, request) {
    const { data: short } = await graphCall(ctx, shortTokenReply, {
      what: 'exchange code',
      base: host(ctx),
      method: 'POST',
      path: '/oauth/access_token',
      params: {
        client_id: ctx.app.clientId,
        client_secret: secretOf(ctx, 'exchange code'),
        grant_type: 'authorization_code',
        redirect_uri: request.redirectUri,
        code: request.code,
      },
    });
    const { data } = await graphCall(ctx, longTokenReply, {
      what: 'exchange for a long-lived token',
      base: host(ctx),
      path: '/access_token',
      params: {
        grant_type: 'th_exchange_token',
        client_secret: secretOf(ctx, 'exchange for a long-lived token'),
        access_token: short.access_token,
      },
    });
    return { ...tokenSet(ctx, data), scopes: REQUIRED_SCOPES };
  },

  async refresh(ctx, credentials) {
    if (credentials.expiresAt && credentials.expiresAt.getTime() <= ctx.now().getTime()) {
      throw new PlatformError({
        kind: 'auth',
        message: 'the Threads token expired and Threads cannot renew an expired token; reconnect the account',
      });
    }
    const { data } = await graphCall(ctx, longTokenReply, {
      what: 'refresh',
      base: host(ctx),
      path: '/refresh_access_token',
      params: { grant_type: 'th_refresh_token', access_token: credentials.accessToken },
    });
    return tokenSet(ctx, data);
  },

  async profile(ctx, tokens) {
    const me = await readMe(ctx, tokens.accessToken);
    return {
      externalId: me.id,
      username: me.username,
      displayName: me.name ?? me.username,
      avatarUrl: me.threads_profile_picture_url ?? null,
      metadata: { username: me.username },
    };
  },

  async discoverChannels(ctx, credentials) {
    const me = await readMe(ctx, credentials.accessToken);
    return [
      {
        externalId: me.id,
        kind: 'profile',
        name: me.name ?? me.username,
        username: me.username,
        avatarUrl: me.threads_profile_picture_url ?? null,
        url: `https://www.threads.net/@${me.username}`,
        metadata: { username: me.username },
      },
    ];
  },

  validate,

  publish(ctx, credentials, request) {
    return publishToThreads(ctx, request, apiFor(ctx, credentials.accessToken, request.channel.externalId));
  },

  async reconcile(ctx, credentials, request) {
    const api = apiFor(ctx, credentials.accessToken, request.channel.externalId);
    const root = findRecent(ctx, await recentThreads(ctx, api), request.text);
    if (!root) return { status: 'not_found' };
    const partIds: string[] = [];
    for (const text of readOptions(request.options).thread) {
      const reply = findRecent(ctx, await repliesTo(ctx, api, partIds.at(-1) ?? root.id), text);
      // Threads accepts the same text twice, so a reply not listed (yet) can't be posted blindly.
      if (!reply) return { status: 'unknowable' };
      partIds.push(reply.id);
    }
    return {
      status: 'found',
      remoteId: root.id,
      remoteUrl: root.permalink ?? (await permalinkOf(ctx, api, root.id)),
      ...(partIds.length ? { partIds } : {}),
    };
  },

  async deletePost(ctx, credentials, remoteId) {
    await deleteObject(ctx, {
      base: `${host(ctx)}/${API_VERSION}`,
      id: remoteId,
      token: credentials.accessToken,
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const { data } = await graphCall(ctx, insightsReply, {
      what: 'read metrics',
      base: `${host(ctx)}/${API_VERSION}`,
      path: `/${encodeURIComponent(remoteId)}/insights`,
      token: credentials.accessToken,
      params: { metric: 'views,likes,replies,reposts,quotes,shares' },
    });
    const raw: Record<string, number> = {};
    for (const metric of data.data) {
      const value = metric.total_value?.value ?? metric.values?.[0]?.value;
      if (value !== undefined) raw[metric.name] = value;
    }
    const shared = ['reposts', 'quotes', 'shares'].filter((k) => raw[k] !== undefined);
    return {
      likes: raw.likes ?? null,
      comments: raw.replies ?? null,
      shares: shared.length ? shared.reduce((n, k) => n + raw[k]!, 0) : null,
      impressions: raw.views ?? null,
      raw,
    };
  },

  readComments(ctx, credentials, remoteId, page) {
    return readConversation(
      ctx,
      { base: `${host(ctx)}/${API_VERSION}`, token: credentials.accessToken },
      remoteId,
      page,
    );
  },
};
