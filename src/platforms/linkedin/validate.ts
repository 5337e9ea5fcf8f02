/**
 * LinkedIn's rules for a post, checked before scheduling, and the "little text" encoding of
 * `commentary`.
 *
 * A post carries commentary (≤ 3,000 characters) and at most one kind of content: one image, 2–20
 * images (multiImage), one video (MP4, 3 s – 30 min, ≤ 500 MB), or one document (PDF, PPT(X),
 * DOC(X), ≤ 100 MB). Images are JPEG, PNG or GIF under 36,152,320 pixels.
 */
import type { MediaItem, PublishRequest, ValidationIssue } from '../types.ts';

export const MAX_COMMENTARY = 3000;
export const MAX_IMAGES = 20;
const MAX_PIXELS = 36_152_320;
const MAX_VIDEO_BYTES = 500 * 1024 * 1024;
const MAX_DOCUMENT_BYTES = 100 * 1024 * 1024;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif']);
const DOCUMENT_TYPES = new Set([
  'application/pdf',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
]);
const VISIBILITIES = ['PUBLIC', 'CONNECTIONS', 'LOGGED_IN'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export type LinkedInOptions = { visibility: Visibility; disableReshare: boolean };

export function readOptions(options: Record<string, unknown>): LinkedInOptions {
  const visibility = VISIBILITIES.find((v) => v === options.visibility) ?? 'PUBLIC';
  return { visibility, disableReshare: options.disableReshare === true };
}

export type ContentKind = 'none' | 'image' | 'images' | 'video' | 'document';

export function contentKindOf(media: Pick<MediaItem, 'kind'>[]): ContentKind {
  if (media.length === 0) return 'none';
  const first = media[0]!.kind;
  if (first === 'video') return 'video';
  if (first === 'document') return 'document';
  return media.length === 1 ? 'image' : 'images';
}

/**
 * Escapes LinkedIn's reserved characters so text shows as written; `#word` becomes a hashtag
 * template so it still links. Deterministic, so reconcile compares the encoded form.
 */
export function toLittleText(text: string): string {
  const escape = (s: string) => s.replace(/[\\|{}@[\]()<>#*_~]/g, (c) => `\\${c}`);
  const out: string[] = [];
  let last = 0;
  for (const match of text.matchAll(/(^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]+)/gu)) {
    const start = match.index + match[1]!.length;
    out.push(escape(text.slice(last, start)), `{hashtag|\\#|${escape(match[2]!)}}`);
    last = start + 1 + match[2]!.length;
  }
  out.push(escape(text.slice(last)));
  return out.join('');
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const length = [...request.text].length;
  if (length > MAX_COMMENTARY) {
    issues.push({
      field: 'text',
      message: `LinkedIn allows ${MAX_COMMENTARY} characters; this has ${length}`,
    });
  }
  const { media } = request;
  if (request.text.trim() === '' && media.length === 0) {
    issues.push({ field: 'text', message: 'a LinkedIn post needs text or media' });
  }
  const kinds = new Set(media.map((m) => (m.kind === 'gif' ? 'image' : m.kind)));
  if (kinds.size > 1) {
    issues.push({ field: 'media', message: 'LinkedIn posts carry images, a video or a document, not a mix' });
    return issues;
  }
  const kind = contentKindOf(media);
  if (kinds.has('audio')) issues.push({ field: 'media', message: 'LinkedIn does not take audio' });
  if ((kind === 'video' || kind === 'document') && media.length > 1) {
    issues.push({ field: 'media', message: `LinkedIn takes one ${kind} per post` });
  }
  if (media.length > MAX_IMAGES) {
    issues.push({ field: 'media', message: `LinkedIn takes at most ${MAX_IMAGES} images per post` });
  }
  for (const [i, m] of media.entries()) {
    const field = `media[${i}]`;
    if (m.kind === 'image' || m.kind === 'gif') {
      if (!IMAGE_TYPES.has(m.mimeType)) {
        issues.push({ field, message: `LinkedIn images are JPEG, PNG or GIF, not ${m.mimeType}` });
      }
      if (m.width && m.height && m.width * m.height >= MAX_PIXELS) {
        issues.push({ field, message: 'LinkedIn images must be under 36,152,320 pixels' });
      }
    } else if (m.kind === 'video') {
      if (m.mimeType !== 'video/mp4') issues.push({ field, message: 'LinkedIn videos are MP4' });
      if (m.sizeBytes > MAX_VIDEO_BYTES)
        issues.push({ field, message: 'LinkedIn videos are at most 500 MB' });
      if (m.durationSeconds !== null && (m.durationSeconds < 3 || m.durationSeconds > 30 * 60)) {
        issues.push({ field, message: 'LinkedIn videos last between 3 seconds and 30 minutes' });
      }
    } else if (m.kind === 'document') {
      if (!DOCUMENT_TYPES.has(m.mimeType)) {
        issues.push({ field, message: 'LinkedIn documents are PDF, PowerPoint or Word files' });
      }
      if (m.sizeBytes > MAX_DOCUMENT_BYTES) {
        issues.push({ field, message: 'LinkedIn documents are at most 100 MB' });
      }
    }
  }
  const visibility = request.options.visibility;
  if (visibility !== undefined && !VISIBILITIES.includes(visibility as Visibility)) {
    issues.push({ field: 'options.visibility', message: `visibility is one of ${VISIBILITIES.join(', ')}` });
  }
  return issues;
}
