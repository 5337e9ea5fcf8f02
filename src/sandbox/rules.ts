/**
 * What the sandbox accepts in a post. Herald's adapter (src/platforms/sandbox.ts) states the same
 * limits on its own, as an adapter for a real platform would from its documentation;
 * test/sandbox/rules.test.ts checks the two agree.
 */

export const MAX_TEXT_GRAPHEMES = 500;
export const MAX_MEDIA_PER_POST = 4;
export const MAX_MEDIA_BYTES = 8 * 1024 * 1024;
export const MAX_ALT_TEXT_GRAPHEMES = 1500;
export const MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'video/mp4'] as const;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Characters as a person counts them: one emoji with modifiers or one accented letter is one. */
export function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/**
 * The text rule: up to 500 graphemes; empty (or blank) only when the post carries media, as on
 * most networks. Returns what is wrong, or null.
 */
export function checkPostText(text: string, mediaCount: number): string | null {
  if (text.trim() === '' && mediaCount === 0) return 'must not be empty unless the post has media';
  const length = countGraphemes(text);
  if (length > MAX_TEXT_GRAPHEMES) return `must be at most ${MAX_TEXT_GRAPHEMES} characters (has ${length})`;
  return null;
}
