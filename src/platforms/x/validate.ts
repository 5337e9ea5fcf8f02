/**
 * X's publishing rules, checked before scheduling with X's own counting (twitter-text v3: weighted
 * length, URLs as 23, NFC). Limits are from X's media best-practices page and the `POST /2/tweets`
 * schema: 4 images, or 1 GIF, or 1 video per post; polls without media.
 */
import twitter from 'twitter-text';
import type { MediaItem, PublishRequest, ValidationIssue } from '../types.ts';

export const MAX_WEIGHTED_LENGTH = 280;
export const MAX_IMAGES = 4;
const MB = 1024 * 1024;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
const VIDEO_TYPES = new Set(['video/mp4', 'video/quicktime']);
const MAX_IMAGE_BYTES = 5 * MB;
const MAX_GIF_BYTES = 15 * MB;
const MAX_VIDEO_BYTES = 512 * MB;
const MIN_VIDEO_SECONDS = 0.5;
/** Longer videos need X Premium; the API refuses them for other accounts. */
const MAX_VIDEO_SECONDS = 140;
const MAX_ALT_TEXT = 1000;
const REPLY_SETTINGS = new Set(['following', 'mentionedUsers', 'subscribers', 'verified']);

export type XOptions = {
  thread: string[];
  replySettings: string | null;
  poll: { options: string[]; durationMinutes: number } | null;
};

/** The X options Herald understands, read leniently (validate reports what is wrong). */
export function readOptions(options: Record<string, unknown>): XOptions {
  const thread = Array.isArray(options.thread)
    ? options.thread.filter((t): t is string => typeof t === 'string')
    : [];
  const poll = options.poll as { options?: unknown; durationMinutes?: unknown } | undefined;
  return {
    thread,
    replySettings: typeof options.replySettings === 'string' ? options.replySettings : null,
    poll:
      poll && Array.isArray(poll.options) && typeof poll.durationMinutes === 'number'
        ? { options: poll.options.map(String), durationMinutes: poll.durationMinutes }
        : null,
  };
}

export function weightedLength(text: string): number {
  return twitter.parseTweet(text).weightedLength;
}

function checkText(text: string, allowEmpty: boolean): string | null {
  if (text.trim() === '') return allowEmpty ? null : 'must not be empty unless the post has media';
  const length = weightedLength(text);
  return length > MAX_WEIGHTED_LENGTH
    ? `must be at most ${MAX_WEIGHTED_LENGTH} characters as X counts them (has ${length})`
    : null;
}

/** Upload category X expects for the item (it decides sync vs async processing). */
export function mediaCategory(item: Pick<MediaItem, 'kind' | 'mimeType'>): string {
  if (item.kind === 'video') return 'tweet_video';
  if (item.kind === 'gif' || item.mimeType === 'image/gif') return 'tweet_gif';
  return 'tweet_image';
}

function checkMediaItem(m: MediaItem, field: string, issues: ValidationIssue[]) {
  const push = (message: string) => issues.push({ field, message });
  if (m.kind === 'video') {
    if (!VIDEO_TYPES.has(m.mimeType)) push(`${m.mimeType} video is not accepted; use MP4 or MOV`);
    if (m.sizeBytes > MAX_VIDEO_BYTES) push('a video must be at most 512 MB');
    if (m.durationSeconds !== null && m.durationSeconds < MIN_VIDEO_SECONDS) {
      push('a video must be at least 0.5 seconds long');
    }
    if (m.durationSeconds !== null && m.durationSeconds > MAX_VIDEO_SECONDS) {
      push(`a video must be at most ${MAX_VIDEO_SECONDS} seconds long`);
    }
    if (m.width !== null && m.height !== null) {
      if (m.width < 32 || m.height < 32) push('a video must be at least 32×32 pixels');
      const ratio = m.width / m.height;
      if (ratio < 1 / 3 || ratio > 3) push('a video must have an aspect ratio between 1:3 and 3:1');
    }
  } else if (m.kind === 'gif') {
    if (m.mimeType !== 'image/gif') push(`${m.mimeType} is not a GIF`);
    if (m.sizeBytes > MAX_GIF_BYTES) push('a GIF must be at most 15 MB');
    if ((m.width ?? 0) > 1280 || (m.height ?? 0) > 1080) push('a GIF must be at most 1280×1080 pixels');
  } else if (m.kind === 'image') {
    if (!IMAGE_TYPES.has(m.mimeType)) push(`${m.mimeType} is not accepted; use JPEG, PNG, WebP or GIF`);
    if (m.sizeBytes > MAX_IMAGE_BYTES) push('an image must be at most 5 MB');
  } else {
    push(`X does not accept ${m.kind} attachments`);
  }
  if (m.altText && m.altText.length > MAX_ALT_TEXT) {
    issues.push({ field: `${field}.altText`, message: `must be at most ${MAX_ALT_TEXT} characters` });
  }
  if (m.altText && m.kind === 'video') {
    issues.push({ field: `${field}.altText`, message: 'X takes alt text for images and GIFs only' });
  }
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { media } = request;
  const textProblem = checkText(request.text, media.length > 0);
  if (textProblem) issues.push({ field: 'text', message: textProblem });

  const videos = media.filter((m) => m.kind === 'video').length;
  const gifs = media.filter((m) => m.kind === 'gif').length;
  if ((videos || gifs) && media.length > 1) {
    issues.push({ field: 'media', message: 'a post takes up to 4 images, or 1 GIF, or 1 video' });
  } else if (media.length > MAX_IMAGES) {
    issues.push({ field: 'media', message: `at most ${MAX_IMAGES} images per post` });
  }
  media.forEach((m, i) => {
    checkMediaItem(m, `media.${i}`, issues);
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
  if (raw.replySettings !== undefined && !REPLY_SETTINGS.has(String(raw.replySettings))) {
    issues.push({
      field: 'options.replySettings',
      message: 'must be one of following, mentionedUsers, subscribers, verified',
    });
  }
  if (raw.poll !== undefined) {
    const poll = readOptions(raw).poll;
    if (!poll) {
      issues.push({
        field: 'options.poll',
        message: 'must be { options: string[], durationMinutes: number }',
      });
    } else {
      if (poll.options.length < 2 || poll.options.length > 4) {
        issues.push({ field: 'options.poll.options', message: 'a poll has 2 to 4 options' });
      }
      poll.options.forEach((option, i) => {
        if (option.length < 1 || option.length > 25) {
          issues.push({ field: `options.poll.options.${i}`, message: 'must be 1 to 25 characters' });
        }
      });
      if (
        !Number.isInteger(poll.durationMinutes) ||
        poll.durationMinutes < 5 ||
        poll.durationMinutes > 10_080
      ) {
        issues.push({ field: 'options.poll.durationMinutes', message: 'must be 5 to 10080 minutes' });
      }
      if (media.length)
        issues.push({ field: 'options.poll', message: 'a post with a poll cannot have media' });
    }
  }
  return issues;
}
