/**
 * Uploads to LinkedIn's Images, Videos and Documents APIs, one step at a time with the progress kept
 * in a plain object the publish state carries between runs.
 *
 * - Image: `initializeUpload` → `PUT uploadUrl` → `urn:li:image:…` (usable at once).
 * - Document: the same against `/rest/documents`, then wait for `status=AVAILABLE`.
 * - Video: `initializeUpload` with the size → `PUT` each byte range of `uploadInstructions` (their
 *   sizes are LinkedIn's, not ours), collecting each part's `ETag` in order → `finalizeUpload` with
 *   the ETags → wait for `status=AVAILABLE`. An interrupted upload resumes at the first part without
 *   an ETag; upload URLs that expired start the video over.
 *
 * Waiting is never a sleep: the caller returns `pending` and the next run asks again.
 */
import { z } from 'zod';
import { type AdapterContext, type MediaItem, PlatformError } from '../types.ts';
import { encodeUrn, linkedinCall } from './api.ts';

export type UploadPart = { url: string; firstByte: number; lastByte: number };

export type UploadSlot = {
  urn: string;
  kind: 'image' | 'video' | 'document';
  /** Video only: what finalize needs. */
  uploadToken?: string;
  parts?: UploadPart[];
  etags?: string[];
  expiresAt?: number | null;
  uploaded: boolean;
  available: boolean;
  polls: number;
};

export type UploadStep = { status: 'ready' } | { status: 'processing'; retryAfterMs: number };

const PROCESSING_POLL_MS = 5_000;
const MAX_PROCESSING_POLLS = 240;

/** One schema for both: images answer `value.image`, documents `value.document`. */
const assetInit = z.object({
  value: z.object({ uploadUrl: z.string(), image: z.string().optional(), document: z.string().optional() }),
});
const videoInit = z.object({
  value: z.object({
    video: z.string(),
    uploadToken: z.string().optional(),
    uploadUrlsExpireAt: z.number().optional(),
    uploadInstructions: z.array(
      z.object({ uploadUrl: z.string(), firstByte: z.number(), lastByte: z.number() }),
    ),
  }),
});
const statusReply = z.object({ status: z.string().optional() });

async function putBytes(ctx: AdapterContext, token: string, url: string, bytes: Uint8Array, what: string) {
  return linkedinCall(ctx, null, {
    what,
    method: 'PUT',
    path: url,
    token,
    headers: { 'content-type': 'application/octet-stream' },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });
}

async function startVideo(
  ctx: AdapterContext,
  token: string,
  owner: string,
  item: MediaItem,
): Promise<UploadSlot> {
  const { data } = await linkedinCall(ctx, videoInit, {
    what: 'initialize video upload',
    method: 'POST',
    path: '/rest/videos?action=initializeUpload',
    versioned: true,
    token,
    json: {
      initializeUploadRequest: {
        owner,
        fileSizeBytes: item.sizeBytes,
        uploadCaptions: false,
        uploadThumbnail: false,
      },
    },
  });
  return {
    urn: data.value.video,
    kind: 'video',
    uploadToken: data.value.uploadToken ?? '',
    parts: data.value.uploadInstructions.map((p) => ({
      url: p.uploadUrl,
      firstByte: p.firstByte,
      lastByte: p.lastByte,
    })),
    etags: [],
    expiresAt: data.value.uploadUrlsExpireAt ?? null,
    uploaded: false,
    available: false,
    polls: 0,
  };
}

async function uploadVideo(
  ctx: AdapterContext,
  token: string,
  owner: string,
  item: MediaItem,
  slot: { upload: UploadSlot | null },
) {
  const expired = (s: UploadSlot) => !s.uploaded && s.expiresAt != null && s.expiresAt <= ctx.now().getTime();
  if (!slot.upload || expired(slot.upload)) slot.upload = await startVideo(ctx, token, owner, item);
  const upload = slot.upload;
  if (upload.uploaded) return;
  const parts = upload.parts ?? [];
  const etags = upload.etags ?? [];
  upload.etags = etags;
  let bytes: Uint8Array | null = null;
  for (let i = etags.length; i < parts.length; i++) {
    bytes ??= await item.read();
    const part = parts[i]!;
    const reply = await putBytes(
      ctx,
      token,
      part.url,
      bytes.subarray(part.firstByte, part.lastByte + 1),
      `upload video part ${i + 1}/${parts.length}`,
    );
    const etag = reply.headers.get('etag');
    if (!etag) {
      throw new PlatformError({
        kind: 'transient',
        message: `upload video part ${i + 1}: LinkedIn sent no ETag`,
      });
    }
    etags.push(etag);
  }
  await linkedinCall(ctx, null, {
    what: 'finalize video upload',
    method: 'POST',
    path: '/rest/videos?action=finalizeUpload',
    versioned: true,
    token,
    json: {
      finalizeUploadRequest: {
        video: upload.urn,
        uploadToken: upload.uploadToken ?? '',
        uploadedPartIds: etags,
      },
    },
  });
  upload.uploaded = true;
}

async function checkAvailable(ctx: AdapterContext, token: string, upload: UploadSlot): Promise<UploadStep> {
  const collection = upload.kind === 'video' ? 'videos' : 'documents';
  const { data } = await linkedinCall(ctx, statusReply, {
    what: `read ${upload.kind} status`,
    path: `/rest/${collection}/${encodeUrn(upload.urn)}`,
    versioned: true,
    token,
  });
  if (data.status === 'AVAILABLE') {
    upload.available = true;
    return { status: 'ready' };
  }
  if (data.status === 'PROCESSING_FAILED') {
    throw new PlatformError({
      kind: 'invalid',
      code: 'PROCESSING_FAILED',
      message: `LinkedIn could not process the ${upload.kind} ${upload.urn} (PROCESSING_FAILED): check its format and length`,
    });
  }
  upload.polls++;
  if (upload.polls > MAX_PROCESSING_POLLS) {
    throw new PlatformError({
      kind: 'invalid',
      message: `LinkedIn is still processing the ${upload.kind} ${upload.urn} after ${MAX_PROCESSING_POLLS} checks`,
    });
  }
  return { status: 'processing', retryAfterMs: PROCESSING_POLL_MS };
}

/** Moves one media item forward; `slot.upload` always holds the latest progress, even on a throw. */
export async function advanceUpload(
  ctx: AdapterContext,
  options: { token: string; owner: string; item: MediaItem; slot: { upload: UploadSlot | null } },
): Promise<UploadStep> {
  const { token, owner, item, slot } = options;
  if (item.kind === 'video') {
    await uploadVideo(ctx, token, owner, item, slot);
  } else if (!slot.upload?.uploaded) {
    const isDocument = item.kind === 'document';
    const collection = isDocument ? 'documents' : 'images';
    const init = await linkedinCall(ctx, assetInit, {
      what: `initialize ${isDocument ? 'document' : 'image'} upload`,
      method: 'POST',
      path: `/rest/${collection}?action=initializeUpload`,
      versioned: true,
      token,
      json: { initializeUploadRequest: { owner } },
    });
    const value = init.data.value;
    await putBytes(
      ctx,
      token,
      value.uploadUrl,
      await item.read(),
      `upload ${isDocument ? 'document' : 'image'}`,
    );
    const urn = isDocument ? value.document : value.image;
    if (!urn) {
      throw new PlatformError({
        kind: 'transient',
        message: `initialize upload: LinkedIn named no ${item.kind} URN`,
      });
    }
    slot.upload = {
      urn,
      kind: isDocument ? 'document' : 'image',
      uploaded: true,
      // Images can be referenced as soon as they are uploaded.
      available: !isDocument,
      polls: 0,
    };
  }
  const upload = slot.upload!;
  if (upload.available) return { status: 'ready' };
  return checkAvailable(ctx, token, upload);
}
