/**
 * Facebook Page post rules: message up to 63,206 characters; a text post may carry a `link`; photos
 * (JPEG, PNG, GIF, BMP, TIFF up to 10 MB, Meta recommending under 4 MB) alone or several in one post;
 * or one video sent as a non-resumable upload (up to 1 GB and 20 minutes).
 */
import type { MediaItem, PublishRequest, ValidationIssue } from '../types.ts';

export const MAX_MESSAGE = 63_206;
/**
 * Meta documents no number for `attached_media`; Herald keeps to 10 photos, what Page posts show as
 * a grid, so a larger post is not refused at publish time after being accepted here.
 */
export const MAX_PHOTOS = 10;
const MB = 1024 * 1024;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/bmp', 'image/tiff']);
const VIDEO_TYPES = new Set(['video/mp4', 'video/quicktime']);

export type FacebookOptions = { link: string | null };

export function readOptions(options: Record<string, unknown>): FacebookOptions {
  return { link: typeof options.link === 'string' ? options.link : null };
}

function checkMedia(m: MediaItem, field: string, issues: ValidationIssue[]) {
  const push = (message: string) => issues.push({ field, message });
  if (m.kind === 'image' || m.kind === 'gif') {
    if (!PHOTO_TYPES.has(m.mimeType)) push(`${m.mimeType} is not accepted; use JPEG, PNG, GIF, BMP or TIFF`);
    if (m.sizeBytes > 10 * MB) push('a photo must be at most 10 MB');
  } else if (m.kind === 'video') {
    if (!VIDEO_TYPES.has(m.mimeType)) push(`${m.mimeType} video is not accepted; use MP4 or MOV`);
    if (m.sizeBytes > 1024 * MB) push('a video must be at most 1 GB');
    if (m.durationSeconds !== null && m.durationSeconds > 20 * 60)
      push('a video must be at most 20 minutes long');
  } else {
    push(`Facebook Pages do not accept ${m.kind} attachments`);
  }
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { media } = request;
  const { link } = readOptions(request.options);
  if (!request.text.trim() && !media.length && !link) {
    issues.push({ field: 'text', message: 'must not be empty unless the post has media or a link' });
  }
  if ([...request.text].length > MAX_MESSAGE) {
    issues.push({ field: 'text', message: `must be at most ${MAX_MESSAGE} characters` });
  }
  const videos = media.filter((m) => m.kind === 'video').length;
  if (videos && media.length > 1) {
    issues.push({ field: 'media', message: 'a video is posted on its own, without photos' });
  } else if (media.length > MAX_PHOTOS) {
    issues.push({ field: 'media', message: `at most ${MAX_PHOTOS} photos per post` });
  }
  media.forEach((m, i) => {
    checkMedia(m, `media.${i}`, issues);
  });
  if (request.options.link !== undefined) {
    if (!link || !/^https?:\/\//.test(link)) {
      issues.push({ field: 'options.link', message: 'must be an http(s) URL' });
    } else if (media.length) {
      issues.push({ field: 'options.link', message: 'a link is shared in a text post, without media' });
    }
  }
  return issues;
}
