import { describe, expect, it } from 'vitest';
import {
  countText,
  findLinks,
  graphemeLength,
  mastodonLength,
  textRuleFor,
  xWeightedLength,
} from './counters';

describe('graphemeLength (sandbox, Bluesky)', () => {
  it('counts what a reader sees as one character', () => {
    expect(graphemeLength('hello')).toBe(5);
    expect(graphemeLength('👩‍👩‍👧')).toBe(1);
    expect(graphemeLength('🇫🇷🇯🇵')).toBe(2);
    expect(graphemeLength('e\u0301')).toBe(1);
    expect(graphemeLength('👍🏽 ok')).toBe(4);
    expect(graphemeLength('')).toBe(0);
  });

  it('is what the sandbox counts, against a 500 limit', () => {
    const text = '🎉'.repeat(500);
    expect(text.length).toBe(1000);
    expect(countText('sandbox', text)).toMatchObject({ used: 500, max: 500, remaining: 0, over: false });
    expect(countText('sandbox', `${text}!`)).toMatchObject({ used: 501, remaining: -1, over: true });
  });
});

describe('xWeightedLength', () => {
  it('weighs Latin text 1 per character', () => {
    expect(xWeightedLength('Hello, world!')).toBe(13);
  });

  it('weighs CJK characters 2', () => {
    expect(xWeightedLength('日本語')).toBe(6);
    expect(countText('x', '漢'.repeat(140))).toMatchObject({ used: 280, over: false });
    expect(countText('x', '漢'.repeat(141))).toMatchObject({ used: 282, over: true });
  });

  it('weighs an emoji sequence 2 however many code points it has', () => {
    expect(xWeightedLength('👍')).toBe(2);
    expect(xWeightedLength('👩‍👩‍👧‍👦')).toBe(2);
    expect(xWeightedLength('👍🏽')).toBe(2);
    expect(xWeightedLength('🇫🇷')).toBe(2);
  });

  it('counts every link as 23', () => {
    expect(xWeightedLength('https://example.com/a/very/long/path/that/goes/on/and/on')).toBe(23);
    expect(xWeightedLength('see example.com.')).toBe(4 + 23 + 1);
    expect(xWeightedLength('mail me@example.com')).toBe(19);
  });

  it('weighs general punctuation as light', () => {
    expect(xWeightedLength('\u2014\u2019')).toBe(2);
  });
});

describe('mastodonLength', () => {
  it('counts code points, links as 23 and remote mentions by their local part', () => {
    expect(mastodonLength('hi @alice@social.example.org')).toBe('hi @alice'.length);
    expect(mastodonLength(`read https://example.com/${'x'.repeat(100)}`)).toBe(5 + 23);
    expect(mastodonLength('😀')).toBe(1);
  });
});

describe('textRuleFor', () => {
  it('prefers the API limit and knows common platforms', () => {
    expect(textRuleFor('sandbox')).toEqual({ rule: 'graphemes', max: 500 });
    expect(textRuleFor('sandbox', 120)).toEqual({ rule: 'graphemes', max: 120 });
    expect(textRuleFor('x')).toEqual({ rule: 'weighted', max: 280 });
    expect(textRuleFor('somewhere-new')).toEqual({ rule: 'graphemes', max: null });
    expect(countText('somewhere-new', 'abc')).toMatchObject({ used: 3, remaining: null, over: false });
  });
});

describe('findLinks', () => {
  it('finds links without trailing punctuation', () => {
    expect(findLinks('Go to https://herald.dev/docs).').map((l) => l.url)).toEqual([
      'https://herald.dev/docs',
    ]);
  });
});
