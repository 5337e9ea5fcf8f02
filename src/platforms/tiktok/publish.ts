/**
 * TikTok Direct Post, one step at a time with the progress in the publish state between runs:
 *
 * 1. `creator_info/query` (required before every post): the privacy levels the creator may use, the
 *    longest video allowed, and whether comments, duets and stitches are off. Anything it forbids is
 *    refused as `invalid` before TikTok sees the post.
 * 2. Init: `video/init` with FILE_UPLOAD (size and chunking) or PULL_FROM_URL (TikTok downloads the
 *    public media URL), or `content/init` for a photo post (always by URL). The `publish_id` it
 *    returns is saved at once; it is the only handle on the post.
 * 3. FILE_UPLOAD: `PUT upload_url` chunk by chunk with `Content-Range`; the next chunk index is kept
 *    so an interrupted upload resumes where it stopped (the upload URL lives an hour).
 * 4. `status/fetch` until `PUBLISH_COMPLETE` (with the public post id once moderation passed),
 *    `SEND_TO_USER_INBOX`, or `FAILED` with a `fail_reason`.
 */
import { z } from 'zod';
import { publicMediaUrl } from '../meta/public-url.ts';
import {
  type AdapterContext,
  type Credentials,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
} from '../types.ts';
import { apiBase, tiktokCall } from './api.ts';
import { readOptions, validate } from './validate.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { resumeAfterFailure } from '../kit/resume.ts';

const MIN_CHUNK = 5 * 1024 * 1024;
const MAX_CHUNK = 64 * 1024 * 1024;
const DEFAULT_CHUNK = 10 * 1024 * 1024;
const PROCESSING_POLL_MS = 10_000;
const MODERATION_POLL_MS = 60_000;
/** Public posts get their id after moderation (usually < 1 min, sometimes hours): wait about 3 hours. */
const MAX_MODERATION_POLLS = 180;
const MAX_PROCESSING_POLLS = 360;

const FAIL_REASONS: Record<string, string> = {
  file_format_check_failed: 'the file format is not supported',
  duration_check_failed: 'the video is too long or too short for this creator',
  frame_rate_check_failed: 'the frame rate is not supported (23–60 fps)',
  picture_size_check_failed: 'the picture size is not supported (360–4096 px per side)',
  video_pull_failed: 'TikTok could not download the video from its public URL (check PUBLIC_URL)',
  photo_pull_failed: 'TikTok could not download a photo from its public URL (check PUBLIC_URL)',
  internal: 'TikTok had an internal error',
};

const creatorInfo = z.object({
  data: z.object({
    creator_username: z.string().optional(),
    privacy_level_options: z.array(z.string()),
    comment_disabled: z.boolean().optional(),
    duet_disabled: z.boolean().optional(),
    stitch_disabled: z.boolean().optional(),
    max_video_post_duration_sec: z.number().optional(),
  }),
});
const initReply = z.object({ data: z.object({ publish_id: z.string(), upload_url: z.string().optional() }) });
const statusReply = z.object({
  data: z.object({
    status: z.string(),
    fail_reason: z.string().optional(),
    publicaly_available_post_id: z.array(z.union([z.string(), z.number()])).optional(),
  }),
});

export type TikTokState = {
  publishId: string | null;
  uploadUrl: string | null;
  chunkSize: number;
  chunkCount: number;
  nextChunk: number;
  username: string | null;
  privacyLevel: string | null;
  polls: number;
  resumes: number;
  authRetried: boolean;
};

export function readState(raw: Record<string, unknown> | null): TikTokState {
  const s = (raw ?? {}) as Partial<TikTokState>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    publishId: str(s.publishId),
    uploadUrl: str(s.uploadUrl),
    chunkSize: num(s.chunkSize),
    chunkCount: num(s.chunkCount),
    nextChunk: num(s.nextChunk),
    username: str(s.username),
    privacyLevel: str(s.privacyLevel),
    polls: num(s.polls),
    resumes: num(s.resumes),
    authRetried: s.authRetried === true,
  };
}

/** TikTok's chunking: < 5 MB one chunk; else 5–64 MB chunks, the last absorbing the remainder. */
export function chunkPlan(ctx: AdapterContext, size: number): { chunkSize: number; chunkCount: number } {
  if (size < MIN_CHUNK) return { chunkSize: size, chunkCount: 1 };
  const setting = Number(ctx.app.settings.videoChunkBytes);
  const wanted = Number.isFinite(setting) && setting > 0 ? setting : DEFAULT_CHUNK;
  const chunkSize = Math.min(size, Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, wanted)));
  return { chunkSize, chunkCount: Math.max(1, Math.floor(size / chunkSize)) };
}

export const videoUrl = (username: string | null, id: string) =>
  username ? `https://www.tiktok.com/@${username}/video/${id}` : null;

async function init(ctx: AdapterContext, token: string, request: PublishRequest, state: TikTokState) {
  const options = readOptions(request.options);
  const { data: info } = await tiktokCall(ctx, creatorInfo, {
    what: 'query creator info',
    method: 'POST',
    path: '/v2/post/publish/creator_info/query/',
    token,
    json: {},
  });
  const creator = info.data;
  if (!creator.privacy_level_options.includes(options.privacyLevel)) {
    throw new PlatformError({
      kind: 'invalid',
      code: 'privacy_level_option_mismatch',
      message: `this TikTok account cannot post with privacy ${options.privacyLevel}; it allows ${creator.privacy_level_options.join(', ')}`,
    });
  }
  const item = request.media[0]!;
  const isVideo = item.kind === 'video';
  const maxDuration = creator.max_video_post_duration_sec;
  if (isVideo && maxDuration && item.durationSeconds !== null && item.durationSeconds > maxDuration) {
    throw new PlatformError({
      kind: 'invalid',
      code: 'duration_check_failed',
      message: `this TikTok account posts videos of at most ${maxDuration} s; this one lasts ${item.durationSeconds} s`,
    });
  }
  state.username = creator.creator_username ?? null;
  state.privacyLevel = options.privacyLevel;
  const brand = { brand_content_toggle: options.brandContent, brand_organic_toggle: options.brandOrganic };
  const urlOf = (m: (typeof request.media)[number]) =>
    publicMediaUrl(m, { platform: 'TikTok', apiBase: apiBase(ctx) });
  if (!isVideo) {
    const { data } = await tiktokCall(ctx, initReply, {
      what: 'init photo post',
      method: 'POST',
      path: '/v2/post/publish/content/init/',
      token,
      json: {
        media_type: 'PHOTO',
        post_mode: 'DIRECT_POST',
        post_info: {
          title: request.title ?? '',
          description: request.text,
          privacy_level: options.privacyLevel,
          disable_comment: options.disableComment || creator.comment_disabled === true,
          auto_add_music: options.autoAddMusic,
          ...brand,
        },
        source_info: {
          source: 'PULL_FROM_URL',
          photo_images: request.media.map(urlOf),
          photo_cover_index: 0,
        },
      },
    });
    state.publishId = data.data.publish_id;
    return;
  }
  const sourceInfo =
    options.source === 'PULL_FROM_URL'
      ? { source: 'PULL_FROM_URL', video_url: urlOf(item) }
      : (() => {
          const plan = chunkPlan(ctx, item.sizeBytes);
          state.chunkSize = plan.chunkSize;
          state.chunkCount = plan.chunkCount;
          return {
            source: 'FILE_UPLOAD',
            video_size: item.sizeBytes,
            chunk_size: plan.chunkSize,
            total_chunk_count: plan.chunkCount,
          };
        })();
  const { data } = await tiktokCall(ctx, initReply, {
    what: 'init video post',
    method: 'POST',
    path: '/v2/post/publish/video/init/',
    token,
    json: {
      post_info: {
        title: request.text,
        privacy_level: options.privacyLevel,
        disable_comment: options.disableComment || creator.comment_disabled === true,
        disable_duet: options.disableDuet || creator.duet_disabled === true,
        disable_stitch: options.disableStitch || creator.stitch_disabled === true,
        is_aigc: options.isAigc,
        ...(options.coverTimestampMs !== null ? { video_cover_timestamp_ms: options.coverTimestampMs } : {}),
        ...brand,
      },
      source_info: sourceInfo,
    },
  });
  state.publishId = data.data.publish_id;
  state.uploadUrl = data.data.upload_url ?? null;
}

async function uploadChunks(ctx: AdapterContext, request: PublishRequest, state: TikTokState) {
  const item = request.media[0]!;
  const bytes = await item.read();
  const total = item.sizeBytes;
  while (state.nextChunk < state.chunkCount) {
    const first = state.nextChunk * state.chunkSize;
    const last = state.nextChunk === state.chunkCount - 1 ? total - 1 : first + state.chunkSize - 1;
    await tiktokCall(ctx, null, {
      what: `upload chunk ${state.nextChunk + 1}/${state.chunkCount}`,
      method: 'PUT',
      path: state.uploadUrl!,
      headers: { 'content-type': item.mimeType, 'content-range': `bytes ${first}-${last}/${total}` },
      body: new Blob([bytes.subarray(first, last + 1) as Uint8Array<ArrayBuffer>]),
      raw: true,
    });
    state.nextChunk++;
  }
}

export async function fetchStatus(ctx: AdapterContext, token: string, publishId: string) {
  const { data } = await tiktokCall(ctx, statusReply, {
    what: 'fetch publish status',
    method: 'POST',
    path: '/v2/post/publish/status/fetch/',
    token,
    json: { publish_id: publishId },
  });
  return data.data;
}

function afterFailure(ctx: AdapterContext, state: TikTokState, error: unknown): PublishOutcome {
  // Once TikTok named a publish_id the post exists on its side: keep it, never init again.
  return resumeAfterFailure(ctx, { state, error, hasProgress: Boolean(state.publishId), retryAuth: true });
}

export async function publish(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<PublishOutcome> {
  rejectInvalid(validate(request));
  const token = credentials.accessToken;
  const state = readState(request.state);
  const pending = (retryAfterMs: number): PublishOutcome => ({
    status: 'pending',
    state: { ...state },
    retryAfterMs,
  });
  try {
    if (!state.publishId) await init(ctx, token, request, state);
    if (state.uploadUrl && state.nextChunk < state.chunkCount) await uploadChunks(ctx, request, state);
    state.authRetried = false;
    const status = await fetchStatus(ctx, token, state.publishId!);
    state.polls++;
    if (status.status === 'FAILED') {
      const reason = status.fail_reason ?? 'unknown';
      throw new PlatformError({
        kind: 'invalid',
        code: reason,
        message: `TikTok could not publish (${reason}): ${FAIL_REASONS[reason] ?? 'see the TikTok app for details'}`,
      });
    }
    const postId = status.publicaly_available_post_id?.[0];
    if (postId !== undefined) {
      const id = String(postId);
      return { status: 'published', remoteId: id, remoteUrl: videoUrl(state.username, id) };
    }
    if (status.status === 'SEND_TO_USER_INBOX') {
      return { status: 'published', remoteId: state.publishId!, remoteUrl: null };
    }
    if (status.status === 'PUBLISH_COMPLETE') {
      // Private posts never get a public id; public ones get it once moderation passes.
      if (state.privacyLevel === 'SELF_ONLY' || state.polls > MAX_MODERATION_POLLS) {
        return { status: 'published', remoteId: state.publishId!, remoteUrl: null };
      }
      return pending(MODERATION_POLL_MS);
    }
    if (state.polls > MAX_PROCESSING_POLLS) {
      throw new PlatformError({
        kind: 'invalid',
        message: `TikTok is still processing ${state.publishId} after ${state.polls} checks`,
      });
    }
    return pending(PROCESSING_POLL_MS);
  } catch (error) {
    return afterFailure(ctx, state, error);
  }
}
