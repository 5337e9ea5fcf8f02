/**
 * YouTube's rules for `videos.insert`, checked before scheduling: exactly one video (any `video/*`
 * or octet-stream, ≤ 256 GB, ≤ 12 h), a title of 1–100 characters and a description of at most
 * 5,000 bytes, neither containing `<` or `>`, tags of at most 500 characters in all, and a privacy
 * status of public, unlisted or private (`publishAt` only with private).
 */
import type { PublishRequest, ValidationIssue } from '../types.ts';

const PRIVACY = ['public', 'unlisted', 'private'] as const;
export type PrivacyStatus = (typeof PRIVACY)[number];
const MAX_BYTES = 256 * 1024 ** 3;

export type YouTubeOptions = {
  privacyStatus: PrivacyStatus;
  tags: string[];
  categoryId: string;
  madeForKids: boolean;
  publishAt: string | null;
  notifySubscribers: boolean;
};

export function readOptions(options: Record<string, unknown>): YouTubeOptions {
  return {
    privacyStatus: PRIVACY.find((p) => p === options.privacyStatus) ?? 'public',
    tags: Array.isArray(options.tags) ? options.tags.filter((t): t is string => typeof t === 'string') : [],
    categoryId: typeof options.categoryId === 'string' ? options.categoryId : '22',
    madeForKids: options.madeForKids === true,
    publishAt: typeof options.publishAt === 'string' ? options.publishAt : null,
    notifySubscribers: options.notifySubscribers !== false,
  };
}

/** The video's title: the post title, else `options.title`. */
export function titleOf(request: Pick<PublishRequest, 'title' | 'options'>): string {
  const option = request.options.title;
  return (request.title ?? (typeof option === 'string' ? option : '')).trim();
}

/** YouTube counts a tag containing a space with its quotes, plus a separator between tags. */
const tagsLength = (tags: string[]) =>
  tags.reduce((sum, t) => sum + t.length + (t.includes(' ') ? 2 : 0), 0) + Math.max(0, tags.length - 1);

export function validate(
  request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const title = titleOf(request);
  if (!title) issues.push({ field: 'title', message: 'YouTube needs a title' });
  if ([...title].length > 100)
    issues.push({ field: 'title', message: 'YouTube titles are at most 100 characters' });
  if (/[<>]/.test(title)) issues.push({ field: 'title', message: 'YouTube titles cannot contain < or >' });
  if (Buffer.byteLength(request.text, 'utf8') > 5000) {
    issues.push({ field: 'text', message: 'YouTube descriptions are at most 5,000 bytes' });
  }
  if (/[<>]/.test(request.text))
    issues.push({ field: 'text', message: 'YouTube descriptions cannot contain < or >' });
  const videos = request.media.filter((m) => m.kind === 'video');
  if (videos.length !== 1 || request.media.length !== 1) {
    issues.push({ field: 'media', message: 'a YouTube upload is exactly one video' });
  }
  for (const video of videos) {
    if (!video.mimeType.startsWith('video/') && video.mimeType !== 'application/octet-stream') {
      issues.push({ field: 'media', message: `YouTube does not take ${video.mimeType}` });
    }
    if (video.sizeBytes > MAX_BYTES)
      issues.push({ field: 'media', message: 'YouTube videos are at most 256 GB' });
    if (video.durationSeconds !== null && video.durationSeconds > 12 * 3600) {
      issues.push({ field: 'media', message: 'YouTube videos are at most 12 hours long' });
    }
  }
  const o = request.options;
  if (o.privacyStatus !== undefined && !PRIVACY.includes(o.privacyStatus as PrivacyStatus)) {
    issues.push({ field: 'options.privacyStatus', message: `privacyStatus is one of ${PRIVACY.join(', ')}` });
  }
  const options = readOptions(o);
  if (tagsLength(options.tags) > 500)
    issues.push({ field: 'options.tags', message: 'YouTube tags are at most 500 characters in all' });
  if (options.publishAt !== null) {
    if (Number.isNaN(Date.parse(options.publishAt))) {
      issues.push({ field: 'options.publishAt', message: 'publishAt is an ISO-8601 date' });
    }
    if (options.privacyStatus !== 'private') {
      issues.push({
        field: 'options.publishAt',
        message: 'YouTube schedules only private videos (privacyStatus private)',
      });
    }
  }
  return issues;
}
