/**
 * The adapter states the sandbox's limits on its own, as an adapter for an outside platform would;
 * these checks keep its `validate` and the server's rules (src/sandbox/rules.ts) saying the same.
 */
import { describe, expect, it } from 'vitest';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import {
  checkPostText,
  countGraphemes,
  MAX_MEDIA_BYTES,
  MAX_MEDIA_PER_POST,
  MAX_TEXT_GRAPHEMES,
  MEDIA_TYPES,
} from '../../src/sandbox/rules.ts';
import { mediaItem } from './support.ts';

const validate = (text: string, mediaCount = 0, options: Record<string, unknown> = {}) =>
  sandboxAdapter.validate({
    text,
    title: null,
    media: Array.from({ length: mediaCount }, () => mediaItem()),
    options,
  });

describe('sandbox rules: adapter and server agree', () => {
  it('states the same limits', () => {
    expect(sandboxAdapter.capabilities.maxTextLength).toBe(MAX_TEXT_GRAPHEMES);
    expect(sandboxAdapter.capabilities.images).toBe(MAX_MEDIA_PER_POST);
  });

  const family = '👨‍👩‍👧‍👦';
  const cases: [string, string, number][] = [
    ['empty text alone', '', 0],
    ['blank text alone', '   \n', 0],
    ['empty text with media', '', 1],
    ['one character', 'a', 0],
    ['500 characters', 'a'.repeat(500), 0],
    ['501 characters', 'a'.repeat(501), 0],
    ['500 emoji with skin tones (2000 UTF-16 units)', '👍🏽'.repeat(500), 0],
    ['501 family emoji', family.repeat(501), 0],
    ['500 letters with combining accents', 'e\u0301'.repeat(500), 0],
  ];

  for (const [name, text, media] of cases) {
    it(`text: ${name}`, () => {
      const server = checkPostText(text, media);
      const issues = validate(text, media).filter((i) => i.field === 'text');
      expect(issues.length > 0).toBe(server !== null);
      if (server) expect(issues[0]!.message).toBe(server);
    });
  }

  it('counts graphemes, not code units', () => {
    expect(countGraphemes(family)).toBe(1);
    expect(countGraphemes('e\u0301')).toBe(1);
  });

  it('limits media count, type and size like the server', () => {
    expect(validate('x', MAX_MEDIA_PER_POST)).toEqual([]);
    expect(validate('x', MAX_MEDIA_PER_POST + 1)).toEqual([{ field: 'media', message: expect.any(String) }]);
    for (const type of MEDIA_TYPES) {
      const ok = sandboxAdapter.validate({
        text: 'x',
        title: null,
        options: {},
        media: [mediaItem({ mimeType: type })],
      });
      expect(ok).toEqual([]);
    }
    const issues = sandboxAdapter.validate({
      text: 'x',
      title: null,
      options: {},
      media: [
        mediaItem({ mimeType: 'audio/mpeg', kind: 'audio' }),
        mediaItem({ sizeBytes: MAX_MEDIA_BYTES + 1 }),
      ],
    });
    expect(issues.map((i) => i.field)).toEqual(['media.0', 'media.1']);
  });

  it('checks every part of a thread', () => {
    expect(validate('x', 0, { thread: ['y', 'z'] })).toEqual([]);
    expect(validate('x', 0, { thread: ['', 'a'.repeat(501), 3] }).map((i) => i.field)).toEqual([
      'options.thread.0',
      'options.thread.1',
      'options.thread.2',
    ]);
    expect(validate('x', 0, { thread: 'not a list' })).toEqual([
      { field: 'options.thread', message: 'must be a list of texts' },
    ]);
  });
});
