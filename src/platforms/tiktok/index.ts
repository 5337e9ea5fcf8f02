/**
 * Herald's adapter for TikTok (Login Kit v2 + Content Posting API, Direct Post).
 *
 * Auth: OAuth 2.0 authorization code against `/v2/oauth/token/` with `client_key`; the account is
 * the `open_id`. Access tokens live hours and refresh tokens rotate: every refresh returns a new one
 * and the old one stops working.
 *
 * Publishing: see publish.ts. Videos by FILE_UPLOAD (chunked PUTs) or PULL_FROM_URL, photo posts by
 * URL; PULL_FROM_URL needs media URLs TikTok can reach (PUBLIC_URL), and its domain verified in the
 * TikTok developer portal.
 *
 * Reconcile guarantee: TikTok has no idempotency key. The `publish_id` in the state is the key: with
 * it the status tells for sure. A run that died before the state kept it leaves only the video list
 * (`video.list` scope): a video whose caption equals the text is `found`. No match is `unknowable`,
 * not `not_found`, because a post still processing, under moderation or private is not listed yet.
 *
 * Delete: TikTok's API has no endpoint to delete a post; `deletePost` says so.
 *
 * Comments: the Display and Content Posting APIs Herald's connection uses only count comments
 * (`comment_count`). Listing them is in the Research API (approved non-profit researchers) and in
 * TikTok's separate API for Business (Business accounts, its own app and authorisation); neither
 * is reachable with this connection, so `readComments` says so.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Capabilities,
  type OAuthAdapter,
  PlatformError,
  type TokenSet,
} from '../types.ts';
import { authBase, tiktokCall } from './api.ts';
import { fetchStatus, publish, readState, videoUrl } from './publish.ts';
import { MAX_PHOTOS, validate } from './validate.ts';

const REQUIRED_SCOPES = ['user.info.basic', 'video.publish', 'video.upload', 'video.list'];

const capabilities: Capabilities = {
  text: false,
  images: MAX_PHOTOS,
  video: true,
  threads: false,
  maxTextLength: 2200,
  idempotentPublish: false,
  canDelete: false,
  metrics: true,
  comments: false,
};

const tokenReply = z.object({
  open_id: z.string(),
  access_token: z.string().min(1),
  expires_in: z.number().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});
const userReply = z.object({
  data: z.object({
    user: z.object({
      open_id: z.string(),
      display_name: z.string().optional(),
      username: z.string().optional(),
      avatar_url: z.string().optional(),
      follower_count: z.number().optional(),
    }),
  }),
});
const videoFields = z.object({
  id: z.string(),
  title: z.string().optional(),
  video_description: z.string().optional(),
  share_url: z.string().optional(),
  like_count: z.number().optional(),
  comment_count: z.number().optional(),
  share_count: z.number().optional(),
  view_count: z.number().optional(),
});
const videosReply = z.object({ data: z.object({ videos: z.array(videoFields).default([]) }) });

async function requestTokens(
  ctx: AdapterContext,
  what: string,
  form: Record<string, string>,
): Promise<TokenSet> {
  const { data } = await tiktokCall(ctx, tokenReply, {
    what,
    method: 'POST',
    path: '/v2/oauth/token/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...form,
      client_key: ctx.app.clientId,
      client_secret: ctx.app.clientSecret ?? '',
    }),
    tokenEndpoint: true,
  });
  return {
    accessToken: data.access_token,
    refreshToken: data.refresh_token ?? null,
    expiresAt: data.expires_in === undefined ? null : new Date(ctx.now().getTime() + data.expires_in * 1000),
    scopes: (data.scope ?? '').split(',').filter(Boolean),
  };
}

async function readUser(ctx: AdapterContext, token: string, stats: boolean) {
  const fields = `open_id,avatar_url,display_name,username${stats ? ',follower_count' : ''}`;
  const { data } = await tiktokCall(ctx, userReply, {
    what: 'read user',
    path: `/v2/user/info/?fields=${fields}`,
    token,
  });
  return data.data.user;
}

async function listVideos(ctx: AdapterContext, token: string) {
  const { data } = await tiktokCall(ctx, videosReply, {
    what: 'list videos',
    method: 'POST',
    path: '/v2/video/list/?fields=id,title,video_description,share_url,create_time',
    token,
    json: { max_count: 20 },
  });
  return data.data.videos;
}

export const tiktokAdapter: OAuthAdapter = {
  id: 'tiktok',
  displayName: 'TikTok',
  capabilities,

  authorizeUrl(ctx, request) {
    const scopes = [...new Set([...REQUIRED_SCOPES, ...ctx.app.scopes, ...request.scopes])];
    const url = new URL(`${authBase(ctx)}/v2/auth/authorize/`);
    url.search = new URLSearchParams({
      client_key: ctx.app.clientId,
      response_type: 'code',
      // TikTok separates scopes with commas.
      scope: scopes.join(','),
      redirect_uri: request.redirectUri,
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  },

  exchangeCode(ctx, request) {
    return requestTokens(ctx, 'exchange code', {
      grant_type: 'authorization_code',
      code: request.code,
      redirect_uri: request.redirectUri,
      code_verifier: request.codeVerifier,
    });
  },

  refresh(ctx, credentials) {
    if (!credentials.refreshToken) {
      return Promise.reject(
        new PlatformError({ kind: 'auth', message: 'refresh: no refresh token; reconnect the account' }),
      );
    }
    return requestTokens(ctx, 'refresh', {
      grant_type: 'refresh_token',
      refresh_token: credentials.refreshToken,
    });
  },

  async profile(ctx, tokens) {
    const user = await readUser(ctx, tokens.accessToken, false);
    return {
      externalId: user.open_id,
      username: user.username ?? null,
      displayName: user.display_name ?? null,
      avatarUrl: user.avatar_url ?? null,
      metadata: { username: user.username ?? null },
    };
  },

  async discoverChannels(ctx, credentials) {
    let user: Awaited<ReturnType<typeof readUser>>;
    try {
      user = await readUser(ctx, credentials.accessToken, true);
    } catch (error) {
      // follower_count needs user.info.stats; without it the channel simply has no count.
      if (!(error instanceof PlatformError) || error.kind !== 'auth' || error.code !== 'scope_not_authorized')
        throw error;
      user = await readUser(ctx, credentials.accessToken, false);
    }
    return [
      {
        externalId: user.open_id,
        kind: 'profile',
        name: user.display_name ?? user.username ?? user.open_id,
        username: user.username ?? null,
        avatarUrl: user.avatar_url ?? null,
        url: user.username ? `https://www.tiktok.com/@${user.username}` : null,
        followersCount: user.follower_count ?? null,
        metadata: { username: user.username ?? null },
      },
    ];
  },

  validate,
  publish,

  async reconcile(ctx, credentials, request) {
    const state = readState(request.state);
    if (state.publishId) {
      const status = await fetchStatus(ctx, credentials.accessToken, state.publishId);
      if (status.status === 'FAILED') return { status: 'not_found' };
      const postId = status.publicaly_available_post_id?.[0];
      const id = postId === undefined ? state.publishId : String(postId);
      return {
        status: 'found',
        remoteId: id,
        remoteUrl: postId === undefined ? null : videoUrl(state.username, id),
      };
    }
    let videos: Awaited<ReturnType<typeof listVideos>>;
    try {
      videos = await listVideos(ctx, credentials.accessToken);
    } catch (error) {
      if (error instanceof PlatformError && error.kind === 'auth') return { status: 'unknowable' };
      throw error;
    }
    const text = request.text.trim();
    const found = videos.find((v) => (v.title ?? v.video_description ?? '').trim() === text && text !== '');
    return found
      ? { status: 'found', remoteId: found.id, remoteUrl: found.share_url ?? null }
      : { status: 'unknowable' };
  },

  deletePost() {
    return Promise.reject(
      new PlatformError({
        kind: 'invalid',
        code: 'unsupported',
        message: "TikTok's API offers no way to delete a post: delete it in the TikTok app",
      }),
    );
  },

  readComments() {
    return Promise.reject(
      new PlatformError({
        kind: 'invalid',
        code: 'unsupported',
        message:
          "TikTok's Content Posting and Display APIs only count comments: listing them needs TikTok's Research API or its API for Business, which this connection cannot use; read them in the TikTok app",
      }),
    );
  },

  async readMetrics(ctx, credentials, remoteId) {
    if (remoteId.includes('~')) {
      throw new PlatformError({
        kind: 'invalid',
        message: `${remoteId} is a publish id: TikTok gives no public video id (and no metrics) for private or inbox posts`,
      });
    }
    const { data } = await tiktokCall(ctx, videosReply, {
      what: 'query video',
      method: 'POST',
      path: '/v2/video/query/?fields=id,like_count,comment_count,share_count,view_count',
      token: credentials.accessToken,
      json: { filters: { video_ids: [remoteId] } },
    });
    const v = data.data.videos[0];
    if (!v)
      throw new PlatformError({
        kind: 'invalid',
        code: 'not_found',
        message: `TikTok video ${remoteId} not found`,
      });
    return {
      likes: v.like_count ?? null,
      comments: v.comment_count ?? null,
      shares: v.share_count ?? null,
      impressions: v.view_count ?? null,
      raw: v,
    };
  },
};
