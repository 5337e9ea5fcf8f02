/**
 * Publishing to a Facebook Page with its Page token:
 * - text or link: `POST /{page-id}/feed` (`message`, `link`);
 * - one photo: `POST /{page-id}/photos` with the bytes as `source` (Meta needs no public URL here);
 * - several photos: each uploaded with `published=false`, then one `/feed` post with
 *   `attached_media=[{"media_fbid":…}]`;
 * - a video: `POST graph-video…/{page-id}/videos` with `source`, then its `status.video_status` is
 *   read between runs until Meta has processed it.
 *
 * Progress (uploaded photo ids, the video id, a `/feed` call that got no answer) is kept as
 * `pending` state when a run is cut short, so a retry neither uploads twice nor posts twice.
 */
import { z } from 'zod';
import { facebookGraphBase, facebookVideoBase } from '../meta/facebook-login.ts';
import { graphCall } from '../meta/graph.ts';
import { findRecent } from '../meta/publishing.ts';
import { resumeAfterFailure } from '../kit/resume.ts';
import {
  type AdapterContext,
  type MediaItem,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
  type RateLimitInfo,
} from '../types.ts';
import { readOptions, validate } from './validate.ts';
import { rejectInvalid } from '../kit/validation.ts';

/** Meta gives no estimate for video processing; check again after this. */
const VIDEO_POLL_MS = 30_000;

export type PageApi = { base: string; pageId: string; token: string };

type FacebookState = {
  /** Unpublished photo ids, in media order (several-photo posts). */
  photos: (string | null)[];
  videoId: string | null;
  /** The published post id, once there is one. */
  posted: string[];
  /** The last `/feed` or `/photos` create got no answer: look before posting again. */
  uncertain: boolean;
  resumes: number;
};

const pageTokenReply = z.object({ id: z.string(), access_token: z.string().optional() });
const idReply = z.object({ id: z.string(), post_id: z.string().optional() });
const permalinkReply = z.object({ id: z.string(), permalink_url: z.string().optional() });
const videoStatusReply = z.object({
  id: z.string(),
  permalink_url: z.string().optional(),
  status: z
    .object({
      video_status: z.string(),
      processing_phase: z
        .object({
          status: z.string().optional(),
          errors: z.array(z.object({ message: z.string() })).optional(),
        })
        .optional(),
    })
    .optional(),
});
export const postsReply = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      message: z.string().optional(),
      description: z.string().optional(),
      created_time: z.string().optional(),
      permalink_url: z.string().optional(),
    }),
  ),
});

/**
 * The Page token, asked for at the time it is needed with the user's token. Page tokens are never
 * stored: channel metadata is clear text, and a Page token derived from a long-lived user token does
 * not expire, so keeping it there would leave a permanent credential unencrypted. The cost is one
 * extra call per publish, and a Page the user no longer manages fails here with `auth`.
 */
export async function pageApi(ctx: AdapterContext, userToken: string, pageId: string): Promise<PageApi> {
  const { data } = await graphCall(ctx, pageTokenReply, {
    what: 'get the Page token',
    base: facebookGraphBase(ctx),
    path: `/${encodeURIComponent(pageId)}`,
    token: userToken,
    params: { fields: 'access_token' },
  });
  if (!data.access_token) {
    throw new PlatformError({
      kind: 'auth',
      message: 'the connected account no longer manages this Page or lacks pages_manage_posts; reconnect it',
    });
  }
  return { base: facebookGraphBase(ctx), pageId, token: data.access_token };
}

/** Absolute URL for what Meta sometimes gives as a path (`/page/videos/1/`). */
export function absoluteUrl(url: string | undefined | null): string | null {
  if (!url) return null;
  return url.startsWith('/') ? `https://www.facebook.com${url}` : url;
}

function readState(raw: Record<string, unknown> | null): FacebookState {
  const s = (raw ?? {}) as Partial<FacebookState>;
  return {
    photos: Array.isArray(s.photos) ? s.photos : [],
    videoId: typeof s.videoId === 'string' ? s.videoId : null,
    posted: Array.isArray(s.posted) ? s.posted.filter((id) => typeof id === 'string') : [],
    uncertain: s.uncertain === true,
    resumes: typeof s.resumes === 'number' ? s.resumes : 0,
  };
}

async function sourceForm(item: MediaItem, fields: Record<string, string | undefined>): Promise<FormData> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.set(key, value);
  form.set(
    'source',
    new Blob([new Uint8Array(await item.read())], { type: item.mimeType }),
    `upload-${item.id}`,
  );
  return form;
}

export async function recentPagePosts(ctx: AdapterContext, api: PageApi, videos = false) {
  const { data } = await graphCall(ctx, postsReply, {
    what: videos ? 'list recent videos' : 'list recent posts',
    base: api.base,
    path: `/${encodeURIComponent(api.pageId)}/${videos ? 'videos' : 'posts'}`,
    token: api.token,
    params: {
      fields: videos ? 'id,description,created_time,permalink_url' : 'id,message,created_time,permalink_url',
      limit: 25,
    },
  });
  return data.data.map((p) => ({
    ...p,
    text: (videos ? p.description : p.message) ?? null,
    timestamp: p.created_time ?? null,
  }));
}

async function permalinkOf(ctx: AdapterContext, api: PageApi, id: string): Promise<string | null> {
  const { data } = await graphCall(ctx, permalinkReply, {
    what: 'read the permalink',
    base: api.base,
    path: `/${encodeURIComponent(id)}`,
    token: api.token,
    params: { fields: 'id,permalink_url' },
  });
  return absoluteUrl(data.permalink_url);
}

async function createPost(
  ctx: AdapterContext,
  api: PageApi,
  request: PublishRequest,
  state: FacebookState,
): Promise<{ id: string; rateLimit: RateLimitInfo | null }> {
  const message = request.text || undefined;
  if (request.media.length === 1) {
    const form = await sourceForm(request.media[0]!, { message, published: 'true' });
    const { data, rateLimit } = await graphCall(ctx, idReply, {
      what: 'publish a photo',
      base: api.base,
      method: 'POST',
      path: `/${encodeURIComponent(api.pageId)}/photos`,
      token: api.token,
      form,
    });
    return { id: data.post_id ?? `${api.pageId}_${data.id}`, rateLimit };
  }
  const attached = state.photos.length
    ? JSON.stringify(state.photos.map((id) => ({ media_fbid: id })))
    : undefined;
  const { data, rateLimit } = await graphCall(ctx, idReply, {
    what: 'publish',
    base: api.base,
    method: 'POST',
    path: `/${encodeURIComponent(api.pageId)}/feed`,
    token: api.token,
    params: { message, link: readOptions(request.options).link ?? undefined, attached_media: attached },
  });
  return { id: data.id, rateLimit };
}

/** Uploads the video once, then reads its processing status on each run until it is ready. */
async function publishVideo(
  ctx: AdapterContext,
  api: PageApi,
  request: PublishRequest,
  state: FacebookState,
): Promise<PublishOutcome> {
  const item = request.media[0]!;
  if (!state.videoId) {
    const form = await sourceForm(item, {
      description: request.text || undefined,
      title: request.title ?? undefined,
      published: 'true',
    });
    const { data } = await graphCall(ctx, idReply, {
      what: 'upload the video',
      base: facebookVideoBase(ctx),
      method: 'POST',
      path: `/${encodeURIComponent(api.pageId)}/videos`,
      token: api.token,
      form,
    });
    state.videoId = data.id;
  }
  const { data, rateLimit } = await graphCall(ctx, videoStatusReply, {
    what: 'check video processing',
    base: api.base,
    path: `/${encodeURIComponent(state.videoId)}`,
    token: api.token,
    params: { fields: 'id,status,permalink_url' },
  });
  const status = data.status?.video_status;
  if (status === 'error') {
    const reason = data.status?.processing_phase?.errors?.[0]?.message ?? 'the video could not be processed';
    throw new PlatformError({
      kind: 'invalid',
      code: 'video_processing_failed',
      message: `Facebook: ${reason}`,
    });
  }
  if (status !== 'ready') {
    return {
      status: 'pending',
      state: { ...state },
      retryAfterMs: VIDEO_POLL_MS,
      rateLimit: rateLimit ?? undefined,
    };
  }
  return {
    status: 'published',
    remoteId: state.videoId,
    remoteUrl:
      absoluteUrl(data.permalink_url) ?? `https://www.facebook.com/${api.pageId}/videos/${state.videoId}`,
    rateLimit: rateLimit ?? undefined,
  };
}

export async function publishToPage(
  ctx: AdapterContext,
  request: PublishRequest,
  userToken: string,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  const state = readState(request.state);
  const api = await pageApi(ctx, userToken, request.channel.externalId);
  let rateLimit: RateLimitInfo | null = null;
  try {
    if (request.media.length === 1 && request.media[0]!.kind === 'video') {
      return await publishVideo(ctx, api, request, state);
    }
    if (request.media.length > 1) {
      for (const [i, item] of request.media.entries()) {
        if (state.photos[i]) continue;
        const form = await sourceForm(item, { published: 'false' });
        const { data } = await graphCall(ctx, idReply, {
          what: 'upload a photo',
          base: api.base,
          method: 'POST',
          path: `/${encodeURIComponent(api.pageId)}/photos`,
          token: api.token,
          form,
        });
        state.photos[i] = data.id;
      }
    }
    if (state.uncertain) {
      state.uncertain = false;
      const found = findRecent(ctx, await recentPagePosts(ctx, api), request.text);
      if (found) state.posted.push(found.id);
    }
    if (!state.posted.length) {
      state.uncertain = true;
      const created = await createPost(ctx, api, request, state);
      state.uncertain = false;
      state.posted.push(created.id);
      rateLimit = created.rateLimit;
    }
  } catch (error) {
    if (error instanceof PlatformError && error.kind !== 'transient') state.uncertain = false;
    const hasProgress = state.photos.some(Boolean) || state.videoId !== null;
    // Only a create with photos already uploaded resumes here; a lone create is left to the engine,
    // whose reconcile looks for it.
    return resumeAfterFailure(ctx, { state, error, hasProgress, published: state.posted });
  }
  const id = state.posted[0]!;
  return {
    status: 'published',
    remoteId: id,
    remoteUrl: (await permalinkOf(ctx, api, id).catch(() => null)) ?? `https://www.facebook.com/${id}`,
    rateLimit: rateLimit ?? undefined,
  };
}
