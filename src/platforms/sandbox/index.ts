/**
 * Herald's adapter for the sandbox network (served by src/sandbox/ under `/sandbox`). It is written
 * exactly as for an outside platform: it speaks HTTP to the platform app's base URL with the fetch
 * and signal it is given, and knows the platform's rules only as its documentation states them.
 */
import { z } from 'zod';
import { type AdapterContext, type Capabilities, type OAuthAdapter } from '../types.ts';
import { authorizationUrl, exchangeAuthorizationCode, refreshConnection } from '../oauth2.ts';
import { baseUrl, call, oauthServer } from './api.ts';
import { readSandboxChannelStats } from './channel-stats.ts';
import { readComments } from './comments.ts';
import { publish, reconcile } from './publish.ts';
import { resolveSandboxUrl } from './resolve-url.ts';
import { MAX_MEDIA_PER_POST, MAX_TEXT_GRAPHEMES, validate } from './validate.ts';

const capabilities: Capabilities = {
  text: true,
  images: MAX_MEDIA_PER_POST,
  video: true,
  threads: true,
  maxTextLength: MAX_TEXT_GRAPHEMES,
  idempotentPublish: true,
  canDelete: true,
  metrics: true,
  comments: true,
};

const accountReply = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  avatar_url: z.string().nullable(),
  followers: z.number(),
  url: z.string().optional(),
});
const metricsReply = z.object({
  likes: z.number(),
  comments: z.number(),
  shares: z.number(),
  impressions: z.number(),
});

async function readProfile(ctx: AdapterContext, accessToken: string) {
  const { data } = await call(ctx, accountReply, {
    what: 'read profile',
    path: '/api/me',
    token: accessToken,
  });
  return data;
}

export const sandboxAdapter: OAuthAdapter = {
  id: 'sandbox',
  resolveUrl: resolveSandboxUrl,
  readChannelStats: readSandboxChannelStats,
  displayName: 'Sandbox',
  capabilities,

  authorizeUrl: (ctx, request) =>
    authorizationUrl(ctx, oauthServer(ctx), {
      ...request,
      ...(request.loginHint ? { params: { login_hint: request.loginHint } } : {}),
    }),

  exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, oauthServer(ctx), request),

  refresh: (ctx, credentials) =>
    refreshConnection(ctx, oauthServer(ctx), credentials, 'refresh: the connection has no refresh token'),

  async profile(ctx, tokens) {
    const me = await readProfile(ctx, tokens.accessToken);
    return {
      externalId: me.id,
      username: me.username,
      displayName: me.display_name,
      avatarUrl: me.avatar_url,
      metadata: { followers: me.followers },
    };
  },

  async discoverChannels(ctx, credentials) {
    const me = await readProfile(ctx, credentials.accessToken);
    return [
      {
        externalId: me.id,
        kind: 'profile',
        name: me.display_name,
        username: me.username,
        avatarUrl: me.avatar_url,
        url: me.url ?? `${baseUrl(ctx)}/@${me.username}`,
        followersCount: me.followers,
      },
    ];
  },

  validate,
  publish,
  reconcile,

  async deletePost(ctx, credentials, remoteId) {
    // 404: already gone, which is what deleting wants.
    await call(ctx, null, {
      what: 'delete post',
      method: 'DELETE',
      path: `/api/posts/${encodeURIComponent(remoteId)}`,
      token: credentials.accessToken,
      accept: [404],
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const { data } = await call(ctx, metricsReply, {
      what: 'read metrics',
      path: `/api/posts/${encodeURIComponent(remoteId)}/metrics`,
      token: credentials.accessToken,
    });
    return { ...data, raw: data };
  },

  readComments,
};
