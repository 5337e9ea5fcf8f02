/**
 * Mastodon's publishing rules with Mastodon's own counting (app/validators/status_length_validator.rb):
 * graphemes of the content warning plus the text, where every URL counts as
 * `characters_reserved_per_url` (23) and a mention counts only its `@username` part.
 *
 * Every instance sets its own limits (`GET /api/v2/instance` → `configuration`). Listing a channel
 * keeps that configuration in the channel's metadata, so `validate` checks the instance's own limits
 * before scheduling (Mastodon's defaults for a channel listed without them); `publish` reads them
 * again and refuses with `invalid` what the instance would refuse by then.
 */
import twitter from 'twitter-text';
import { z } from 'zod';
import type { ChannelContext, PublishRequest, ValidationIssue } from '../types.ts';

export type InstanceLimits = {
  maxCharacters: number;
  maxMediaAttachments: number;
  charactersReservedPerUrl: number;
  imageSizeLimit: number;
  videoSizeLimit: number;
  descriptionLimit: number;
  /** Null when the instance does not say (then any image, video or audio type is tried). */
  supportedMimeTypes: Set<string> | null;
};

/** Mastodon's defaults (docs: api/v2/instance `configuration`). */
export const DEFAULT_LIMITS: InstanceLimits = {
  maxCharacters: 500,
  maxMediaAttachments: 4,
  charactersReservedPerUrl: 23,
  imageSizeLimit: 16 * 1024 * 1024,
  videoSizeLimit: 99 * 1024 * 1024,
  descriptionLimit: 1500,
  supportedMimeTypes: null,
};

const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'] as const;

export type MastodonOptions = {
  thread: string[];
  spoilerText: string;
  visibility: (typeof VISIBILITIES)[number] | null;
  sensitive: boolean | null;
  language: string | null;
};

/** The Mastodon options Herald understands (read leniently; `optionIssues` reports what is wrong). */
export function readOptions(options: Record<string, unknown>): MastodonOptions {
  const thread = Array.isArray(options.thread) ? options.thread.filter((t) => typeof t === 'string') : [];
  const visibility = VISIBILITIES.find((v) => v === options.visibility) ?? null;
  return {
    thread,
    spoilerText: typeof options.spoilerText === 'string' ? options.spoilerText : '',
    visibility,
    sensitive: typeof options.sensitive === 'boolean' ? options.sensitive : null,
    language: typeof options.language === 'string' ? options.language : null,
  };
}

const optionsSchema = z.object({
  thread: z.array(z.string(), { error: 'must be a list of texts' }).optional(),
  spoilerText: z.string().optional(),
  visibility: z.enum(VISIBILITIES).optional(),
  sensitive: z.boolean().optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/i, 'must be an ISO 639 language code')
    .optional(),
});

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

export function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

// Account::MENTION_RE: a mention is replaced by its local part, `@user@host` → `@user`.
const MENTION =
  /(?<![=/\p{L}\p{N}_])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[\p{L}\p{N}_]+(?:[.-]+[\p{L}\p{N}_]+)*)?/giu;

/** The length Mastodon checks against `max_characters`. */
export function countStatusLength(
  text: string,
  options: { spoilerText?: string; reservedPerUrl?: number } = {},
) {
  const reserved = options.reservedPerUrl ?? DEFAULT_LIMITS.charactersReservedPerUrl;
  // Mastodon's URL_PATTERN is twitter-text's URL grammar with the scheme required.
  const urls = twitter.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false });
  let countable = text;
  for (const url of [...urls].reverse()) {
    const [start, end] = url.indices;
    countable = countable.slice(0, start) + 'x'.repeat(reserved) + countable.slice(end);
  }
  countable = countable.replace(MENTION, '@$1');
  return countGraphemes((options.spoilerText ?? '') + countable);
}

function textIssue(text: string, spoilerText: string, limits: InstanceLimits, hasMedia: boolean) {
  if (text.trim() === '' && !hasMedia) return 'must not be empty unless the post has media';
  const length = countStatusLength(text, { spoilerText, reservedPerUrl: limits.charactersReservedPerUrl });
  return length > limits.maxCharacters
    ? `must be at most ${limits.maxCharacters} characters on this instance, content warning included (has ${length})`
    : null;
}

type Checked = Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>;

/** Everything `limits` refuses in `request`. */
export function validateWith(limits: InstanceLimits, request: Checked): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const parsedOptions = optionsSchema.safeParse(request.options);
  if (!parsedOptions.success) {
    for (const issue of parsedOptions.error.issues) {
      issues.push({ field: ['options', ...issue.path].join('.'), message: issue.message });
    }
  }
  const options = readOptions(request.options);
  const textProblem = textIssue(request.text, options.spoilerText, limits, request.media.length > 0);
  if (textProblem) issues.push({ field: 'text', message: textProblem });
  options.thread.forEach((text, i) => {
    const problem = textIssue(text, options.spoilerText, limits, false);
    if (problem) issues.push({ field: `options.thread.${i}`, message: problem });
  });

  const media = request.media;
  if (media.length > limits.maxMediaAttachments) {
    issues.push({ field: 'media', message: `at most ${limits.maxMediaAttachments} attachments per post` });
  }
  const timed = media.filter((m) => m.kind === 'video' || m.kind === 'audio');
  if (timed.length > 0 && media.length > 1) {
    issues.push({ field: 'media', message: 'a video or audio file must be the only attachment' });
  }
  media.forEach((m, i) => {
    const field = `media.${i}`;
    if (m.kind === 'document') {
      issues.push({ field, message: 'Mastodon does not accept documents' });
      return;
    }
    if (limits.supportedMimeTypes && !limits.supportedMimeTypes.has(m.mimeType)) {
      issues.push({ field, message: `${m.mimeType} is not accepted by this instance` });
    }
    // GIFs upload under the image limit (Mastodon turns animated ones into video afterwards).
    const max = m.kind === 'image' || m.kind === 'gif' ? limits.imageSizeLimit : limits.videoSizeLimit;
    if (m.sizeBytes > max) {
      issues.push({ field, message: `must be at most ${Math.floor(max / 1024 / 1024)} MB on this instance` });
    }
    if (m.altText && countGraphemes(m.altText) > limits.descriptionLimit) {
      issues.push({
        field: `${field}.altText`,
        message: `must be at most ${limits.descriptionLimit} characters`,
      });
    }
  });
  return issues;
}

export const validate = (request: Checked, channel?: ChannelContext): ValidationIssue[] =>
  validateWith(
    channel?.metadata.instanceConfiguration
      ? limitsFromInstance({ configuration: channel.metadata.instanceConfiguration })
      : DEFAULT_LIMITS,
    request,
  );

const instanceReply = z.object({
  configuration: z
    .object({
      statuses: z
        .object({
          max_characters: z.number().int().positive().optional(),
          max_media_attachments: z.number().int().positive().optional(),
          characters_reserved_per_url: z.number().int().nonnegative().optional(),
        })
        .partial()
        .optional(),
      media_attachments: z
        .object({
          supported_mime_types: z.array(z.string()).optional(),
          image_size_limit: z.number().int().positive().optional(),
          video_size_limit: z.number().int().positive().optional(),
          description_limit: z.number().int().positive().optional(),
        })
        .partial()
        .optional(),
    })
    .optional(),
});

/** The limits an instance reports (`GET /api/v2/instance`), Mastodon's defaults where it is silent. */
export function limitsFromInstance(body: unknown): InstanceLimits {
  const parsed = instanceReply.safeParse(body);
  const config = parsed.success ? parsed.data.configuration : undefined;
  const statuses = config?.statuses;
  const media = config?.media_attachments;
  return {
    maxCharacters: statuses?.max_characters ?? DEFAULT_LIMITS.maxCharacters,
    maxMediaAttachments: statuses?.max_media_attachments ?? DEFAULT_LIMITS.maxMediaAttachments,
    charactersReservedPerUrl:
      statuses?.characters_reserved_per_url ?? DEFAULT_LIMITS.charactersReservedPerUrl,
    imageSizeLimit: media?.image_size_limit ?? DEFAULT_LIMITS.imageSizeLimit,
    videoSizeLimit: media?.video_size_limit ?? DEFAULT_LIMITS.videoSizeLimit,
    descriptionLimit: media?.description_limit ?? DEFAULT_LIMITS.descriptionLimit,
    supportedMimeTypes: media?.supported_mime_types ? new Set(media.supported_mime_types) : null,
  };
}
