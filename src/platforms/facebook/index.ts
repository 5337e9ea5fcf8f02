/**
 * Herald's adapter for Facebook Pages (Graph API).
 *
 * Auth: Facebook Login (meta/facebook-login.ts): a long-lived user token on the connection; each
 * Page the user can create content on is a channel. Page tokens are fetched with the user token
 * when needed and never stored (see `pageApi`).
 *
 * Reconcile guarantee: no idempotency key. Reconcile looks for the message among the Page's 25
 * latest posts (videos: latest videos, by description) of the last 72 h. `found` means a post with
 * the same text exists (Facebook itself refuses repeating a recent status as a duplicate, code 506);
 * `not_found` can miss a post Facebook has not listed yet; a post without text cannot be told apart
 * and is `unknowable`.
 *
 * Comments: every comment and reply of a post, oldest first, read with the Page token (see
 * comments.ts); reading them needs `pages_read_user_content`, which connections made before it was
 * requested lack (Meta then refuses with a permission error: `auth`, reconnect).
 */
import { z } from 'zod';
import {
  exchangeFacebookCode,
  facebookAuthorizeUrl,
  facebookGraphBase,
  refreshFacebookToken,
} from '../meta/facebook-login.ts';
import { graphCall } from '../meta/graph.ts';
import { listManagedPages, readFacebookUser } from '../meta/pages.ts';
import { comparableText, deleteObject, findRecent } from '../meta/publishing.ts';
import { type AdapterContext, type Capabilities, type OAuthAdapter, PlatformError } from '../types.ts';
import { readPageComments } from './comments.ts';
import { absoluteUrl, pageApi, publishToPage, recentPagePosts } from './publish.ts';
import { MAX_MESSAGE, MAX_PHOTOS, validate } from './validate.ts';

export const FACEBOOK_SCOPES = [
  'pages_show_list',
  'pages_manage_posts',
  'pages_read_engagement',
  'pages_manage_engagement',
  'pages_read_user_content',
  'publish_video',
];

const capabilities: Capabilities = {
  text: true,
  images: MAX_PHOTOS,
  video: true,
  threads: false,
  maxTextLength: MAX_MESSAGE,
  idempotentPublish: false,
  canDelete: true,
  metrics: true,
  comments: true,
};

const ownerReply = z.object({ id: z.string(), from: z.object({ id: z.string() }).optional() });
const engagementReply = z.object({
  id: z.string(),
  reactions: z.object({ summary: z.object({ total_count: z.number() }).optional() }).optional(),
  comments: z.object({ summary: z.object({ total_count: z.number() }).optional() }).optional(),
  shares: z.object({ count: z.number() }).optional(),
});

/** The Page a post belongs to: post ids are `{page-id}_{post-id}`; a video id says it in `from`. */
async function pageOf(ctx: AdapterContext, userToken: string, remoteId: string): Promise<string> {
  const prefix = remoteId.split('_')[0];
  if (remoteId.includes('_') && prefix) return prefix;
  const { data } = await graphCall(ctx, ownerReply, {
    what: 'find the Page of a post',
    base: facebookGraphBase(ctx),
    path: `/${encodeURIComponent(remoteId)}`,
    token: userToken,
    params: { fields: 'id,from' },
  });
  if (!data.from) throw new PlatformError({ kind: 'invalid', message: `post ${remoteId} names no Page` });
  return data.from.id;
}

const isGone = (error: unknown) => error instanceof PlatformError && error.code === '100/33';

export const facebookAdapter: OAuthAdapter = {
  id: 'facebook',
  displayName: 'Facebook',
  capabilities,

  authorizeUrl: (ctx, request) => facebookAuthorizeUrl(ctx, request, FACEBOOK_SCOPES),
  exchangeCode: (ctx, request) =>
    exchangeFacebookCode(ctx, request, ['pages_show_list', 'pages_manage_posts']),
  refresh: refreshFacebookToken,

  async profile(ctx, tokens) {
    return readFacebookUser(ctx, tokens.accessToken);
  },

  async discoverChannels(ctx, credentials) {
    const pages = await listManagedPages(
      ctx,
      credentials.accessToken,
      'id,name,username,link,followers_count,fan_count,picture{url},tasks',
    );
    return pages
      .filter((p) => !Array.isArray(p.tasks) || p.tasks.includes('CREATE_CONTENT'))
      .map((p) => {
        const picture = (p.picture as { data?: { url?: string } } | undefined)?.data?.url ?? null;
        const followers = typeof p.followers_count === 'number' ? p.followers_count : p.fan_count;
        return {
          externalId: String(p.id),
          kind: 'page',
          name: typeof p.name === 'string' ? p.name : String(p.id),
          username: typeof p.username === 'string' ? p.username : null,
          avatarUrl: picture,
          url: typeof p.link === 'string' ? p.link : `https://www.facebook.com/${p.id}`,
          followersCount: typeof followers === 'number' ? followers : null,
          // Ids only: the Page token is fetched when publishing, never kept in clear-text metadata.
          metadata: { pageId: String(p.id) },
        };
      });
  },

  validate,

  publish: (ctx, credentials, request) => publishToPage(ctx, request, credentials.accessToken),

  async reconcile(ctx, credentials, request) {
    if (!comparableText(request.text)) return { status: 'unknowable' };
    const api = await pageApi(ctx, credentials.accessToken, request.channel.externalId);
    const isVideo = request.media.length === 1 && request.media[0]!.kind === 'video';
    const found = findRecent(ctx, await recentPagePosts(ctx, api, isVideo), request.text);
    if (!found) return { status: 'not_found' };
    return {
      status: 'found',
      remoteId: found.id,
      remoteUrl: absoluteUrl(found.permalink_url) ?? `https://www.facebook.com/${found.id}`,
    };
  },

  async deletePost(ctx, credentials, remoteId) {
    let pageId: string;
    try {
      pageId = await pageOf(ctx, credentials.accessToken, remoteId);
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    const api = await pageApi(ctx, credentials.accessToken, pageId);
    await deleteObject(ctx, { base: api.base, id: remoteId, token: api.token });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const api = await pageApi(
      ctx,
      credentials.accessToken,
      await pageOf(ctx, credentials.accessToken, remoteId),
    );
    const { data } = await graphCall(ctx, engagementReply, {
      what: 'read metrics',
      base: api.base,
      path: `/${encodeURIComponent(remoteId)}`,
      token: api.token,
      params: { fields: 'reactions.summary(total_count),comments.summary(total_count),shares' },
    });
    return {
      likes: data.reactions?.summary?.total_count ?? null,
      comments: data.comments?.summary?.total_count ?? null,
      shares: data.shares?.count ?? 0,
      impressions: null,
      raw: data as Record<string, unknown>,
    };
  },

  async readComments(ctx, credentials, remoteId, page) {
    const api = await pageApi(
      ctx,
      credentials.accessToken,
      await pageOf(ctx, credentials.accessToken, remoteId),
    );
    return readPageComments(ctx, api, remoteId, page);
  },
};
