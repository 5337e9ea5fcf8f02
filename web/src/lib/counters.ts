/**
 * Live text counters that count the way each platform counts, so the composer can warn before the
 * platform refuses a post.
 *
 * - graphemes: what a reader sees as one character (`👩‍👩‍👧` is one); the sandbox and Bluesky count these.
 * - characters: Unicode code points, with every link counted as 23 (Mastodon's rule).
 * - weighted: X's rule (twitter-text v3 configuration): most Latin, Greek, Cyrillic and common
 *   punctuation weigh 1, other code points 2, an emoji sequence 2, and every link 23.
 */

export type CountingRule = 'graphemes' | 'characters' | 'weighted';

export type PlatformTextRule = { rule: CountingRule; max: number | null };

/** What Herald knows about platforms' limits when the API gives no `maxTextLength`. */
export const platformTextRules: Record<string, PlatformTextRule> = {
  sandbox: { rule: 'graphemes', max: 500 },
  x: { rule: 'weighted', max: 280 },
  twitter: { rule: 'weighted', max: 280 },
  bluesky: { rule: 'graphemes', max: 300 },
  mastodon: { rule: 'characters', max: 500 },
  threads: { rule: 'characters', max: 500 },
  linkedin: { rule: 'characters', max: 3000 },
  facebook: { rule: 'characters', max: 63_206 },
  instagram: { rule: 'characters', max: 2200 },
  pinterest: { rule: 'characters', max: 500 },
  tiktok: { rule: 'characters', max: 2200 },
  youtube: { rule: 'characters', max: 5000 },
  reddit: { rule: 'characters', max: 40_000 },
};

export type TextCount = {
  rule: CountingRule;
  used: number;
  max: number | null;
  /** `max - used`, or null without a limit. */
  remaining: number | null;
  over: boolean;
};

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** Links as the platforms shorten them: with a scheme, or a bare domain with a common TLD. */
const URL_PATTERN =
  /\b(?:https?:\/\/[^\s<>"]+|(?:www\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.(?:com|org|net|io|dev|app|co|ai|me|edu|gov|info|biz|uk|de|fr|es|it|nl|eu|ca|us|ly|gl|tv|xyz|social)\b(?:\/[^\s<>"]*)?)/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]'"]+$/;

/** The links in `text`, with their UTF-16 index ranges. */
export function findLinks(text: string): { start: number; end: number; url: string }[] {
  const links: { start: number; end: number; url: string }[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, '');
    const start = match.index ?? 0;
    // `user@example.com` is an address, not a link.
    if (start > 0 && text[start - 1] === '@') continue;
    links.push({ start, end: start + url.length, url });
  }
  return links;
}

/** t.co length and the weights of twitter-text's v3 configuration (scale 100). */
const X_LINK_LENGTH = 23;
const X_LIGHT_RANGES: [number, number][] = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

function xCodePointWeight(codePoint: number): 1 | 2 {
  return X_LIGHT_RANGES.some(([lo, hi]) => codePoint >= lo && codePoint <= hi) ? 1 : 2;
}

/** X's weighted length of `text`. */
export function xWeightedLength(text: string): number {
  const normalized = text.normalize('NFC');
  const links = findLinks(normalized);
  let total = 0;
  let index = 0;
  for (const link of links) {
    total += weighSpan(normalized.slice(index, link.start));
    total += X_LINK_LENGTH;
    index = link.end;
  }
  return total + weighSpan(normalized.slice(index));
}

function weighSpan(span: string): number {
  let total = 0;
  for (const { segment } of segmenter.segment(span)) {
    // An emoji sequence (with skin tones, joiners, flags) weighs 2 whatever its length.
    if (EMOJI.test(segment) && !/^[\d#*]$/.test(segment)) {
      total += 2;
      continue;
    }
    for (const char of segment) total += xCodePointWeight(char.codePointAt(0) ?? 0);
  }
  return total;
}

/** Mastodon's length: code points, links as 23, `@user@domain` mentions as `@user`. */
export function mastodonLength(text: string): number {
  const links = findLinks(text);
  let total = 0;
  let index = 0;
  const count = (span: string) => [...span.replace(/(@[\w.-]+)@[\w.-]+\.[a-z]{2,}/gi, '$1')].length;
  for (const link of links) {
    total += count(text.slice(index, link.start)) + X_LINK_LENGTH;
    index = link.end;
  }
  return total + count(text.slice(index));
}

export function countWith(rule: CountingRule, text: string): number {
  switch (rule) {
    case 'graphemes':
      return graphemeLength(text);
    case 'weighted':
      return xWeightedLength(text);
    case 'characters':
      return mastodonLength(text);
  }
}

/** The rule and limit for a platform; the API's `maxTextLength` wins over Herald's table. */
export function textRuleFor(platform: string, maxTextLength?: number | null): PlatformTextRule {
  const known = platformTextRules[platform] ?? { rule: 'graphemes', max: null };
  return { rule: known.rule, max: maxTextLength ?? known.max };
}

/** Counts `text` for `platform`. */
export function countText(platform: string, text: string, maxTextLength?: number | null): TextCount {
  const { rule, max } = textRuleFor(platform, maxTextLength);
  const used = countWith(rule, text);
  return { rule, used, max, remaining: max === null ? null : max - used, over: max !== null && used > max };
}
