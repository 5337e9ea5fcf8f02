/**
 * Decides what an uploaded file is from its bytes. The name and the declared Content-Type are never
 * trusted: a script renamed `x.png` must not be stored and later served as an image.
 */
import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../../errors.ts';
import { readImageSize } from './image-size.ts';
import { readVideoInfo } from './video-info.ts';

export const mediaKinds = ['image', 'video', 'gif', 'audio', 'document'] as const;
export type MediaKind = (typeof mediaKinds)[number];

/** What Herald accepts, and the kind each type is stored as. */
export const acceptedTypes: Record<string, MediaKind> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/webp': 'image',
  'image/gif': 'gif',
  'video/mp4': 'video',
  'video/quicktime': 'video',
  'video/webm': 'video',
};

export type DetectedMedia = {
  kind: MediaKind;
  mimeType: string;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
};

/** Detects the type from the content; throws `unsupported_media_type` naming what was found. */
export async function detectMedia(data: Uint8Array): Promise<DetectedMedia> {
  const found = await fileTypeFromBuffer(data);
  const kind = found ? acceptedTypes[found.mime] : undefined;
  if (!found || !kind) {
    const what = found ? found.mime : 'an unrecognised type (not an image or video file)';
    throw new AppError(
      'unsupported_media_type',
      `the file's content is ${what}; accepted types are ${Object.keys(acceptedTypes).join(', ')}`,
      { detectedType: found?.mime ?? null },
    );
  }
  if (kind === 'video') {
    return { kind, mimeType: found.mime, ...readVideoInfo(data, found.mime) };
  }
  const size = readImageSize(data, found.mime);
  return {
    kind,
    mimeType: found.mime,
    width: size?.width ?? null,
    height: size?.height ?? null,
    durationSeconds: null,
  };
}
