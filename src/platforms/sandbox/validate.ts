/** The sandbox's documented limits (src/sandbox/rules.ts; test/sandbox/rules.test.ts keeps them equal). */
import type { PublishRequest, ValidationIssue } from '../types.ts';

export const MAX_TEXT_GRAPHEMES = 500;
export const MAX_MEDIA_PER_POST = 4;
const MAX_MEDIA_BYTES = 8 * 1024 * 1024;
const MAX_ALT_TEXT_GRAPHEMES = 1500;
const MEDIA_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'video/mp4']);

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

function checkText(text: string, mediaCount: number): string | null {
  if (text.trim() === '' && mediaCount === 0) return 'must not be empty unless the post has media';
  const length = countGraphemes(text);
  return length > MAX_TEXT_GRAPHEMES
    ? `must be at most ${MAX_TEXT_GRAPHEMES} characters (has ${length})`
    : null;
}

/** Extra posts of a thread, from `options.thread` (an array of texts). */
export function threadOf(options: Record<string, unknown>): unknown[] {
  const thread = options.thread;
  return Array.isArray(thread) ? thread : [];
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const textProblem = checkText(request.text, request.media.length);
  if (textProblem) issues.push({ field: 'text', message: textProblem });
  if (request.media.length > MAX_MEDIA_PER_POST) {
    issues.push({ field: 'media', message: `at most ${MAX_MEDIA_PER_POST} media per post` });
  }
  request.media.forEach((m, i) => {
    if (!MEDIA_TYPES.has(m.mimeType)) {
      issues.push({
        field: `media.${i}`,
        message: `${m.mimeType} is not accepted; use PNG, JPEG, GIF, WebP or MP4`,
      });
    }
    if (m.sizeBytes > MAX_MEDIA_BYTES) {
      issues.push({ field: `media.${i}`, message: `must be at most ${MAX_MEDIA_BYTES / 1024 / 1024} MB` });
    }
    if (m.altText && countGraphemes(m.altText) > MAX_ALT_TEXT_GRAPHEMES) {
      issues.push({
        field: `media.${i}.altText`,
        message: `must be at most ${MAX_ALT_TEXT_GRAPHEMES} characters`,
      });
    }
  });
  const thread = request.options.thread;
  if (thread !== undefined && !Array.isArray(thread)) {
    issues.push({ field: 'options.thread', message: 'must be a list of texts' });
  }
  threadOf(request.options).forEach((item, i) => {
    const problem = typeof item === 'string' ? checkText(item, 0) : 'must be a text';
    if (problem) issues.push({ field: `options.thread.${i}`, message: problem });
  });
  return issues;
}
