/**
 * Instagram's publishing rules (Instagram Graph API content publishing): media is required; a feed
 * post is one image, one video (published as a reel since 2023) or a carousel of 2–10; a reel is one
 * video; a story one image or video. Caption ≤ 2,200 characters, ≤ 30 hashtags, ≤ 20 @mentions.
 * Images: JPEG (PNG is accepted too) ≤ 8 MB, aspect 4:5–1.91:1 (stories down to 9:16). Videos:
 * MP4/MOV ≤ 300 MB, 3 s–15 min (stories ≤ 60 s), aspect 0.01:1–10:1.
 */
import type { MediaItem, PublishRequest, ValidationIssue } from '../types.ts';

export const MAX_CAPTION = 2200;
export const MAX_CAROUSEL = 10;
const MAX_HASHTAGS = 30;
const MAX_MENTIONS = 20;
const MB = 1024 * 1024;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png']);
const VIDEO_TYPES = new Set(['video/mp4', 'video/quicktime']);
const TYPES = new Set(['feed', 'reel', 'story']);

export type InstagramOptions = { type: 'feed' | 'reel' | 'story'; shareToFeed: boolean };

export function readOptions(options: Record<string, unknown>): InstagramOptions {
  const type = TYPES.has(String(options.type)) ? (options.type as InstagramOptions['type']) : 'feed';
  return { type, shareToFeed: options.shareToFeed !== false };
}

export const countHashtags = (text: string) => text.match(/(^|[^\p{L}\p{N}_])#[\p{L}\p{N}_]+/gu)?.length ?? 0;
export const countMentions = (text: string) => text.match(/(^|[^\p{L}\p{N}_.])@[\w.]+/gu)?.length ?? 0;

function checkMedia(m: MediaItem, field: string, story: boolean, issues: ValidationIssue[]) {
  const push = (message: string) => issues.push({ field, message });
  const ratio = m.width && m.height ? m.width / m.height : null;
  if (m.kind === 'image') {
    if (!IMAGE_TYPES.has(m.mimeType)) push(`${m.mimeType} is not accepted; use JPEG`);
    if (m.sizeBytes > 8 * MB) push('an image must be at most 8 MB');
    const min = story ? 9 / 16 : 4 / 5;
    if (ratio !== null && (ratio < min - 0.005 || ratio > 1.91 + 0.005)) {
      push(
        story ? 'a story image must be between 9:16 and 1.91:1' : 'an image must be between 4:5 and 1.91:1',
      );
    }
  } else if (m.kind === 'video') {
    if (!VIDEO_TYPES.has(m.mimeType)) push(`${m.mimeType} video is not accepted; use MP4 or MOV`);
    if (m.sizeBytes > 300 * MB) push('a video must be at most 300 MB');
    const max = story ? 60 : 15 * 60;
    if (m.durationSeconds !== null && (m.durationSeconds < 3 || m.durationSeconds > max)) {
      push(`a video must be 3 seconds to ${story ? '60 seconds' : '15 minutes'} long`);
    }
    if (ratio !== null && (ratio < 0.01 || ratio > 10))
      push('a video must have an aspect ratio between 0.01:1 and 10:1');
  } else {
    push(`Instagram does not accept ${m.kind} attachments`);
  }
  if (m.altText && m.kind !== 'image') {
    issues.push({ field: `${field}.altText`, message: 'Instagram takes alt text for images only' });
  }
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { media, text } = request;
  const { type } = readOptions(request.options);
  if (request.options.type !== undefined && !TYPES.has(String(request.options.type))) {
    issues.push({ field: 'options.type', message: 'must be feed, reel or story' });
  }
  if ([...text].length > MAX_CAPTION)
    issues.push({ field: 'text', message: `must be at most ${MAX_CAPTION} characters` });
  if (countHashtags(text) > MAX_HASHTAGS)
    issues.push({ field: 'text', message: `at most ${MAX_HASHTAGS} hashtags` });
  if (countMentions(text) > MAX_MENTIONS)
    issues.push({ field: 'text', message: `at most ${MAX_MENTIONS} @mentions` });
  if (!media.length) {
    issues.push({ field: 'media', message: 'Instagram posts need an image or a video' });
  } else if (type === 'reel' && (media.length !== 1 || media[0]!.kind !== 'video')) {
    issues.push({ field: 'media', message: 'a reel is exactly one video' });
  } else if (type === 'story' && media.length !== 1) {
    issues.push({ field: 'media', message: 'a story is exactly one image or video' });
  } else if (media.length > MAX_CAROUSEL) {
    issues.push({ field: 'media', message: `a carousel takes 2 to ${MAX_CAROUSEL} items` });
  }
  media.forEach((m, i) => {
    checkMedia(m, `media.${i}`, type === 'story', issues);
  });
  return issues;
}
