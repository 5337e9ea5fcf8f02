import { describe, expect, it } from 'vitest';
import { postHeadline } from './post-headline';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

describe("a post header's status", () => {
  it('says retrying, not scheduled, while its targets are retrying', () => {
    const headline = postHeadline(
      {
        status: 'scheduled',
        scheduledAt: at(-1),
        publishedAt: null,
        targets: [{ status: 'retrying' }, { status: 'retrying' }],
      },
      NOW,
    );
    expect(headline).toEqual({ badge: 'retrying', text: 'retrying on 2 of 2 channels', at: null });
  });

  it('calls a past time due rather than scheduled', () => {
    const headline = postHeadline(
      { status: 'scheduled', scheduledAt: at(-1), publishedAt: null, targets: [{ status: 'scheduled' }] },
      NOW,
    );
    expect(headline.badge).toBe('publishing');
    expect(headline.text).toMatch(/^Due now/);
  });

  it('keeps a future schedule as it is', () => {
    const headline = postHeadline(
      { status: 'scheduled', scheduledAt: at(60), publishedAt: null, targets: [{ status: 'scheduled' }] },
      NOW,
    );
    expect(headline).toEqual({ badge: 'scheduled', text: 'Scheduled for', at: at(60) });
  });
});
