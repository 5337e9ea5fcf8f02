/**
 * Herald's adapter for Instagram professional accounts (Instagram API with Facebook Login).
 *
 * Auth: Facebook Login (meta/facebook-login.ts): a long-lived user token on the connection; each
 * Instagram business or creator account linked to a Page the user manages is a channel, and is
 * published to with the user token (no Page token needed).
 *
 * Media: Instagram downloads media from a URL, so Herald's PUBLIC_URL must be public (see
 * meta/public-url.ts); otherwise publishing fails at once with an `invalid` error that says so.
 *
 * Deleting: the Instagram Graph API offers no way to delete published media, so `deletePost`
 * refuses with `invalid` (the user deletes it in the app) and `canDelete` is false.
 *
 * Reconcile guarantee: no idempotency key. Within one publish, a container can be published only
 * once and a PUBLISHED one is looked up rather than published again. After a crash (state lost),
 * reconcile looks for the caption among the account's 25 latest media (stories: live stories) of the
 * last 72 h: `found` means a post with that caption exists; `not_found` can miss a post Instagram has
 * not listed yet; a post without a caption cannot be told apart and is `unknowable`.
 *
 * Comments: top-level comments newest first (Instagram's only order), each followed by its replies
 * (see comments.ts).
 */
import { z } from 'zod';
import { exchangeFacebookCode, facebookAuthorizeUrl, refreshFacebookToken } from '../meta/facebook-login.ts';
import { graphCall } from '../meta/graph.ts';
import { listManagedPages, readFacebookUser } from '../meta/pages.ts';
import { comparableText, findRecent } from '../meta/publishing.ts';
import { type Capabilities, type OAuthAdapter, PlatformError } from '../types.ts';
import { readMediaComments } from './comments.ts';
import { instagramApi, publishToInstagram, recentMedia } from './publish.ts';
import { MAX_CAPTION, MAX_CAROUSEL, readOptions, validate } from './validate.ts';

export const INSTAGRAM_SCOPES = [
  'instagram_basic',
  'instagram_content_publish',
  'instagram_manage_insights',
  'instagram_manage_comments',
  'pages_show_list',
  'pages_read_engagement',
  'business_management',
];

const capabilities: Capabilities = {
  // Captions, yes; but every post needs media (validate says so).
  text: true,
  images: MAX_CAROUSEL,
  video: true,
  threads: false,
  maxTextLength: MAX_CAPTION,
  idempotentPublish: false,
  canDelete: false,
  metrics: true,
  comments: true,
};

const fieldsReply = z.object({
  id: z.string(),
  like_count: z.number().optional(),
  comments_count: z.number().optional(),
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

type BusinessAccount = {
  id: string;
  username?: string;
  name?: string;
  profile_picture_url?: string;
  followers_count?: number;
};

export const instagramAdapter: OAuthAdapter = {
  id: 'instagram',
  displayName: 'Instagram',
  capabilities,

  authorizeUrl: (ctx, request) => facebookAuthorizeUrl(ctx, request, INSTAGRAM_SCOPES),
  exchangeCode: (ctx, request) =>
    exchangeFacebookCode(ctx, request, ['instagram_basic', 'instagram_content_publish', 'pages_show_list']),
  refresh: refreshFacebookToken,

  profile: (ctx, tokens) => readFacebookUser(ctx, tokens.accessToken),

  async discoverChannels(ctx, credentials) {
    const pages = await listManagedPages(
      ctx,
      credentials.accessToken,
      'id,name,instagram_business_account{id,username,name,profile_picture_url,followers_count}',
    );
    return pages.flatMap((page) => {
      const account = page.instagram_business_account as BusinessAccount | undefined;
      if (!account?.id) return [];
      return [
        {
          externalId: account.id,
          kind: 'business_account',
          name: account.name ?? account.username ?? account.id,
          username: account.username ?? null,
          avatarUrl: account.profile_picture_url ?? null,
          url: account.username ? `https://www.instagram.com/${account.username}/` : null,
          followersCount: account.followers_count ?? null,
          metadata: { pageId: String(page.id), pageName: typeof page.name === 'string' ? page.name : null },
        },
      ];
    });
  },

  validate,

  publish: (ctx, credentials, request) =>
    publishToInstagram(ctx, request, instagramApi(ctx, credentials.accessToken, request.channel.externalId)),

  async reconcile(ctx, credentials, request) {
    if (!comparableText(request.text)) return { status: 'unknowable' };
    const api = instagramApi(ctx, credentials.accessToken, request.channel.externalId);
    const stories = readOptions(request.options).type === 'story';
    const found = findRecent(ctx, await recentMedia(ctx, api, stories), request.text);
    return found
      ? { status: 'found', remoteId: found.id, remoteUrl: found.permalink ?? null }
      : { status: 'not_found' };
  },

  async deletePost() {
    throw new PlatformError({
      kind: 'invalid',
      code: 'unsupported',
      message: "Instagram's API cannot delete published media; delete it in the Instagram app",
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const api = instagramApi(ctx, credentials.accessToken, '');
    const { data } = await graphCall(ctx, fieldsReply, {
      what: 'read metrics',
      base: api.base,
      path: `/${encodeURIComponent(remoteId)}`,
      token: api.token,
      params: { fields: 'id,like_count,comments_count' },
    });
    // Insights lag, need enough viewers (code 10 otherwise) and differ by media type: best effort.
    const insights: Record<string, number> = {};
    try {
      const { data: reply } = await graphCall(ctx, insightsReply, {
        what: 'read insights',
        base: api.base,
        path: `/${encodeURIComponent(remoteId)}/insights`,
        token: api.token,
        params: { metric: 'views,reach,shares,saved,total_interactions' },
      });
      for (const metric of reply.data) {
        const value = metric.total_value?.value ?? metric.values?.[0]?.value;
        if (value !== undefined) insights[metric.name] = value;
      }
    } catch (error) {
      if (!(error instanceof PlatformError) || error.kind === 'rate_limited' || error.kind === 'transient')
        throw error;
    }
    return {
      likes: data.like_count ?? null,
      comments: data.comments_count ?? null,
      shares: insights.shares ?? null,
      impressions: insights.views ?? null,
      reach: insights.reach ?? null,
      saves: insights.saved ?? null,
      raw: { ...data, ...insights },
    };
  },

  readComments: (ctx, credentials, remoteId, page) =>
    readMediaComments(ctx, instagramApi(ctx, credentials.accessToken, ''), remoteId, page),
};
