/** X's error and rate-limit shapes mapped to PlatformError and RateLimitInfo. */
import { describe, expect, it } from 'vitest';
import type { AdapterContext } from '../../../src/platforms/types.ts';
import { failureFor, pickRateLimit, rateLimitWindows } from '../../../src/platforms/x/api.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const ctx: AdapterContext = {
  app: { clientId: 'a', clientSecret: null, baseUrl: null, scopes: [], settings: {} },
  fetch,
  now: () => NOW,
};
const fail = (status: number, body: unknown, headers: Record<string, string> = {}, token = false) =>
  failureFor(ctx, { what: 'call', status, headers: new Headers(headers), body, bucket: 'posts', token });

describe('X errors → PlatformError', () => {
  it('maps the documented shapes', () => {
    expect(
      fail(401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }).kind,
    ).toBe('auth');
    expect(
      fail(403, {
        detail: 'You are not allowed to create a Tweet with duplicate content.',
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
      }),
    ).toMatchObject({ kind: 'duplicate', status: 403, code: 'Forbidden' });
    expect(fail(403, { title: 'Forbidden', detail: 'Unsupported Authentication', status: 403 }).kind).toBe(
      'auth',
    );
    expect(fail(403, { title: 'Forbidden', detail: 'user-suspended', status: 403 }).kind).toBe('auth');
    expect(
      fail(403, { title: 'Forbidden', detail: 'You are not permitted to perform this action.', status: 403 })
        .kind,
    ).toBe('invalid');
    expect(
      fail(400, {
        title: 'Invalid Request',
        detail: 'The Tweet contains an invalid URL.',
        type: 'https://api.x.com/2/problems/invalid-request',
      }),
    ).toMatchObject({
      kind: 'invalid',
      code: 'invalid-request',
    });
    expect(fail(503, null).kind).toBe('transient');
    expect(
      fail(
        400,
        { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
        {},
        true,
      ),
    ).toMatchObject({
      kind: 'auth',
      code: 'invalid_request',
    });
  });

  it('429: retry at the reset of the exhausted window, 24-hour caps included', () => {
    const reset15 = Math.floor(NOW.getTime() / 1000) + 300;
    const reset24 = Math.floor(NOW.getTime() / 1000) + 40_000;
    const error = fail(
      429,
      { errors: [{ code: 88, message: 'Rate limit exceeded' }] },
      {
        'x-rate-limit-limit': '100',
        'x-rate-limit-remaining': '40',
        'x-rate-limit-reset': String(reset15),
        'x-user-limit-24hour-limit': '17',
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': String(reset24),
      },
    );
    expect(error).toMatchObject({ kind: 'rate_limited', code: '88' });
    expect(error.retryAfter).toEqual(new Date(reset24 * 1000));
    expect(error.rateLimit).toEqual({
      bucket: 'posts-24h-user',
      limit: 17,
      remaining: 0,
      resetAt: new Date(reset24 * 1000),
    });

    expect(fail(429, { title: 'Too Many Requests' }, { 'retry-after': '30' }).retryAfter).toEqual(
      new Date(NOW.getTime() + 30_000),
    );
    expect(fail(429, { title: 'Too Many Requests' }).retryAfter).toEqual(
      new Date(NOW.getTime() + 15 * 60_000),
    );
    expect(
      fail(403, { title: 'UsageCapExceeded', type: 'https://api.x.com/2/problems/usage-capped' }).kind,
    ).toBe('rate_limited');
  });

  it('reports the endpoint window when no 24-hour cap is present', () => {
    const windows = rateLimitWindows(
      new Headers({
        'x-rate-limit-limit': '900',
        'x-rate-limit-remaining': '899',
        'x-rate-limit-reset': '1772370000',
      }),
      'posts-lookup',
    );
    expect(pickRateLimit(windows)).toEqual({
      bucket: 'posts-lookup',
      limit: 900,
      remaining: 899,
      resetAt: new Date(1772370000 * 1000),
    });
  });
});
