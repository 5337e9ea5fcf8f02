/** Meta's error envelope and usage headers, mapped the way every Meta adapter relies on. */
import { describe, expect, it } from 'vitest';
import { graphFailure, readGraphError } from '../../../src/platforms/meta/graph.ts';
import { retryAfterFromUsage, usageRateLimit } from '../../../src/platforms/meta/usage.ts';
import type { AdapterContext } from '../../../src/platforms/types.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const ctx: AdapterContext = {
  app: { clientId: 'a', clientSecret: 'b', baseUrl: null, scopes: [], settings: {} },
  fetch,
  now: () => NOW,
};

function failure(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) {
  const h = new Headers(headers);
  return graphFailure(ctx, {
    what: 'call',
    status,
    headers: h,
    body: { error: { type: 'OAuthException', fbtrace_id: 'x', ...error } },
    rateLimit: usageRateLimit(ctx, h),
  });
}

describe('Graph error envelope → PlatformError', () => {
  it.each([
    [400, { code: 4, message: 'Application request limit reached' }, 'rate_limited'],
    [400, { code: 17, message: 'User request limit reached' }, 'rate_limited'],
    [400, { code: 32, message: 'Page request limit reached' }, 'rate_limited'],
    [400, { code: 341, message: 'Application limit reached' }, 'rate_limited'],
    [400, { code: 368, message: 'Temporarily blocked for policies violations' }, 'rate_limited'],
    [400, { code: 613, message: 'Calls to this api have exceeded the rate limit' }, 'rate_limited'],
    [400, { code: 80001, message: 'There have been too many calls to this Page account' }, 'rate_limited'],
    [
      400,
      { code: 80002, message: 'There have been too many calls to this Instagram account' },
      'rate_limited',
    ],
    [400, { code: 9, error_subcode: 2207042, message: 'Reached max posts per day' }, 'rate_limited'],
    [400, { code: 368, error_subcode: 1390008, message: 'You are posting too fast' }, 'rate_limited'],
    [429, { code: 100, message: 'Too many requests' }, 'rate_limited'],
    [401, { code: 190, error_subcode: 463, message: 'Session has expired' }, 'auth'],
    [400, { code: 190, error_subcode: 460, message: 'The password was changed' }, 'auth'],
    [400, { code: 190, error_subcode: 467, message: 'Invalid OAuth access token' }, 'auth'],
    [403, { code: 10, message: 'Application does not have permission for this action' }, 'auth'],
    [403, { code: 200, message: '(#200) Requires pages_manage_posts permission' }, 'auth'],
    [400, { code: 506, message: 'Duplicate status message' }, 'duplicate'],
    [400, { code: 100, error_subcode: 1366051, message: 'These photos were already posted' }, 'duplicate'],
    [500, { code: 1, message: 'An unknown error occurred' }, 'transient'],
    [400, { code: 2, message: 'Service temporarily unavailable' }, 'transient'],
    [400, { code: 100, is_transient: true, message: 'Try again' }, 'transient'],
    [400, { code: 9004, error_subcode: 2207003, message: 'Timeout downloading media' }, 'transient'],
    [400, { code: 100, error_subcode: 1363047, message: 'Temporarily unavailable' }, 'transient'],
    [400, { code: 100, error_subcode: 2207010, message: 'Caption too long' }, 'invalid'],
    [
      400,
      { code: 100, error_subcode: 1404078, message: 'Page Publishing Authorization required' },
      'invalid',
    ],
    [400, { code: 1609005, message: 'Error posting link' }, 'invalid'],
  ])('%i %o → %s', (status, error, kind) => {
    expect(failure(status, error).kind).toBe(kind);
  });

  it('carries code/subcode, the user-facing message, and the usage header’s wait', () => {
    const error = failure(
      400,
      {
        code: 80001,
        error_subcode: 2446079,
        message: 'raw',
        error_user_msg: 'Please wait before posting again',
      },
      {
        'x-business-use-case-usage': JSON.stringify({
          '1001': [
            {
              type: 'pages',
              call_count: 100,
              total_cputime: 4,
              total_time: 9,
              estimated_time_to_regain_access: 25,
            },
          ],
        }),
      },
    );
    expect(error.code).toBe('80001/2446079');
    expect(error.message).toMatch(/Please wait before posting again/);
    expect(error.retryAfter).toEqual(new Date(NOW.getTime() + 25 * 60_000));
    expect(error.rateLimit).toEqual({
      bucket: 'business-use-case:pages',
      limit: 100,
      remaining: 0,
      resetAt: new Date(NOW.getTime() + 25 * 60_000),
    });
  });

  it('waits 15 minutes when Meta throttles without an estimate', () => {
    expect(failure(400, { code: 4, message: 'x' }).retryAfter).toEqual(new Date(NOW.getTime() + 15 * 60_000));
  });

  it('reads the flat OAuth error shape but not a container’s error_message', () => {
    expect(
      readGraphError({ error_type: 'OAuthException', code: 400, error_message: 'Invalid platform app' }),
    ).toMatchObject({
      message: 'Invalid platform app',
      code: 400,
    });
    expect(readGraphError({ id: '1', status: 'ERROR', error_message: 'FAILED_PROCESSING_VIDEO' })).toBeNull();
  });
});

describe('usage headers → RateLimitInfo', () => {
  it('reports the most used of app, page and business-use-case usage', () => {
    const headers = new Headers({
      'x-app-usage': JSON.stringify({ call_count: 12, total_cputime: 40, total_time: 20 }),
      'x-page-usage': JSON.stringify({ call_count: 70, total_cputime: 5, total_time: 5 }),
      'x-business-use-case-usage': JSON.stringify({
        '17841400000000001': [
          {
            type: 'instagram',
            call_count: 30,
            total_cputime: 1,
            total_time: 2,
            estimated_time_to_regain_access: 0,
          },
        ],
      }),
    });
    expect(usageRateLimit(ctx, headers)).toEqual({
      bucket: 'page-usage',
      limit: 100,
      remaining: 30,
      resetAt: null,
    });
    expect(retryAfterFromUsage(ctx, headers)).toBeNull();
  });

  it('ignores absent or malformed headers', () => {
    expect(usageRateLimit(ctx, new Headers())).toBeNull();
    expect(usageRateLimit(ctx, new Headers({ 'x-app-usage': 'not json' }))).toBeNull();
  });
});
