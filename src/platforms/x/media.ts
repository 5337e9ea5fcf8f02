/**
 * X's chunked media upload (`/2/media/upload/initialize` → `/{id}/append` × n → `/{id}/finalize` →
 * `GET /2/media/upload?command=STATUS` while X processes), as a resumable state machine.
 *
 * Progress lives in an `UploadState` the caller keeps in the target's publish state, so a failed
 * APPEND resumes from its segment on the next run (X accepts a segment index again) and processing
 * is waited for between job runs rather than inside one. A media id expires after
 * `expires_after_secs`; an expired upload is started again.
 */
import { z } from 'zod';
import { type AdapterContext, type MediaItem, PlatformError } from '../types.ts';
import { xCall } from './api.ts';
import { mediaCategory } from './validate.ts';

export type UploadState = {
  mediaId: string;
  segments: number;
  nextSegment: number;
  finalized: boolean;
  ready: boolean;
  altTextSet: boolean;
  /** Epoch ms after which X forgets the media id. */
  expiresAt: number;
};

/** X's rule is ≤ 5 MB per APPEND; `settings.mediaChunkBytes` tunes it for slow links. */
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_CHUNK_BYTES = 5 * 1024 * 1024;
/** When FINALIZE or STATUS says processing without `check_after_secs`. */
const DEFAULT_CHECK_AFTER_MS = 5_000;

const processingInfo = z.object({
  state: z.enum(['pending', 'in_progress', 'succeeded', 'failed']),
  check_after_secs: z.number().optional(),
  progress_percent: z.number().optional(),
  error: z
    .object({ code: z.number().optional(), name: z.string().optional(), message: z.string().optional() })
    .optional(),
});
const initReply = z.object({
  data: z.object({
    id: z.string(),
    media_key: z.string().optional(),
    expires_after_secs: z.number().optional(),
  }),
});
const finalizeReply = z.object({
  data: z.object({ id: z.string(), processing_info: processingInfo.optional() }),
});
const statusReply = z.object({
  data: z.object({ id: z.string().optional(), processing_info: processingInfo.optional() }),
});

export function chunkBytes(ctx: AdapterContext): number {
  const setting = Number(ctx.app.settings.mediaChunkBytes);
  return Number.isInteger(setting) && setting > 0 ? Math.min(setting, MAX_CHUNK_BYTES) : DEFAULT_CHUNK_BYTES;
}

export type UploadStep = { status: 'ready' } | { status: 'processing'; retryAfterMs: number };

type ProcessingInfo = z.infer<typeof processingInfo>;

function judgeProcessing(info: ProcessingInfo | undefined, upload: UploadState): UploadStep {
  if (!info || info.state === 'succeeded') {
    upload.ready = true;
    return { status: 'ready' };
  }
  if (info.state === 'failed') {
    // `processing_info.state=failed` is final for this media id: the file itself is the problem.
    const name = info.error?.name ?? 'InvalidMedia';
    throw new PlatformError({
      kind: 'invalid',
      code: name,
      message: `X could not process the media: ${info.error?.message ?? name}`,
    });
  }
  return {
    status: 'processing',
    retryAfterMs: info.check_after_secs !== undefined ? info.check_after_secs * 1000 : DEFAULT_CHECK_AFTER_MS,
  };
}

/**
 * Takes the upload of `item` one step as far as it can go in this run. `slot.upload` is updated as
 * each step succeeds, so when a call throws, the slot still says where to resume.
 */
export async function advanceUpload(
  ctx: AdapterContext,
  token: string,
  item: MediaItem,
  slot: { upload: UploadState | null },
): Promise<UploadStep> {
  if (slot.upload && slot.upload.expiresAt <= ctx.now().getTime()) slot.upload = null;
  let upload = slot.upload;
  if (upload?.ready && (upload.altTextSet || !item.altText)) return { status: 'ready' };

  if (!upload || upload.nextSegment < upload.segments || !upload.finalized) {
    const bytes = await item.read();
    const size = chunkBytes(ctx);
    if (!upload) {
      const { data } = await xCall(ctx, initReply, {
        what: 'start media upload',
        bucket: 'media-upload',
        method: 'POST',
        path: '/2/media/upload/initialize',
        token,
        json: {
          media_type: item.mimeType,
          total_bytes: bytes.byteLength,
          media_category: mediaCategory(item),
        },
      });
      upload = {
        mediaId: data.data.id,
        segments: Math.max(1, Math.ceil(bytes.byteLength / size)),
        nextSegment: 0,
        finalized: false,
        ready: false,
        altTextSet: false,
        expiresAt: ctx.now().getTime() + (data.data.expires_after_secs ?? 86_400) * 1000,
      };
      slot.upload = upload;
    }
    while (upload.nextSegment < upload.segments) {
      const index = upload.nextSegment;
      const form = new FormData();
      form.set('segment_index', String(index));
      form.set(
        'media',
        new Blob([new Uint8Array(bytes.subarray(index * size, (index + 1) * size))], {
          type: 'application/octet-stream',
        }),
      );
      await xCall(ctx, null, {
        what: `upload media segment ${index}`,
        bucket: 'media-upload',
        method: 'POST',
        path: `/2/media/upload/${encodeURIComponent(upload.mediaId)}/append`,
        token,
        body: form,
      });
      upload.nextSegment = index + 1;
    }
    const { data } = await xCall(ctx, finalizeReply, {
      what: 'finish media upload',
      bucket: 'media-upload',
      method: 'POST',
      path: `/2/media/upload/${encodeURIComponent(upload.mediaId)}/finalize`,
      token,
    });
    upload.finalized = true;
    const step = judgeProcessing(data.data.processing_info, upload);
    if (step.status === 'processing') return step;
  } else if (!upload.ready) {
    const { data } = await xCall(ctx, statusReply, {
      what: 'check media processing',
      bucket: 'media-status',
      path: `/2/media/upload?command=STATUS&media_id=${encodeURIComponent(upload.mediaId)}`,
      token,
    });
    const step = judgeProcessing(data.data.processing_info, upload);
    if (step.status === 'processing') return step;
  }

  if (item.altText && !upload.altTextSet) {
    await xCall(ctx, null, {
      what: 'set alt text',
      bucket: 'media-metadata',
      method: 'POST',
      path: '/2/media/metadata',
      token,
      json: { id: upload.mediaId, metadata: { alt_text: { text: item.altText } } },
    });
    upload.altTextSet = true;
  }
  return { status: 'ready' };
}
