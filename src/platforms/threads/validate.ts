/**
 * Threads' publishing rules (Threads API docs): 500 characters with emojis counted by their UTF-8
 * bytes; one image or video, or a carousel of 2–20; JPEG/PNG images ≤ 8 MB with aspect ≤ 10:1;
 * MOV/MP4 videos ≤ 1 GB, ≤ 5 min, ≤ 1920 px wide, aspect 0.01:1–10:1.
 */
import type { MediaItem, PublishRequest, ValidationIssue } from '../types.ts';

export const MAX_TEXT = 500;
export const MAX_CAROUSEL = 20;
const MB = 1024 * 1024;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png']);
const VIDEO_TYPES = new Set(['video/mp4', 'video/quicktime']);
const REPLY_CONTROLS = new Set([
  'everyone',
  'accounts_you_follow',
  'mentioned_only',
  'parent_post_author_only',
  'followers_only',
]);

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/** Threads' count: characters, except that an emoji counts as many as its UTF-8 bytes. */
export function threadsLength(text: string): number {
  let n = 0;
  for (const { segment } of segmenter.segment(text)) {
    n += EMOJI.test(segment) ? Buffer.byteLength(segment, 'utf8') : [...segment].length;
  }
  return n;
}

export type ThreadsOptions = { thread: string[]; replyControl: string | null; linkAttachment: string | null };

export function readOptions(options: Record<string, unknown>): ThreadsOptions {
  return {
    thread: Array.isArray(options.thread)
      ? options.thread.filter((t): t is string => typeof t === 'string')
      : [],
    replyControl: typeof options.replyControl === 'string' ? options.replyControl : null,
    linkAttachment: typeof options.linkAttachment === 'string' ? options.linkAttachment : null,
  };
}

function checkText(text: string, allowEmpty: boolean): string | null {
  if (text.trim() === '') return allowEmpty ? null : 'must not be empty unless the post has media';
  const length = threadsLength(text);
  return length > MAX_TEXT
    ? `must be at most ${MAX_TEXT} characters as Threads counts them (has ${length})`
    : null;
}

function checkMedia(m: MediaItem, field: string, issues: ValidationIssue[]) {
  const push = (message: string) => issues.push({ field, message });
  const ratio = m.width && m.height ? m.width / m.height : null;
  if (m.kind === 'image') {
    if (!IMAGE_TYPES.has(m.mimeType)) push(`${m.mimeType} is not accepted; use JPEG or PNG`);
    if (m.sizeBytes > 8 * MB) push('an image must be at most 8 MB');
    if (ratio !== null && (ratio > 10 || ratio < 0.1)) push('an image must have an aspect ratio within 10:1');
  } else if (m.kind === 'video') {
    if (!VIDEO_TYPES.has(m.mimeType)) push(`${m.mimeType} video is not accepted; use MP4 or MOV`);
    if (m.sizeBytes > 1024 * MB) push('a video must be at most 1 GB');
    if (m.durationSeconds !== null && m.durationSeconds > 300) push('a video must be at most 5 minutes long');
    if (m.width !== null && m.width > 1920) push('a video must be at most 1920 pixels wide');
    if (ratio !== null && (ratio > 10 || ratio < 0.01))
      push('a video must have an aspect ratio between 0.01:1 and 10:1');
  } else {
    push(`Threads does not accept ${m.kind} attachments`);
  }
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const textProblem = checkText(request.text, request.media.length > 0);
  if (textProblem) issues.push({ field: 'text', message: textProblem });
  if (request.media.length > MAX_CAROUSEL) {
    issues.push({ field: 'media', message: `a carousel takes at most ${MAX_CAROUSEL} items` });
  }
  request.media.forEach((m, i) => {
    checkMedia(m, `media.${i}`, issues);
  });
  const raw = request.options;
  if (raw.thread !== undefined && !Array.isArray(raw.thread)) {
    issues.push({ field: 'options.thread', message: 'must be a list of texts' });
  }
  if (Array.isArray(raw.thread)) {
    raw.thread.forEach((item, i) => {
      const problem = typeof item === 'string' ? checkText(item, false) : 'must be a text';
      if (problem) issues.push({ field: `options.thread.${i}`, message: problem });
    });
  }
  if (raw.replyControl !== undefined && !REPLY_CONTROLS.has(String(raw.replyControl))) {
    issues.push({
      field: 'options.replyControl',
      message: `must be one of ${[...REPLY_CONTROLS].join(', ')}`,
    });
  }
  if (raw.linkAttachment !== undefined) {
    if (typeof raw.linkAttachment !== 'string' || !/^https?:\/\//.test(raw.linkAttachment)) {
      issues.push({ field: 'options.linkAttachment', message: 'must be an http(s) URL' });
    } else if (request.media.length) {
      issues.push({ field: 'options.linkAttachment', message: 'a link attachment is for text posts only' });
    }
  }
  return issues;
}
