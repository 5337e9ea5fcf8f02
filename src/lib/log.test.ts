import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLog, type LogFormat } from './log.ts';

function capture(format: LogFormat, isTTY: boolean): string {
  let text = '';
  const destination = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    { isTTY },
  );
  const log = createLog({ level: 'info', format, destination });
  log.info({ accessToken: 'secret-value', postId: 'p1' }, 'post published');
  return text;
}

describe('log formats', () => {
  it('writes one JSON object a line for machines', () => {
    const line = capture('json', true);
    expect(JSON.parse(line)).toMatchObject({
      msg: 'post published',
      postId: 'p1',
      accessToken: '[redacted]',
    });
  });

  it('writes readable lines for people, still redacting credentials', () => {
    const text = capture('pretty', false);
    expect(text).toMatch(/INFO.*post published/);
    expect(text).toContain('postId: "p1"');
    expect(text).not.toContain('secret-value');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('chooses pretty on a terminal and JSON elsewhere when set to auto', () => {
    expect(capture('auto', true)).toMatch(/INFO.*post published/);
    expect(JSON.parse(capture('auto', false)).msg).toBe('post published');
  });
});
