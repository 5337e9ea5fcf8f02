/**
 * Bluesky's text rules and rich text. A post's `text` is at most 300 graphemes and 3,000 UTF-8
 * bytes (lexicon `app.bsky.feed.post`). Links, mentions and hashtags are not parsed by the server:
 * the client sends `facets` whose ranges are UTF-8 byte offsets (start inclusive, end exclusive).
 *
 * Detection follows the official client's rules (@atproto/api `detectFacets`) except that a link
 * needs its `http(s)://` scheme or a `www.` prefix: recognising bare domains takes the public
 * suffix list, and a missed link is better than a wrong one. Mentions become facets only when the
 * handle resolves to a DID.
 */
export const MAX_GRAPHEMES = 300;
export const MAX_BYTES = 3000;
const MAX_TAG_GRAPHEMES = 64;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const encoder = new TextEncoder();

export function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

export const countBytes = (text: string): number => encoder.encode(text).length;

/** The UTF-8 offset of a UTF-16 index into `text`. */
const byteOffset = (text: string, utf16Index: number) => encoder.encode(text.slice(0, utf16Index)).length;

export type Facet = {
  index: { byteStart: number; byteEnd: number };
  features: (
    | { $type: 'app.bsky.richtext.facet#link'; uri: string }
    | { $type: 'app.bsky.richtext.facet#mention'; did: string }
    | { $type: 'app.bsky.richtext.facet#tag'; tag: string }
  )[];
};

/** A facet whose mention still names a handle rather than a DID. */
export type DetectedFacet = Facet | { index: Facet['index']; handle: string };

const MENTION =
  /(^|\s|\()@([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+)(?![\w.-]*[a-zA-Z0-9])/g;
const LINK = /(^|\s|\()((?:https?:\/\/|www\.)[^\s]+)/gi;
/** Characters that end a hashtag besides white space: soft hyphen, word joiner, zero-width spaces and joiners. */
const INVISIBLE = '\\u00AD\\u2060\\u200A\\u200B\\u200C\\u200D\\u20e2';
const TAG = new RegExp(
  // The class lists joiners and a combining mark on purpose (they end a tag), which this rule flags.
  // eslint-disable-next-line no-misleading-character-class
  `(^|\\s)[#＃]((?!\\ufe0f)[^\\s${INVISIBLE}]*[^\\d\\s\\p{P}${INVISIBLE}]+[^\\s${INVISIBLE}]*)?`,
  'gu',
);
const TRAILING_PUNCTUATION = /\p{P}+$/u;

/** Links, hashtags and (unresolved) mentions in `text`, in text order. */
export function detectFacets(text: string): DetectedFacet[] {
  const found: { at: number; facet: DetectedFacet }[] = [];
  const range = (start: number, end: number) => ({
    byteStart: byteOffset(text, start),
    byteEnd: byteOffset(text, end),
  });

  for (const match of text.matchAll(MENTION)) {
    const handle = match[2]!;
    // The last label of a handle is a TLD: letters only (`.test` is what local networks use).
    if (!/\.[a-zA-Z][a-zA-Z-]*[a-zA-Z]$/.test(handle)) continue;
    const start = match.index + match[1]!.length;
    found.push({ at: start, facet: { index: range(start, start + 1 + handle.length), handle } });
  }

  for (const match of text.matchAll(LINK)) {
    let uri = match[2]!;
    const start = match.index + match[1]!.length;
    if (/[.,;:!?]$/.test(uri)) uri = uri.slice(0, -1);
    if (uri.endsWith(')') && !uri.includes('(')) uri = uri.slice(0, -1);
    const end = start + uri.length;
    const href = /^www\./i.test(uri) ? `https://${uri}` : uri;
    if (!URL.canParse(href)) continue;
    found.push({
      at: start,
      facet: { index: range(start, end), features: [{ $type: 'app.bsky.richtext.facet#link', uri: href }] },
    });
  }

  for (const match of text.matchAll(TAG)) {
    const raw = match[2];
    if (!raw) continue;
    const tag = raw.trim().replace(TRAILING_PUNCTUATION, '');
    if (tag.length === 0 || countGraphemes(tag) > MAX_TAG_GRAPHEMES) continue;
    const start = match.index + match[1]!.length;
    found.push({
      at: start,
      facet: {
        index: range(start, start + 1 + tag.length),
        features: [{ $type: 'app.bsky.richtext.facet#tag', tag }],
      },
    });
  }

  return found.sort((a, b) => a.at - b.at).map((f) => f.facet);
}

/** Turns detected facets into record facets, resolving each mention's handle (unresolvable ones are dropped). */
export async function resolveFacets(
  detected: DetectedFacet[],
  resolveHandle: (handle: string) => Promise<string | null>,
): Promise<Facet[]> {
  const facets: Facet[] = [];
  for (const facet of detected) {
    if (!('handle' in facet)) {
      facets.push(facet);
      continue;
    }
    const did = await resolveHandle(facet.handle);
    if (did)
      facets.push({ index: facet.index, features: [{ $type: 'app.bsky.richtext.facet#mention', did }] });
  }
  return facets;
}
