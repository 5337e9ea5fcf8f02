/**
 * Media for a Bluesky post. Images go to the PDS as blobs (`com.atproto.repo.uploadBlob`) and are
 * referenced from the record; unreferenced blobs are garbage-collected, so a crash between upload
 * and post costs nothing.
 *
 * Videos take one of two paths. With a video service (Bluesky's `video.bsky.app`, or
 * `settings.videoServiceUrl`), Herald asks the PDS for a service token, uploads to the service,
 * and the service transcodes and stores the blob on the PDS itself; the job id travels in the
 * `pending` state and each run polls `app.bsky.video.getJobStatus` once. Without one (a self-hosted
 * PDS), the MP4 is uploaded as a plain blob, which every PDS accepts.
 */
import { z } from 'zod';
import { type AdapterContext, type MediaItem, PlatformError } from '../types.ts';
import { failureOf, serviceUrl, xrpc, xrpcRaw } from './api.ts';

const BSKY_VIDEO_SERVICE = 'https://video.bsky.app';
const FIRST_POLL_MS = 3_000;
const MAX_POLL_MS = 30_000;
const MAX_PROCESSING_MS = 30 * 60_000;

const blob = z.object({
  $type: z.literal('blob'),
  ref: z.object({ $link: z.string() }),
  mimeType: z.string(),
  size: z.number(),
});
export type Blob = z.infer<typeof blob>;

const jobStatus = z.object({
  jobId: z.string(),
  state: z.string(),
  progress: z.number().optional(),
  blob: blob.optional(),
  error: z.string().optional(),
  failureCode: z.string().optional(),
  message: z.string().optional(),
});
/** `uploadVideo` and `getJobStatus` wrap the job in `jobStatus`; early service versions did not. */
const jobReply = z
  .union([z.object({ jobStatus }), jobStatus])
  .transform((r) => ('jobStatus' in r ? r.jobStatus : r));

const videoState = z.object({
  video: z.object({ heraldId: z.string(), jobId: z.string(), since: z.string(), polls: z.number().int() }),
});
export type VideoState = z.infer<typeof videoState>;

export async function uploadBlob(ctx: AdapterContext, token: string, item: MediaItem): Promise<Blob> {
  const { data } = await xrpc(ctx, z.object({ blob }), {
    what: 'upload blob',
    nsid: 'com.atproto.repo.uploadBlob',
    token,
    bytes: { data: await item.read(), contentType: item.mimeType },
    bucket: 'blobs',
  });
  return data.blob;
}

/** The video service to use, or null to upload videos as plain blobs. */
export function videoServiceOf(ctx: AdapterContext): string | null {
  const setting = ctx.app.settings.videoServiceUrl;
  if (typeof setting === 'string' && setting) return setting.replace(/\/+$/, '');
  if (setting === null || setting === false) return null;
  return new URL(serviceUrl(ctx)).hostname === 'bsky.social' ? BSKY_VIDEO_SERVICE : null;
}

async function startVideoJob(
  ctx: AdapterContext,
  options: { token: string; did: string; pdsUrl: string; service: string; item: MediaItem },
) {
  // The service writes the blob into the account's repo, so it needs a token the PDS made for itself.
  const exp = Math.floor(ctx.now().getTime() / 1000) + 30 * 60;
  const auth = await xrpc(ctx, z.object({ token: z.string() }), {
    what: 'get a video upload token',
    nsid: 'com.atproto.server.getServiceAuth',
    token: options.token,
    query: {
      aud: `did:web:${new URL(options.pdsUrl).hostname}`,
      lxm: 'com.atproto.repo.uploadBlob',
      exp: String(exp),
    },
  });
  const reply = await xrpcRaw(ctx, {
    what: 'upload video',
    nsid: 'app.bsky.video.uploadVideo',
    service: options.service,
    token: auth.data.token,
    query: { did: options.did, name: `${options.item.id}.mp4` },
    bytes: { data: await options.item.read(), contentType: 'video/mp4' },
    bucket: 'video',
  });
  const job = jobReply.safeParse(reply.body);
  if (reply.ok && job.success) return job.data;
  // The same file uploaded again answers 409 `already_exists` with the first job: carry on with it.
  const existing = z.object({ jobId: z.string() }).safeParse(reply.body);
  if (reply.status === 409 && (job.success || existing.success)) {
    return job.success ? job.data : { jobId: existing.data!.jobId, state: 'JOB_STATE_CREATED' };
  }
  if (!reply.ok) throw failureOf(ctx, 'upload video', reply);
  throw new PlatformError({
    kind: 'transient',
    message: 'upload video: unexpected reply from the video service',
  });
}

async function readJob(ctx: AdapterContext, service: string, jobId: string) {
  const { data } = await xrpc(ctx, jobReply, {
    what: 'check video processing',
    nsid: 'app.bsky.video.getJobStatus',
    service,
    query: { jobId },
  });
  return data;
}

export type PreparedVideo =
  { status: 'ready'; blob: Blob } | { status: 'pending'; state: VideoState; retryAfterMs: number };

export async function prepareVideo(
  ctx: AdapterContext,
  options: {
    token: string;
    did: string;
    pdsUrl: string;
    item: MediaItem;
    state: Record<string, unknown> | null;
  },
): Promise<PreparedVideo> {
  const service = videoServiceOf(ctx);
  if (!service) return { status: 'ready', blob: await uploadBlob(ctx, options.token, options.item) };
  const resumed = videoState.safeParse(options.state);
  let state: VideoState;
  let job: z.infer<typeof jobStatus>;
  if (resumed.success && resumed.data.video.heraldId === options.item.id) {
    state = resumed.data;
    job = await readJob(ctx, service, state.video.jobId);
  } else {
    const started = await startVideoJob(ctx, { ...options, service });
    state = {
      video: { heraldId: options.item.id, jobId: started.jobId, since: ctx.now().toISOString(), polls: 0 },
    };
    job = 'blob' in started && started.blob ? started : await readJob(ctx, service, started.jobId);
  }
  if (job.state === 'JOB_STATE_FAILED') {
    throw new PlatformError({
      kind: 'invalid',
      code: job.failureCode ?? 'media_processing_failed',
      message: `Bluesky could not process the video: ${job.message ?? job.error ?? job.failureCode ?? 'failed'}`,
    });
  }
  if (job.blob) return { status: 'ready', blob: job.blob };
  if (ctx.now().getTime() - Date.parse(state.video.since) > MAX_PROCESSING_MS) {
    throw new PlatformError({
      kind: 'invalid',
      code: 'media_processing_timeout',
      message: `Bluesky was still processing the video after ${MAX_PROCESSING_MS / 60_000} minutes`,
    });
  }
  const retryAfterMs = Math.min(FIRST_POLL_MS * 2 ** state.video.polls, MAX_POLL_MS);
  return {
    status: 'pending',
    state: { video: { ...state.video, polls: state.video.polls + 1 } },
    retryAfterMs,
  };
}
