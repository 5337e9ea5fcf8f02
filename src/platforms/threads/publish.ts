/**
 * Publishing to Threads: container → (status FINISHED) → `threads_publish`, as a state machine that
 * runs across job runs. A carousel first makes one child container per item (`is_carousel_item`),
 * waits for each to finish, then a CAROUSEL container; a thread publishes the first post, then one
 * TEXT container per extra text with `reply_to_id` set to the previous post.
 *
 * A container can be published once. Before publishing, its status is read: PUBLISHED means an
 * earlier run's publish went through without its answer arriving, and the post is looked up instead
 * of published again.
 */
import { z } from 'zod';
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

/** Threads' docs: wait about 30 s before publishing, then poll about once a minute. */
const POLL_MS = 30_000;

const idReply = z.object({ id: z.string() });
const statusReply = z.object({
  id: z.string().optional(),
  status: z.enum(['IN_PROGRESS', 'FINISHED', 'PUBLISHED', 'ERROR', 'EXPIRED']),
  error_message: z.string().optional(),
});
export const postsReply = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      text: z.string().optional(),
      timestamp: z.string().optional(),
      permalink: z.string().optional(),
      username: z.string().optional(),
    }),
  ),
});
const permalinkReply = z.object({ id: z.string(), permalink: z.string().optional() });

export type ThreadsApi = { base: string; token: string; userId: string };

async function createContainer(
  ctx: AdapterContext,
  api: ThreadsApi,
  params: Record<string, string | undefined>,
) {
  const { data } = await graphCall(ctx, idReply, {
    what: 'create a Threads container',
    base: api.base,
    method: 'POST',
    path: `/${encodeURIComponent(api.userId)}/threads`,
    token: api.token,
    params,
  });
  return data.id;
}

async function containerStatus(ctx: AdapterContext, api: ThreadsApi, id: string) {
  const { data } = await graphCall(ctx, statusReply, {
    what: 'check a Threads container',
    base: api.base,
    path: `/${encodeURIComponent(id)}`,
    token: api.token,
    params: { fields: 'status,error_message' },
  });
  if (data.status === 'ERROR') {
    throw new PlatformError({
      kind: 'invalid',
      code: data.error_message ?? 'ERROR',
      message: `Threads could not process the media: ${data.error_message ?? 'unknown error'}`,
    });
  }
  return data.status;
}

function mediaParams(api: ThreadsApi, item: MediaItem): Record<string, string | undefined> {
  const url = publicMediaUrl(item, { platform: 'Threads', apiBase: api.base });
  return item.kind === 'video'
    ? { media_type: 'VIDEO', video_url: url, alt_text: item.altText ?? undefined }
    : { media_type: 'IMAGE', image_url: url, alt_text: item.altText ?? undefined };
}

/** The user's recent posts, newest first. */
export async function recentThreads(ctx: AdapterContext, api: ThreadsApi) {
  const { data } = await graphCall(ctx, postsReply, {
    what: 'list recent posts',
    base: api.base,
    path: `/${encodeURIComponent(api.userId)}/threads`,
    token: api.token,
    params: { fields: 'id,text,timestamp,permalink', limit: 50 },
  });
  return data.data.map((p) => ({ ...p, text: p.text ?? null }));
}

/** Direct replies to a post. */
export async function repliesTo(ctx: AdapterContext, api: ThreadsApi, id: string) {
  const { data } = await graphCall(ctx, postsReply, {
    what: 'list replies',
    base: api.base,
    path: `/${encodeURIComponent(id)}/replies`,
    token: api.token,
    params: { fields: 'id,text,timestamp,username' },
  });
  return data.data.map((p) => ({ ...p, text: p.text ?? null }));
}

export async function permalinkOf(ctx: AdapterContext, api: ThreadsApi, id: string): Promise<string | null> {
  const { data } = await graphCall(ctx, permalinkReply, {
    what: 'read the permalink',
    base: api.base,
    path: `/${encodeURIComponent(id)}`,
    token: api.token,
    params: { fields: 'id,permalink' },
  });
  return data.permalink ?? null;
}

/** Makes the container for part `index` (0: the first post, with the media), or returns "wait". */
async function prepareContainer(
  ctx: AdapterContext,
  api: ThreadsApi,
  request: PublishRequest,
  state: ContainerState,
  index: number,
): Promise<'ready' | 'wait'> {
  if (state.container) return 'ready';
  const options = readOptions(request.options);
  const text = index === 0 ? request.text : options.thread[index - 1]!;
  const common = {
    text: text || undefined,
    reply_to_id: index === 0 ? undefined : state.posted[index - 1],
    reply_control: options.replyControl ?? undefined,
  };
  if (index === 0 && request.media.length > 1) {
    for (const [i, item] of request.media.entries()) {
      state.children[i] ??= await createContainer(ctx, api, {
        ...mediaParams(api, item),
        is_carousel_item: 'true',
      });
    }
    for (const [i, child] of state.children.entries()) {
      const status = await containerStatus(ctx, api, child!);
      // An expired item (24 h unpublished) is made again on the next run.
      if (status === 'EXPIRED') state.children[i] = null;
      if (status !== 'FINISHED') return 'wait';
    }
    state.container = await createContainer(ctx, api, {
      ...common,
      media_type: 'CAROUSEL',
      children: state.children.join(','),
    });
  } else if (index === 0 && request.media.length === 1) {
    state.container = await createContainer(ctx, api, {
      ...common,
      ...mediaParams(api, request.media[0]!),
    });
  } else {
    state.container = await createContainer(ctx, api, {
      ...common,
      media_type: 'TEXT',
      link_attachment: index === 0 ? (options.linkAttachment ?? undefined) : undefined,
    });
  }
  return 'ready';
}

export async function publishToThreads(
  ctx: AdapterContext,
  request: PublishRequest,
  api: ThreadsApi,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  // Before anything else: media Meta could not download fails here, with the fix named.
  for (const item of request.media) publicMediaUrl(item, { platform: 'Threads', apiBase: api.base });
  const texts = [request.text, ...readOptions(request.options).thread];
  const count = request.media.length;
  const state = readContainerState(request.state, { keep: count, slots: count > 1 ? count : 0 });
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
        path: `/${encodeURIComponent(api.userId)}/threads_publishing_limit`,
        token: api.token,
        platform: 'Threads',
      });
    }
    while (state.posted.length < texts.length) {
      const index = state.posted.length;
      if ((await prepareContainer(ctx, api, request, state, index)) === 'wait') return pending(POLL_MS);
      const status = await containerStatus(ctx, api, state.container!);
      if (status === 'IN_PROGRESS') return pending(POLL_MS);
      if (status === 'EXPIRED') {
        state.container = null;
        state.children = state.children.map(() => null);
        return pending(0);
      }
      if (status === 'PUBLISHED') {
        // An earlier publish went through unanswered: find the post it made.
        const candidates =
          index === 0 ? await recentThreads(ctx, api) : await repliesTo(ctx, api, state.posted[index - 1]!);
        const found = findRecent(ctx, candidates, texts[index]!);
        if (!found) {
          throw new PlatformError({
            kind: 'transient',
            message: 'Threads says the post was published but it is not listed yet',
          });
        }
        state.posted.push(found.id);
        state.container = null;
        continue;
      }
      const { data, rateLimit: published } = await graphCall(ctx, idReply, {
        what: index === 0 ? 'publish' : 'publish thread reply',
        base: api.base,
        method: 'POST',
        path: `/${encodeURIComponent(api.userId)}/threads_publish`,
        token: api.token,
        params: { creation_id: state.container! },
      });
      rateLimit = published ?? rateLimit;
      state.posted.push(data.id);
      state.container = null;
    }
  } catch (error) {
    const hasProgress = state.posted.length > 0 || state.container !== null || state.children.some(Boolean);
    return resumeAfterFailure(ctx, { state, error, hasProgress, published: state.posted });
  }
  const [rootId, ...partIds] = state.posted;
  const remoteUrl = await permalinkOf(ctx, api, rootId!).catch(() => null);
  return {
    status: 'published',
    remoteId: rootId!,
    remoteUrl,
    rateLimit: rateLimit ?? undefined,
    ...(partIds.length ? { partIds } : {}),
  };
}
