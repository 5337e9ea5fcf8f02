/**
 * Herald's facets (the official client's detection, with mentions left for Herald to resolve) byte
 * for byte, and the record keys Herald derives.
 */
import { RichText } from '@atproto/api';
import { describe, expect, it } from 'vitest';
import { recordKeyFor, TID_PATTERN } from '../../../src/platforms/bluesky/record-key.ts';
import { detectFacets } from '../../../src/platforms/bluesky/richtext.ts';

const SAMPLES = [
  'plain text without anything',
  'a link https://example.com/path?x=1&y=2#frag, then more',
  '(see https://en.wikipedia.org/wiki/Bluesky_(social_network)) ok',
  'hello @alice.bsky.social and @bob.test!',
  'émoji 🎉👩‍👩‍👧 then #hashtag and #日本語 and #123 and #end.',
  'unicode before a link: ✓✓✓ https://ünïcode.example/päth 😀 #tag',
  'multiple\nlines\n#one\n#two https://a.example',
  '＃fullwidth tag and trailing punctuation #wow!!!',
  'bare domains: example.com, bsky.app/profile/alice. and not.a-real-tld',
];

function normalise(
  facets: { index: { byteStart: number; byteEnd: number }; features: unknown[] }[] | undefined,
) {
  return (facets ?? [])
    .map((f) => {
      const feature = f.features[0] as { $type: string; uri?: string; did?: string; tag?: string };
      const value = feature.uri ?? feature.did ?? feature.tag;
      return `${f.index.byteStart}-${f.index.byteEnd} ${feature.$type.split('#')[1]} ${value}`;
    })
    .sort();
}

describe('facet detection', () => {
  it.each(SAMPLES)('agrees with the official client on %j', (text) => {
    const official = new RichText({ text });
    official.detectFacetsWithoutResolution();
    const ours = detectFacets(text).map((f) =>
      'handle' in f ? { index: f.index, features: [{ $type: 'x#mention', did: f.handle }] } : f,
    );
    expect(normalise(ours)).toEqual(normalise(official.facets));
  });
});

describe('bare domains', () => {
  it('link a domain without a scheme when its top-level domain exists, with https added', () => {
    const text = 'read example.com/docs, then bsky.app. skip file.notatld';
    expect(detectFacets(text)).toEqual([
      {
        index: { byteStart: 5, byteEnd: 21 },
        features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/docs' }],
      },
      {
        index: { byteStart: 28, byteEnd: 36 },
        features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://bsky.app' }],
      },
    ]);
  });

  it('count offsets in UTF-8 bytes and keep mentions as handles to resolve, in text order', () => {
    const text = '🎉 @alice.test at bsky.social #tag $tsla';
    expect(detectFacets(text)).toEqual([
      { index: { byteStart: 5, byteEnd: 16 }, handle: 'alice.test' },
      {
        index: { byteStart: 20, byteEnd: 31 },
        features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://bsky.social' }],
      },
      {
        index: { byteStart: 32, byteEnd: 36 },
        features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'tag' }],
      },
      {
        index: { byteStart: 37, byteEnd: 42 },
        features: [{ $type: 'app.bsky.richtext.facet#tag', tag: '$TSLA' }],
      },
    ]);
  });
});

describe('record keys', () => {
  it('are valid TIDs, stable per key and distinct across keys', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => recordKeyFor(`herald-${i}`));
    for (const key of keys) expect(key).toMatch(TID_PATTERN);
    expect(new Set(keys).size).toBe(keys.length);
    expect(recordKeyFor('herald-1')).toBe(keys[1]);
    expect(recordKeyFor('herald-1:1')).not.toBe(keys[1]);
  });
});
