/**
 * `videos.insert` with Google's resumable upload protocol, advanced one step at a time with the
 * progress kept in a plain object that the publish state carries between runs:
 *
 * 1. `POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status` with the metadata →
 *    the session URL in `Location`.
 * 2. `PUT <session>` chunks with `Content-Range: bytes first-last/total`, each a multiple of 256 KiB
 *    except the last; `308 Resume Incomplete` with `Range: bytes=0-N` says what arrived, and the
 *    final chunk is answered 200/201 with the video resource.
 * 3. After an interruption (a failed chunk or a new run) the session is asked where it stands with
 *    an empty `PUT` and `Content-Range: bytes *\/total` and the upload resumes from its answer; a
 *    session that is gone (404/410) starts over.
 */
import { z } from 'zod';
import { type AdapterContext, type MediaItem, PlatformError } from '../types.ts';
import { youtubeCall } from './api.ts';

const CHUNK_UNIT = 256 * 1024;
const DEFAULT_CHUNK_BYTES = 32 * CHUNK_UNIT;

export type UploadState = {
  sessionUrl: string | null;
  /** Bytes the session has confirmed. */
  offset: number;
  /** The session's view may differ from ours (a chunk without an answer, a new run): ask it first. */
  probe: boolean;
  videoId: string | null;
};

export const emptyUpload = (): UploadState => ({ sessionUrl: null, offset: 0, probe: false, videoId: null });

const videoResource = z.object({ id: z.string() });

function videoIdOf(body: unknown): string {
  const parsed = videoResource.safeParse(body);
  if (!parsed.success) {
    throw new PlatformError({
      kind: 'transient',
      message: 'upload: YouTube finished the upload without a video id',
    });
  }
  return parsed.data.id;
}

/** Chunk size from `settings.uploadChunkBytes`, rounded down to a multiple of 256 KiB. */
export function chunkBytesOf(ctx: AdapterContext): number {
  const setting = Number(ctx.app.settings.uploadChunkBytes);
  if (!Number.isFinite(setting) || setting <= 0) return DEFAULT_CHUNK_BYTES;
  return Math.max(CHUNK_UNIT, Math.floor(setting / CHUNK_UNIT) * CHUNK_UNIT);
}

/** `Range: bytes=0-N` → N + 1; absent means nothing arrived. */
const confirmedBytes = (headers: Headers) => {
  const match = /bytes=0-(\d+)/.exec(headers.get('range') ?? '');
  return match ? Number(match[1]) + 1 : 0;
};

async function startSession(
  ctx: AdapterContext,
  options: { token: string; item: MediaItem; resource: unknown; notifySubscribers: boolean },
): Promise<string> {
  const { item } = options;
  const reply = await youtubeCall(ctx, null, {
    what: 'start upload session',
    method: 'POST',
    path: `/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status&notifySubscribers=${options.notifySubscribers}`,
    token: options.token,
    headers: {
      'x-upload-content-length': String(item.sizeBytes),
      'x-upload-content-type': item.mimeType.startsWith('video/')
        ? item.mimeType
        : 'application/octet-stream',
    },
    json: options.resource,
  });
  const location = reply.headers.get('location');
  if (!location) {
    throw new PlatformError({ kind: 'transient', message: 'start upload session: YouTube sent no Location' });
  }
  return location;
}

/** Asks the session how much it has; false when the session is gone. */
async function probeSession(ctx: AdapterContext, token: string, state: UploadState, total: number) {
  const reply = await youtubeCall(ctx, null, {
    what: 'query upload session',
    method: 'PUT',
    path: state.sessionUrl!,
    token,
    headers: { 'content-range': `bytes */${total}` },
    accept: [308, 404, 410],
  });
  if (reply.status === 404 || reply.status === 410) return false;
  if (reply.status === 308) {
    state.offset = confirmedBytes(reply.headers);
  } else {
    state.videoId = videoIdOf(reply.body);
    state.offset = total;
  }
  state.probe = false;
  return true;
}

/** Uploads until YouTube names the video; `state` holds the progress even when this throws. */
export async function uploadVideo(
  ctx: AdapterContext,
  options: {
    token: string;
    item: MediaItem;
    resource: unknown;
    notifySubscribers: boolean;
    state: UploadState;
  },
): Promise<string> {
  const { token, item, state } = options;
  const total = item.sizeBytes;
  if (state.videoId) return state.videoId;
  if (state.sessionUrl && state.probe && !(await probeSession(ctx, token, state, total))) {
    Object.assign(state, emptyUpload());
  }
  if (state.videoId) return state.videoId;
  if (!state.sessionUrl) {
    state.sessionUrl = await startSession(ctx, options);
    state.offset = 0;
  }
  const chunkBytes = chunkBytesOf(ctx);
  const bytes = await item.read();
  while (!state.videoId) {
    const end = Math.min(total, state.offset + chunkBytes);
    // Until answered, the session may have taken any part of this chunk.
    state.probe = true;
    const reply = await youtubeCall(ctx, null, {
      what: `upload bytes ${state.offset}-${end - 1}/${total}`,
      method: 'PUT',
      path: state.sessionUrl,
      token,
      headers: {
        'content-type': item.mimeType,
        'content-range': `bytes ${state.offset}-${end - 1}/${total}`,
      },
      body: new Blob([bytes.subarray(state.offset, end) as Uint8Array<ArrayBuffer>]),
      accept: [308],
    });
    state.probe = false;
    if (reply.status === 308) {
      state.offset = confirmedBytes(reply.headers);
    } else {
      state.videoId = videoIdOf(reply.body);
      state.offset = total;
    }
  }
  return state.videoId;
}
