/**
 * TikTok's rules, checked before scheduling: one video (MP4, MOV or WebM, at least 3 s, at most
 * 4 GB; caption ≤ 2,200 UTF-16 units) or a photo post of 1–35 JPEG/WebP images (title ≤ 90,
 * description ≤ 4,000). The creator's own limits (privacy options, maximum duration) exist only at
 * runtime and are checked at publish against `creator_info`.
 */
import type { PublishRequest, ValidationIssue } from '../types.ts';

export const PRIVACY_LEVELS = [
  'PUBLIC_TO_EVERYONE',
  'MUTUAL_FOLLOW_FRIENDS',
  'FOLLOWER_OF_CREATOR',
  'SELF_ONLY',
] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];
const VIDEO_TYPES = new Set(['video/mp4', 'video/quicktime', 'video/webm']);
const PHOTO_TYPES = new Set(['image/jpeg', 'image/webp']);
export const MAX_PHOTOS = 35;
const MAX_VIDEO_BYTES = 4 * 1024 ** 3;

export type TikTokOptions = {
  privacyLevel: PrivacyLevel;
  disableComment: boolean;
  disableDuet: boolean;
  disableStitch: boolean;
  brandContent: boolean;
  brandOrganic: boolean;
  isAigc: boolean;
  autoAddMusic: boolean;
  /** FILE_UPLOAD sends the bytes; PULL_FROM_URL lets TikTok fetch the public media URL. */
  source: 'FILE_UPLOAD' | 'PULL_FROM_URL';
  coverTimestampMs: number | null;
};

export function readOptions(options: Record<string, unknown>): TikTokOptions {
  return {
    privacyLevel: PRIVACY_LEVELS.find((p) => p === options.privacyLevel) ?? 'PUBLIC_TO_EVERYONE',
    disableComment: options.disableComment === true,
    disableDuet: options.disableDuet === true,
    disableStitch: options.disableStitch === true,
    brandContent: options.brandContent === true,
    brandOrganic: options.brandOrganic === true,
    isAigc: options.isAigc === true,
    autoAddMusic: options.autoAddMusic === true,
    source: options.source === 'PULL_FROM_URL' ? 'PULL_FROM_URL' : 'FILE_UPLOAD',
    coverTimestampMs: typeof options.coverTimestampMs === 'number' ? options.coverTimestampMs : null,
  };
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { media } = request;
  const videos = media.filter((m) => m.kind === 'video');
  const photos = media.filter((m) => m.kind === 'image');
  if (media.length === 0) issues.push({ field: 'media', message: 'a TikTok post is a video or photos' });
  if (videos.length && media.length > 1)
    issues.push({ field: 'media', message: 'a TikTok video post has one video and nothing else' });
  if (photos.length + videos.length !== media.length) {
    issues.push({ field: 'media', message: 'TikTok takes videos and JPEG/WebP photos only' });
  }
  if (videos.length) {
    // TikTok counts the caption in UTF-16 code units ("runes" in its docs).
    if (request.text.length > 2200)
      issues.push({ field: 'text', message: 'TikTok captions are at most 2,200 characters' });
    const v = videos[0]!;
    if (!VIDEO_TYPES.has(v.mimeType))
      issues.push({ field: 'media', message: 'TikTok videos are MP4, MOV or WebM' });
    if (v.sizeBytes > MAX_VIDEO_BYTES)
      issues.push({ field: 'media', message: 'TikTok videos are at most 4 GB' });
    if (v.durationSeconds !== null && v.durationSeconds < 3) {
      issues.push({ field: 'media', message: 'TikTok videos last at least 3 seconds' });
    }
  } else if (photos.length) {
    if (photos.length > MAX_PHOTOS)
      issues.push({ field: 'media', message: `TikTok photo posts have at most ${MAX_PHOTOS} images` });
    if (photos.some((p) => !PHOTO_TYPES.has(p.mimeType))) {
      issues.push({ field: 'media', message: 'TikTok photos are JPEG or WebP (not PNG)' });
    }
    if ((request.title ?? '').length > 90)
      issues.push({ field: 'title', message: 'TikTok photo titles are at most 90 characters' });
    if (request.text.length > 4000)
      issues.push({ field: 'text', message: 'TikTok photo descriptions are at most 4,000 characters' });
  }
  const level = request.options.privacyLevel;
  if (level !== undefined && !PRIVACY_LEVELS.includes(level as PrivacyLevel)) {
    issues.push({
      field: 'options.privacyLevel',
      message: `privacyLevel is one of ${PRIVACY_LEVELS.join(', ')}`,
    });
  }
  return issues;
}
