/**
 * Bluesky's publishing rules, from the lexicons: text ≤ 300 graphemes and ≤ 3,000 bytes
 * (`app.bsky.feed.post`), ≤ 4 images (`app.bsky.embed.images`), or one MP4 video
 * (`app.bsky.embed.video`), never both; `langs` ≤ 3. Image blobs are held to 1,000,000 bytes, the
 * limit of the lexicon PDSs ran for years (the current one allows 2,000,000; staying under the old
 * one works everywhere). Video: 100 MB and 3 minutes, the limits Bluesky's video service announced.
 */
import type { PublishRequest, ValidationIssue } from '../types.ts';
import { countBytes, countGraphemes, MAX_BYTES, MAX_GRAPHEMES } from './richtext.ts';

export const MAX_IMAGES = 4;
export const MAX_IMAGE_BYTES = 1_000_000;
export const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
export const MAX_VIDEO_BYTES = 100_000_000;
export const MAX_VIDEO_SECONDS = 180;
const MAX_LANGS = 3;

export type BlueskyOptions = { thread: string[]; langs: string[] };

export function readOptions(options: Record<string, unknown>): BlueskyOptions {
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return { thread: strings(options.thread), langs: strings(options.langs) };
}

function textIssue(text: string, hasMedia: boolean): string | null {
  if (text.trim() === '' && !hasMedia) return 'must not be empty unless the post has media';
  const graphemes = countGraphemes(text);
  if (graphemes > MAX_GRAPHEMES) return `must be at most ${MAX_GRAPHEMES} characters (has ${graphemes})`;
  const bytes = countBytes(text);
  if (bytes > MAX_BYTES) return `must be at most ${MAX_BYTES} bytes of UTF-8 (has ${bytes})`;
  return null;
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const textProblem = textIssue(request.text, request.media.length > 0);
  if (textProblem) issues.push({ field: 'text', message: textProblem });

  const { thread, options } = { thread: request.options.thread, options: readOptions(request.options) };
  if (thread !== undefined && (!Array.isArray(thread) || thread.some((t) => typeof t !== 'string'))) {
    issues.push({ field: 'options.thread', message: 'must be a list of texts' });
  }
  options.thread.forEach((text, i) => {
    const problem = textIssue(text, false);
    if (problem) issues.push({ field: `options.thread.${i}`, message: problem });
  });
  const langs = request.options.langs;
  if (langs !== undefined && (!Array.isArray(langs) || langs.length > MAX_LANGS)) {
    issues.push({ field: 'options.langs', message: `must be a list of at most ${MAX_LANGS} language codes` });
  }

  const videos = request.media.filter((m) => m.kind === 'video');
  const images = request.media.filter((m) => m.kind === 'image' || m.kind === 'gif');
  if (videos.length > 0 && request.media.length > 1) {
    issues.push({ field: 'media', message: 'a video must be the only media of a post' });
  }
  if (images.length > MAX_IMAGES)
    issues.push({ field: 'media', message: `at most ${MAX_IMAGES} images per post` });
  request.media.forEach((m, i) => {
    const field = `media.${i}`;
    if (m.kind === 'video') {
      if (m.mimeType !== 'video/mp4') issues.push({ field, message: 'videos must be MP4' });
      if (m.sizeBytes > MAX_VIDEO_BYTES) issues.push({ field, message: 'videos must be at most 100 MB' });
      if (m.durationSeconds !== null && m.durationSeconds > MAX_VIDEO_SECONDS) {
        issues.push({ field, message: `videos must be at most ${MAX_VIDEO_SECONDS / 60} minutes long` });
      }
      return;
    }
    if (!IMAGE_TYPES.has(m.mimeType)) {
      issues.push({ field, message: `${m.mimeType} is not accepted; use JPEG, PNG, WebP or GIF` });
      return;
    }
    if (m.sizeBytes > MAX_IMAGE_BYTES) {
      issues.push({
        field,
        message: `images must be at most ${MAX_IMAGE_BYTES / 1_000_000} MB (1,000,000 bytes)`,
      });
    }
  });
  return issues;
}
