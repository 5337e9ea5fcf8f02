/**
 * Herald's adapter for YouTube (Data API v3): one video per post, uploaded with the resumable
 * protocol (upload.ts), waited on while YouTube processes it.
 *
 * Auth: Google OAuth 2.0 authorization code with PKCE, `access_type=offline&prompt=consent` so a
 * refresh token is issued every time. Refresh tokens are not rotated (Google sends none on refresh
 * and Herald keeps the one it has); they die when revoked, unused for six months, or after 7 days
 * while the consent screen is in "Testing".
 *
 * Channels: `channels.list?mine=true` (a Google account picks one channel, or a brand account's,
 * at consent).
 *
 * Resumability: the session URL and confirmed offset are returned as `pending` state when a run is
 * interrupted, so the next run asks the session where it stands and sends only the rest. Processing
 * is polled across runs.
 *
 * Reconcile guarantee: YouTube has no idempotency key and accepts the same upload twice. Reconcile
 * first uses the video id or session the state kept; otherwise it lists the channel's 50 most recent
 * uploads and matches title and description exactly. `found` means a video with this title and
 * description is among them (a user who reuses both for another recent video could be matched).
 * `not_found` is reliable for uploads that never finished (an unfinished session makes no video) and
 * best effort for one that finished just before a crash (the uploads playlist lags a little).
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
} from '../types.ts';
import {
  authorizationUrl,
  exchangeAuthorizationCode,
  type OAuth2Server,
  refreshConnection,
} from '../oauth2.ts';
import { authBase, failureFor, tokenBase, youtubeCall } from './api.ts';
import { readVideoComments } from './comments.ts';
import { emptyUpload, type UploadState, uploadVideo } from './upload.ts';
import { readOptions, titleOf, validate } from './validate.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { resumeAfterFailure } from '../kit/resume.ts';
import { resolveYoutubeUrl } from './resolve-url.ts';

const REQUIRED_SCOPES = [
  'https://www.googleapis.com/auth/youtube.upload',
  'https://www.googleapis.com/auth/youtube.readonly',
  'https://www.googleapis.com/auth/youtube.force-ssl',
];
const PROCESSING_POLL_MS = 30_000;
/** About two hours of polling; past that the upload is reported published while YouTube works on. */
const MAX_PROCESSING_POLLS = 240;
/** An upload session outlives more interruptions than a post does: resumed up to eight times. */
const MAX_RESUMES = 8;

const capabilities: Capabilities = {
  text: false,
  images: 0,
  video: true,
  threads: false,
  maxTextLength: 5000,
  idempotentPublish: false,
  canDelete: true,
  metrics: true,
  comments: true,
};

const channelsReply = z.object({
  items: z
    .array(
      z.object({
        id: z.string(),
        snippet: z
          .object({
            title: z.string(),
            customUrl: z.string().optional(),
            thumbnails: z.record(z.string(), z.object({ url: z.string() })).optional(),
          })
          .optional(),
        statistics: z.object({ subscriberCount: z.string().optional() }).optional(),
        contentDetails: z
          .object({ relatedPlaylists: z.object({ uploads: z.string().optional() }) })
          .optional(),
      }),
    )
    .default([]),
});
const videoStatusReply = z.object({
  items: z
    .array(
      z.object({
        id: z.string(),
        status: z
          .object({
            uploadStatus: z.string().optional(),
            failureReason: z.string().optional(),
            rejectionReason: z.string().optional(),
          })
          .optional(),
        statistics: z.record(z.string(), z.string()).optional(),
      }),
    )
    .default([]),
});
const playlistReply = z.object({
  items: z
    .array(
      z.object({
        snippet: z.object({
          title: z.string(),
          description: z.string().optional(),
          resourceId: z.object({ videoId: z.string() }),
        }),
      }),
    )
    .default([]),
});
/**
 * Google's authorization server: the secret goes in the body. Any 4xx from its token endpoint means
 * the grant is gone, and quota errors have their own shape, so YouTube's mapping judges refusals.
 */
function oauthServer(ctx: AdapterContext): OAuth2Server {
  return {
    name: 'YouTube',
    authorizationEndpoint: `${authBase(ctx)}/o/oauth2/v2/auth`,
    tokenEndpoint: `${tokenBase(ctx)}/token`,
    clientAuthentication: 'client_secret_post',
    failure: (refusal) => failureFor(ctx, { ...refusal, tokenEndpoint: true }),
  };
}

async function myChannels(ctx: AdapterContext, token: string) {
  const { data } = await youtubeCall(ctx, channelsReply, {
    what: 'list channels',
    path: '/youtube/v3/channels?part=snippet,statistics,contentDetails&mine=true&maxResults=50',
    token,
  });
  if (data.items.length === 0) {
    throw new PlatformError({
      kind: 'invalid',
      code: 'youtubeSignupRequired',
      message: 'this Google account has no YouTube channel: create one on youtube.com, then connect again',
    });
  }
  return data.items;
}

const watchUrl = (id: string) => `https://www.youtube.com/watch?v=${id}`;

// --- Publish ----------------------------------------------------------------------------------

type YouTubeState = { upload: UploadState; polls: number; resumes: number; authRetried: boolean };

function readState(raw: Record<string, unknown> | null): YouTubeState {
  const s = (raw ?? {}) as Partial<YouTubeState>;
  const upload = s.upload && typeof s.upload === 'object' ? { ...emptyUpload(), ...s.upload } : emptyUpload();
  return {
    upload,
    polls: typeof s.polls === 'number' ? s.polls : 0,
    resumes: typeof s.resumes === 'number' ? s.resumes : 0,
    authRetried: s.authRetried === true,
  };
}

function afterFailure(ctx: AdapterContext, state: YouTubeState, error: unknown): PublishOutcome {
  // A session survives a token refresh (`retryAuth`): come back with a fresh token rather than start over.
  return resumeAfterFailure(ctx, {
    state,
    error,
    hasProgress: state.upload.sessionUrl !== null || state.upload.videoId !== null,
    maxResumes: MAX_RESUMES,
    retryAuth: true,
  });
}

async function checkProcessing(
  ctx: AdapterContext,
  token: string,
  state: YouTubeState,
  videoId: string,
): Promise<PublishOutcome> {
  const { data } = await youtubeCall(ctx, videoStatusReply, {
    what: 'read video status',
    path: `/youtube/v3/videos?part=status,processingDetails&id=${encodeURIComponent(videoId)}`,
    token,
  });
  const status = data.items[0]?.status;
  if (!status) {
    throw new PlatformError({
      kind: 'invalid',
      message: `video ${videoId} disappeared while YouTube processed it`,
    });
  }
  if (
    status.uploadStatus === 'failed' ||
    status.uploadStatus === 'rejected' ||
    status.uploadStatus === 'deleted'
  ) {
    const reason = status.failureReason ?? status.rejectionReason ?? status.uploadStatus;
    throw new PlatformError({
      kind: status.rejectionReason === 'duplicate' ? 'duplicate' : 'invalid',
      code: reason,
      message: `YouTube ${status.uploadStatus === 'failed' ? 'could not process' : 'rejected'} video ${videoId}: ${reason}`,
    });
  }
  state.polls++;
  if (status.uploadStatus === 'processed' || state.polls > MAX_PROCESSING_POLLS) {
    return { status: 'published', remoteId: videoId, remoteUrl: watchUrl(videoId) };
  }
  return { status: 'pending', state: { ...state }, retryAfterMs: PROCESSING_POLL_MS };
}

async function publish(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  const token = credentials.accessToken;
  const options = readOptions(request.options);
  const state = readState(request.state);
  // A new run cannot know what the session received since the last answer.
  if (request.state) state.upload.probe = true;
  const resource = {
    snippet: {
      title: titleOf(request),
      description: request.text,
      tags: options.tags,
      categoryId: options.categoryId,
    },
    status: {
      privacyStatus: options.privacyStatus,
      selfDeclaredMadeForKids: options.madeForKids,
      ...(options.publishAt ? { publishAt: options.publishAt } : {}),
    },
  };
  try {
    const videoId = await uploadVideo(ctx, {
      token,
      item: request.media[0]!,
      resource,
      notifySubscribers: options.notifySubscribers,
      state: state.upload,
    });
    state.authRetried = false;
    return await checkProcessing(ctx, token, state, videoId);
  } catch (error) {
    return afterFailure(ctx, state, error);
  }
}

async function recentUploads(ctx: AdapterContext, token: string, channelId: string) {
  const { data: channels } = await youtubeCall(ctx, channelsReply, {
    what: 'read channel',
    path: `/youtube/v3/channels?part=contentDetails&id=${encodeURIComponent(channelId)}`,
    token,
  });
  const playlist = channels.items[0]?.contentDetails?.relatedPlaylists.uploads;
  if (!playlist) return [];
  const { data } = await youtubeCall(ctx, playlistReply, {
    what: 'list recent uploads',
    path: `/youtube/v3/playlistItems?part=snippet&maxResults=50&playlistId=${encodeURIComponent(playlist)}`,
    token,
  });
  return data.items.map((i) => ({
    id: i.snippet.resourceId.videoId,
    title: i.snippet.title,
    description: i.snippet.description ?? '',
  }));
}

export const youtubeAdapter: OAuthAdapter = {
  resolveUrl: resolveYoutubeUrl,
  id: 'youtube',
  displayName: 'YouTube',
  capabilities,

  authorizeUrl(ctx, request) {
    const scopes = [...new Set([...REQUIRED_SCOPES, ...ctx.app.scopes, ...request.scopes])];
    return authorizationUrl(ctx, oauthServer(ctx), {
      ...request,
      scopes,
      // offline + consent: Google issues a refresh token only on consent, so always ask for it.
      params: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    });
  },

  exchangeCode: (ctx, request) => exchangeAuthorizationCode(ctx, oauthServer(ctx), request),

  refresh: (ctx, credentials) =>
    refreshConnection(
      ctx,
      oauthServer(ctx),
      credentials,
      'refresh: Google issued no refresh token; reconnect the account',
    ),

  async profile(ctx, tokens) {
    const [channel] = await myChannels(ctx, tokens.accessToken);
    return {
      externalId: channel!.id,
      username: channel!.snippet?.customUrl ?? null,
      displayName: channel!.snippet?.title ?? null,
      avatarUrl: channel!.snippet?.thumbnails?.default?.url ?? null,
    };
  },

  async discoverChannels(ctx, credentials) {
    const channels = await myChannels(ctx, credentials.accessToken);
    return channels.map((c) => ({
      externalId: c.id,
      kind: 'channel',
      name: c.snippet?.title ?? c.id,
      username: c.snippet?.customUrl ?? null,
      avatarUrl: c.snippet?.thumbnails?.default?.url ?? null,
      url: c.snippet?.customUrl
        ? `https://www.youtube.com/${c.snippet.customUrl}`
        : `https://www.youtube.com/channel/${c.id}`,
      followersCount: c.statistics?.subscriberCount ? Number(c.statistics.subscriberCount) : null,
      metadata: { uploadsPlaylist: c.contentDetails?.relatedPlaylists.uploads ?? null },
    }));
  },

  validate,
  publish,

  async reconcile(ctx, credentials, request) {
    const state = readState(request.state);
    if (state.upload.videoId) {
      return { status: 'found', remoteId: state.upload.videoId, remoteUrl: watchUrl(state.upload.videoId) };
    }
    const title = titleOf(request);
    const found = (await recentUploads(ctx, credentials.accessToken, request.channel.externalId)).find(
      (v) => v.title === title && v.description.trim() === request.text.trim(),
    );
    return found
      ? { status: 'found', remoteId: found.id, remoteUrl: watchUrl(found.id) }
      : { status: 'not_found' };
  },

  async deletePost(ctx, credentials, remoteId) {
    await youtubeCall(ctx, null, {
      what: 'delete video',
      method: 'DELETE',
      path: `/youtube/v3/videos?id=${encodeURIComponent(remoteId)}`,
      token: credentials.accessToken,
      // Already gone is what deleting wants.
      accept: [404],
    });
  },

  async readMetrics(ctx, credentials, remoteId) {
    const { data } = await youtubeCall(ctx, videoStatusReply, {
      what: 'read statistics',
      path: `/youtube/v3/videos?part=statistics&id=${encodeURIComponent(remoteId)}`,
      token: credentials.accessToken,
    });
    const stats = data.items[0]?.statistics;
    if (!stats)
      throw new PlatformError({
        kind: 'invalid',
        code: 'videoNotFound',
        message: `video ${remoteId} not found`,
      });
    const num = (v: string | undefined) => (v === undefined ? null : Number(v));
    return {
      likes: num(stats.likeCount),
      comments: num(stats.commentCount),
      shares: null,
      impressions: num(stats.viewCount),
      saves: num(stats.favoriteCount),
      raw: stats,
    };
  },

  readComments: (ctx, credentials, remoteId, page) => readVideoComments(ctx, credentials, remoteId, page),
};
