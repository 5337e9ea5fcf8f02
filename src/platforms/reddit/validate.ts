/**
 * Reddit's submission rules: a subreddit (`options.subreddit`, with or without `r/`) and a title of
 * at most 300 characters are required. The kind is `options.kind` or follows from the post: an
 * image makes an `image` post (exactly one JPEG, PNG or GIF), `options.url` a `link` post, anything
 * else a `self` post (markdown, at most 40,000 characters). Video posts are not supported: Reddit
 * completes them only over a websocket after upload.
 */
import type { PublishRequest, ValidationIssue } from '../types.ts';

const MAX_TITLE = 300;
export const MAX_SELF_TEXT = 40_000;
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif']);
const KINDS = ['self', 'link', 'image'] as const;
type Kind = (typeof KINDS)[number];

type RedditOptions = {
  subreddit: string;
  kind: Kind;
  url: string | null;
  flairId: string | null;
  flairText: string | null;
  nsfw: boolean;
  spoiler: boolean;
  resubmit: boolean;
};

export function readOptions(request: Pick<PublishRequest, 'media' | 'options'>): RedditOptions {
  const o = request.options;
  const subreddit = typeof o.subreddit === 'string' ? o.subreddit.trim().replace(/^\/?r\//i, '') : '';
  const url = typeof o.url === 'string' && o.url.trim() ? o.url.trim() : null;
  const kind = KINDS.find((k) => k === o.kind) ?? (request.media.length ? 'image' : url ? 'link' : 'self');
  return {
    subreddit,
    kind,
    url,
    flairId: typeof o.flairId === 'string' ? o.flairId : null,
    flairText: typeof o.flairText === 'string' ? o.flairText : null,
    nsfw: o.nsfw === true,
    spoiler: o.spoiler === true,
    resubmit: o.resubmit === true,
  };
}

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const options = readOptions(request);
  if (!options.subreddit)
    issues.push({ field: 'options.subreddit', message: 'Reddit posts need a subreddit' });
  else if (!/^[A-Za-z0-9][A-Za-z0-9_]{1,20}$/.test(options.subreddit)) {
    issues.push({ field: 'options.subreddit', message: 'is not a subreddit name' });
  }
  const title = request.title?.trim() ?? '';
  if (!title) issues.push({ field: 'title', message: 'Reddit posts need a title' });
  else if (title.length > MAX_TITLE)
    issues.push({ field: 'title', message: `must be at most ${MAX_TITLE} characters` });
  if (request.options.kind !== undefined && !KINDS.includes(request.options.kind as Kind)) {
    issues.push({
      field: 'options.kind',
      message: `must be one of ${KINDS.join(', ')} (video posts are not supported)`,
    });
  }
  if (options.kind === 'self' && request.text.length > MAX_SELF_TEXT) {
    issues.push({ field: 'text', message: `must be at most ${MAX_SELF_TEXT} characters` });
  }
  if (options.kind === 'link' && (!options.url || !/^https?:\/\/\S+$/.test(options.url))) {
    issues.push({ field: 'options.url', message: 'link posts need an http(s) URL' });
  }
  if (options.kind !== 'image' && request.media.length) {
    issues.push({ field: 'media', message: `${options.kind} posts carry no media` });
  }
  if (options.kind === 'image') {
    if (request.media.length !== 1)
      issues.push({ field: 'media', message: 'image posts carry exactly one image' });
    request.media.forEach((m, i) => {
      if (!IMAGE_TYPES.has(m.mimeType)) {
        issues.push({
          field: `media.${i}`,
          message: 'Reddit image posts take JPEG, PNG or GIF (video posts are not supported)',
        });
      } else if (m.sizeBytes > MAX_IMAGE_BYTES) {
        issues.push({ field: `media.${i}`, message: 'images must be at most 20 MB' });
      }
    });
  }
  return issues;
}
