/**
 * Bluesky's text rules and rich text. A post's `text` is at most 300 graphemes and 3,000 UTF-8
 * bytes (lexicon `app.bsky.feed.post`). Links, mentions, hashtags and cashtags are not parsed by the
 * server: the client sends `facets` whose ranges are UTF-8 byte offsets (start inclusive, end
 * exclusive).
 *
 * Detection is the official client's (`RichText` of @atproto/api), bare domains included (it carries
 * the list of top-level domains); mentions are resolved here, through the account's own PDS, and
 * become facets only when the handle resolves to a DID.
 */
import { RichText } from '@atproto/api';

export const MAX_GRAPHEMES = 300;
export const MAX_BYTES = 3000;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const encoder = new TextEncoder();

export function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

export const countBytes = (text: string): number => encoder.encode(text).length;

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

type OfficialFeature = { $type?: string; uri?: unknown; did?: unknown; tag?: unknown };

/** Links, hashtags, cashtags and (unresolved) mentions in `text`, in text order, by the official rules. */
export function detectFacets(text: string): DetectedFacet[] {
  const rich = new RichText({ text });
  rich.detectFacetsWithoutResolution();
  const detected: DetectedFacet[] = [];
  for (const facet of rich.facets ?? []) {
    const index = { byteStart: facet.index.byteStart, byteEnd: facet.index.byteEnd };
    const feature = facet.features[0] as OfficialFeature | undefined;
    // Without resolution the official client leaves the handle where the DID goes.
    if (feature?.$type === 'app.bsky.richtext.facet#mention' && typeof feature.did === 'string') {
      detected.push({ index, handle: feature.did });
    } else if (feature?.$type === 'app.bsky.richtext.facet#link' && typeof feature.uri === 'string') {
      detected.push({ index, features: [{ $type: 'app.bsky.richtext.facet#link', uri: feature.uri }] });
    } else if (feature?.$type === 'app.bsky.richtext.facet#tag' && typeof feature.tag === 'string') {
      detected.push({ index, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: feature.tag }] });
    }
  }
  return detected.sort((a, b) => a.index.byteStart - b.index.byteStart);
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
