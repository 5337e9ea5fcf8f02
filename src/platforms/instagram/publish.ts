/**
 * Publishing to an Instagram professional account: container (`POST /{ig-user-id}/media` from the
 * media's public URL) → `status_code` FINISHED → `POST /{ig-user-id}/media_publish`. A carousel first
 * makes one child container per item (`is_carousel_item=true`), waits for each, then a CAROUSEL
 * container. Meta recommends checking about once a minute; the wait happens between job runs
 * (`pending`), never inside one.
 *
 * A container can be published once; before publishing, its status is read, and PUBLISHED (an
 * earlier publish whose answer was lost) is looked up among the account's recent media instead.
 */
import { z } from 'zod';
import { facebookGraphBase } from '../meta/facebook-login.ts';
import { graphCall } from '../meta/graph.ts';
import { publicMediaUrl } from '../meta/public-url.ts';
import {
  type ContainerState,
  checkPublishingQuota,
  findRecent,
  readContainerState,
} from '../meta/publishing.ts';
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
import { resumeAfterFailure } from '../kit/resume.ts';

/** Meta: check the container about once a minute; the first check comes right after creating it. */
const POLL_MS = 60_000;
/** Container errors Meta reports that a fresh container may get past (download timeout, unknown upload error). */
const TRANSIENT_ERRORS = new Set(['2207003', '2207053']);

export type InstagramApi = { base: string; token: string; igUserId: string };

const idReply = z.object({ id: z.string() });
const statusReply = z.object({
  id: z.string().optional(),
  status_code: z.enum(['IN_PROGRESS', 'FINISHED', 'PUBLISHED', 'ERROR', 'EXPIRED']),
  status: z.string().optional(),
});
const mediaListReply = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      caption: z.string().optional(),
      timestamp: z.string().optional(),
      permalink: z.string().optional(),
    }),
  ),
});
const permalinkReply = z.object({ id: z.string(), permalink: z.string().optional() });

export function instagramApi(ctx: AdapterContext, token: string, igUserId: string): InstagramApi {
  return { base: facebookGraphBase(ctx), token, igUserId };
}

async function createContainer(
  ctx: AdapterContext,
  api: InstagramApi,
  params: Record<string, string | undefined>,
) {
  const { data } = await graphCall(ctx, idReply, {
    what: 'create an Instagram container',
    base: api.base,
    method: 'POST',
    path: `/${encodeURIComponent(api.igUserId)}/media`,
    token: api.token,
    params,
  });
  return data.id;
}

async function containerStatus(ctx: AdapterContext, api: InstagramApi, id: string) {
  const { data } = await graphCall(ctx, statusReply, {
    what: 'check an Instagram container',
    base: api.base,
    path: `/${encodeURIComponent(id)}`,
    token: api.token,
    params: { fields: 'status_code,status' },
  });
  if (data.status_code === 'ERROR') {
    // `status` reads like "Error: Media upload has failed with error code 2207026".
    const code = data.status?.match(/\b(2207\d{3}|36\d{3})\b/)?.[1] ?? 'ERROR';
    throw new PlatformError({
      kind: TRANSIENT_ERRORS.has(code) ? 'transient' : 'invalid',
      code,
      message: `Instagram could not process the media: ${data.status ?? 'unknown error'}`,
    });
  }
  return data.status_code;
}

function itemParams(item: MediaItem, url: string): Record<string, string | undefined> {
  return item.kind === 'video'
    ? { media_type: 'VIDEO', video_url: url }
    : { image_url: url, alt_text: item.altText ?? undefined };
}

/** The account's recent media (or stories), newest first. */
export async function recentMedia(ctx: AdapterContext, api: InstagramApi, stories = false) {
  const { data } = await graphCall(ctx, mediaListReply, {
    what: stories ? 'list recent stories' : 'list recent media',
    base: api.base,
    path: `/${encodeURIComponent(api.igUserId)}/${stories ? 'stories' : 'media'}`,
    token: api.token,
    params: { fields: 'id,caption,timestamp,permalink', limit: 25 },
  });
  return data.data.map((m) => ({ ...m, text: m.caption ?? null }));
}

export async function permalinkOf(
  ctx: AdapterContext,
  api: InstagramApi,
  id: string,
): Promise<string | null> {
  const { data } = await graphCall(ctx, permalinkReply, {
    what: 'read the permalink',
    base: api.base,
    path: `/${encodeURIComponent(id)}`,
    token: api.token,
    params: { fields: 'id,permalink' },
  });
  return data.permalink ?? null;
}

/** Makes the container to publish (children first for a carousel), or says to wait for them. */
async function prepareContainer(
  ctx: AdapterContext,
  api: InstagramApi,
  request: PublishRequest,
  urls: string[],
  state: ContainerState,
): Promise<'ready' | 'wait'> {
  if (state.container) return 'ready';
  const options = readOptions(request.options);
  const caption = request.text || undefined;
  if (state.children.length) {
    for (const [i, item] of request.media.entries()) {
      state.children[i] ??= await createContainer(ctx, api, {
        ...itemParams(item, urls[i]!),
        is_carousel_item: 'true',
      });
    }
    for (const [i, child] of state.children.entries()) {
      const status = await containerStatus(ctx, api, child!);
      if (status === 'EXPIRED') state.children[i] = null;
      if (status !== 'FINISHED') return 'wait';
    }
    state.container = await createContainer(ctx, api, {
      media_type: 'CAROUSEL',
      children: state.children.join(','),
      caption,
    });
    return 'ready';
  }
  const item = request.media[0]!;
  const url = urls[0]!;
  if (options.type === 'story') {
    state.container = await createContainer(ctx, api, {
      media_type: 'STORIES',
      ...(item.kind === 'video' ? { video_url: url } : { image_url: url }),
    });
  } else if (item.kind === 'video') {
    // Since 2023-07-01 a single feed video is published as a reel.
    state.container = await createContainer(ctx, api, {
      media_type: 'REELS',
      video_url: url,
      caption,
      share_to_feed: String(options.type === 'feed' || options.shareToFeed),
    });
  } else {
    state.container = await createContainer(ctx, api, {
      image_url: url,
      caption,
      alt_text: item.altText ?? undefined,
    });
  }
  return 'ready';
}

export async function publishToInstagram(
  ctx: AdapterContext,
  request: PublishRequest,
  api: InstagramApi,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  // Before anything else: media Meta could not download fails here, with the fix named.
  const urls = request.media.map((item) =>
    publicMediaUrl(item, { platform: 'Instagram', apiBase: api.base }),
  );
  const isStory = readOptions(request.options).type === 'story';
  const carousel = request.media.length > 1 ? request.media.length : 0;
  const state = readContainerState(request.state, { keep: carousel, slots: carousel });
  let rateLimit: RateLimitInfo | null = null;
  const pending = (retryAfterMs: number): PublishOutcome => ({
    status: 'pending',
    state: { ...state },
    retryAfterMs,
    rateLimit: rateLimit ?? undefined,
  });
  try {
    if (!state.posted.length && !state.container && !state.children.some(Boolean)) {
      rateLimit = await checkPublishingQuota(ctx, {
        base: api.base,
        path: `/${encodeURIComponent(api.igUserId)}/content_publishing_limit`,
        token: api.token,
        platform: 'Instagram',
      });
    }
    if (!state.posted.length) {
      if ((await prepareContainer(ctx, api, request, urls, state)) === 'wait') return pending(POLL_MS);
      const status = await containerStatus(ctx, api, state.container!);
      if (status === 'IN_PROGRESS') return pending(POLL_MS);
      if (status === 'EXPIRED') {
        // Unpublished containers expire after 24 h; make them again.
        state.container = null;
        state.children = state.children.map(() => null);
        return pending(0);
      }
      if (status === 'PUBLISHED') {
        const found = findRecent(ctx, await recentMedia(ctx, api, isStory), request.text);
        if (!found) {
          throw new PlatformError({
            kind: 'transient',
            message: 'Instagram says the post was published but it is not listed yet',
          });
        }
        state.posted.push(found.id);
      } else {
        const { data, rateLimit: published } = await graphCall(ctx, idReply, {
          what: 'publish',
          base: api.base,
          method: 'POST',
          path: `/${encodeURIComponent(api.igUserId)}/media_publish`,
          token: api.token,
          params: { creation_id: state.container! },
        });
        rateLimit = published ?? rateLimit;
        state.posted.push(data.id);
      }
    }
  } catch (error) {
    const hasProgress = state.container !== null || state.children.some(Boolean);
    return resumeAfterFailure(ctx, { state, error, hasProgress, published: state.posted });
  }
  const id = state.posted[0]!;
  return {
    status: 'published',
    remoteId: id,
    remoteUrl: await permalinkOf(ctx, api, id).catch(() => null),
    rateLimit: rateLimit ?? undefined,
  };
}
