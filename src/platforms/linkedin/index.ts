/**
 * Herald's adapter for LinkedIn (versioned REST API: Posts, Images, Videos, Documents).
 *
 * Auth: OAuth 2.0 3-legged authorization code (no PKCE; the client secret goes in the form). Access
 * tokens live 60 days. Refresh tokens exist only for apps LinkedIn approved for programmatic refresh:
 * they live 365 days from the first grant and refreshing does not extend them, so `refresh` returns
 * LinkedIn's new refresh token when it sends one and otherwise the connection must re-authorise.
 *
 * Channels: the member (`/v2/userinfo`, `sub` = person id) and every organisation the member
 * administers (`/rest/organizationAcls`), each a separate channel posting as its own author URN.
 *
 * Publishing (publish.ts): media first (see media.ts), then `POST /rest/posts`; the post URN comes
 * back in the `x-restli-id` header. Upload progress and video processing carry over between runs as
 * `pending`.
 *
 * Reconcile guarantee: LinkedIn has no idempotency key. Reconcile lists the author's most recent
 * posts (`q=author`) and matches the commentary exactly as Herald encoded it. `found` is reliable:
 * LinkedIn refuses a recent post with identical commentary (422 DUPLICATE_POST), so a match is ours.
 * `not_found` is best effort (the list may lag a few seconds; a re-publish that collides is refused
 * as a duplicate, not posted twice). Listing a member's own posts needs `r_member_social`, which
 * LinkedIn grants only to approved partners: without it reconcile answers `unknowable`.
 *
 * Comments: first-level comments by `start`/`count`, each followed by its replies; a member's posts
 * need `r_member_social` for that too (see comments.ts).
 */
import { z } from 'zod';
import { type AdapterContext, type Capabilities, type OAuthAdapter, PlatformError } from '../types.ts';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshConnection,
} from '../oauth2.ts';
import { authBase, encodeUrn, failureFor, linkedinCall } from './api.ts';
import { readPostComments } from './comments.ts';
import { publish, reconcile } from './publish.ts';
import { MAX_COMMENTARY, MAX_IMAGES, validate } from './validate.ts';

const MEMBER_SCOPES = ['openid', 'profile', 'email', 'w_member_social'];
/** Need LinkedIn's Community Management API approval; requested when the app setting `organizations` is on. */
const ORGANIZATION_SCOPES = ['w_organization_social', 'r_organization_social', 'rw_organization_admin'];
/** Roles that may post as the organisation. */
const POSTING_ROLES = new Set(['ADMINISTRATOR', 'CONTENT_ADMINISTRATOR', 'DIRECT_SPONSORED_CONTENT_POSTER']);

const capabilities: Capabilities = {
  text: true,
  images: MAX_IMAGES,
  video: true,
  threads: false,
  maxTextLength: MAX_COMMENTARY,
  idempotentPublish: false,
  canDelete: true,
  metrics: true,
  comments: true,
};

const userinfo = z.object({
  sub: z.string(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  picture: z.string().optional(),
  email: z.string().optional(),
});
const aclsReply = z.object({
  elements: z.array(z.object({ organization: z.string(), role: z.string(), state: z.string().optional() })),
});
const organizationReply = z.object({
  id: z.number().or(z.string()),
  localizedName: z.string().optional(),
  vanityName: z.string().optional(),
});
const postReply = z.object({ id: z.string().optional(), author: z.string() });
const socialMetadataReply = z.object({
  reactionSummaries: z.record(z.string(), z.object({ count: z.number() })).optional(),
  commentSummary: z.object({ count: z.number().optional(), topLevelCount: z.number().optional() }).optional(),
});
const shareStatisticsReply = z.object({
  elements: z.array(
    z.object({
      totalShareStatistics: z.object({
        impressionCount: z.number().optional(),
        uniqueImpressionsCount: z.number().optional(),
        clickCount: z.number().optional(),
        likeCount: z.number().optional(),
        commentCount: z.number().optional(),
        shareCount: z.number().optional(),
      }),
    }),
  ),
});

/**
 * LinkedIn's authorization server: the secret goes in the body, and there is no PKCE on the web flow.
 * Any 4xx from its token endpoint means the grant is gone, so LinkedIn's own mapping judges refusals.
 */
function oauthServer(ctx: AdapterContext): OAuth2Server {
  return {
    name: 'LinkedIn',
    authorizationEndpoint: `${authBase(ctx)}/oauth/v2/authorization`,
    tokenEndpoint: `${authBase(ctx)}/oauth/v2/accessToken`,
    clientAuthentication: 'client_secret_post',
    pkce: false,
    failure: (refusal) => failureFor(ctx, { ...refusal, tokenEndpoint: true }),
  };
}

async function readUserinfo(ctx: AdapterContext, token: string) {
  const { data } = await linkedinCall(ctx, userinfo, { what: 'read profile', path: '/v2/userinfo', token });
  return data;
}

export const linkedinAdapter: OAuthAdapter = {
  id: 'linkedin',
  displayName: 'LinkedIn',
  capabilities,

  authorizeUrl(ctx, request) {
    const scopes = new Set([...MEMBER_SCOPES, ...ctx.app.scopes, ...request.scopes]);
    if (ctx.app.settings.organizations === true) for (const s of ORGANIZATION_SCOPES) scopes.add(s);
    return authorizationUrl(ctx, oauthServer(ctx), { ...request, scopes: [...scopes] });
  },

  // LinkedIn's web flow authenticates with the client secret; it takes no PKCE verifier.
  exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, oauthServer(ctx), request),

  refresh: (ctx, credentials) =>
    refreshConnection(
      ctx,
      oauthServer(ctx),
      credentials,
      'refresh: LinkedIn issued no refresh token (only apps approved for programmatic refresh get one); reconnect the account',
    ),

  async profile(ctx, tokens) {
    const me = await readUserinfo(ctx, tokens.accessToken);
    const name = me.name ?? ([me.given_name, me.family_name].filter(Boolean).join(' ') || null);
    return {
      externalId: me.sub,
      username: me.email ?? null,
      displayName: name,
      avatarUrl: me.picture ?? null,
      metadata: { personUrn: `urn:li:person:${me.sub}` },
    };
  },

  async discoverChannels(ctx, credentials) {
    const token = credentials.accessToken;
    const me = await readUserinfo(ctx, token);
    const channels: Awaited<ReturnType<OAuthAdapter['discoverChannels']>> = [
      {
        externalId: me.sub,
        kind: 'profile',
        name: me.name ?? me.sub,
        username: null,
        avatarUrl: me.picture ?? null,
        url: null,
        metadata: { urn: `urn:li:person:${me.sub}` },
      },
    ];
    let acls: z.infer<typeof aclsReply>['elements'] = [];
    try {
      const { data } = await linkedinCall(ctx, aclsReply, {
        what: 'list administered organisations',
        path: '/rest/organizationAcls?q=roleAssignee&state=APPROVED&count=100',
        versioned: true,
        token,
      });
      acls = data.elements;
    } catch (error) {
      // Without rw_organization_admin (Community Management API) the member has only the profile.
      if (!(error instanceof PlatformError) || error.status !== 403) throw error;
    }
    const seen = new Set<string>();
    for (const acl of acls) {
      if (!POSTING_ROLES.has(acl.role) || (acl.state && acl.state !== 'APPROVED')) continue;
      const id = acl.organization.split(':').pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const { data: org } = await linkedinCall(ctx, organizationReply, {
        what: 'read organisation',
        path: `/rest/organizations/${encodeURIComponent(id)}`,
        versioned: true,
        token,
      });
      channels.push({
        externalId: id,
        kind: 'organization',
        name: org.localizedName ?? `Organisation ${id}`,
        username: org.vanityName ?? null,
        avatarUrl: null,
        url: org.vanityName ? `https://www.linkedin.com/company/${org.vanityName}` : null,
        metadata: { urn: acl.organization, role: acl.role },
      });
    }
    return channels;
  },

  validate,
  publish,
  reconcile,

  async deletePost(ctx, credentials, remoteId) {
    await linkedinCall(ctx, null, {
      what: 'delete post',
      method: 'DELETE',
      path: `/rest/posts/${encodeUrn(remoteId)}`,
      versioned: true,
      token: credentials.accessToken,
      // Already gone is what deleting wants.
      accept: [404],
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const token = credentials.accessToken;
    const { data: social } = await linkedinCall(ctx, socialMetadataReply, {
      what: 'read social metadata',
      path: `/rest/socialMetadata/${encodeUrn(remoteId)}`,
      versioned: true,
      token,
    });
    const reactions = Object.values(social.reactionSummaries ?? {}).reduce((sum, r) => sum + r.count, 0);
    const metrics = {
      likes: social.reactionSummaries ? reactions : null,
      comments: social.commentSummary?.count ?? null,
      shares: null as number | null,
      impressions: null as number | null,
      reach: null as number | null,
      clicks: null as number | null,
      raw: { socialMetadata: social } as Record<string, unknown>,
    };
    // Impressions, clicks and reshares exist only for organisation posts (share statistics).
    const { data: post } = await linkedinCall(ctx, postReply, {
      what: 'read post',
      path: `/rest/posts/${encodeUrn(remoteId)}`,
      versioned: true,
      token,
    });
    if (post.author.startsWith('urn:li:organization:')) {
      const param = remoteId.startsWith('urn:li:ugcPost:') ? 'ugcPosts' : 'shares';
      const { data } = await linkedinCall(ctx, shareStatisticsReply, {
        what: 'read share statistics',
        path: `/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=${encodeUrn(post.author)}&${param}=List(${encodeUrn(remoteId)})`,
        versioned: true,
        token,
      });
      const stats = data.elements[0]?.totalShareStatistics;
      if (stats) {
        metrics.shares = stats.shareCount ?? null;
        metrics.impressions = stats.impressionCount ?? null;
        metrics.reach = stats.uniqueImpressionsCount ?? null;
        metrics.clicks = stats.clickCount ?? null;
        metrics.raw.shareStatistics = stats;
      }
    }
    return metrics;
  },

  readComments: readPostComments,
};
