import { describe, expect, it } from 'vitest';
import { isRefreshDue, refreshDueAt } from './refresh-due.ts';

const T0 = new Date('2026-12-01T12:00:00Z');
const min = (n: number) => new Date(T0.getTime() + n * 60_000);

describe('when a token refresh is due', () => {
  it.each([
    // [case, issued, expires, last refreshed, now, window, due]
    ['a one-hour token just issued (window 60)', 0, 60, null, 1, 60, false],
    ['a one-hour token at 47 minutes', 0, 60, null, 47, 60, false],
    ['a one-hour token at 48 minutes (its last fifth)', 0, 60, null, 48, 60, true],
    ['a sixty-day token is bounded by the window', 0, 60 * 24 * 60, null, 60 * 24 * 60 - 61, 60, false],
    ['a sixty-day token within the window', 0, 60 * 24 * 60, null, 60 * 24 * 60 - 59, 60, true],
    ['a small window wins over the fifth', 0, 60, null, 50, 5, false],
    ['unknown issue time: the window alone', null, 60, null, 1, 60, true],
    ['refreshed in this lead time, same expiry handed back', 0, 60, 49, 55, 60, false],
    ['refreshed before this lead time (a previous lifetime)', 0, 60, -10, 55, 60, true],
  ] as const)('%s', (_name, issued, expires, refreshed, now, window, due) => {
    const timing = {
      tokenIssuedAt: issued === null ? null : min(issued),
      tokenExpiresAt: min(expires),
      lastRefreshedAt: refreshed === null ? null : min(refreshed),
    };
    expect(isRefreshDue(timing, { now: min(now), windowMinutes: window })).toBe(due);
  });

  it('never refreshes a token without an expiry', () => {
    const timing = { tokenIssuedAt: T0, tokenExpiresAt: null, lastRefreshedAt: null };
    expect(refreshDueAt(timing, 60)).toBeNull();
    expect(isRefreshDue(timing, { now: min(10_000), windowMinutes: 60 })).toBe(false);
  });

  it('refreshes a one-hour token once an hour, not every minute', () => {
    // The sweep runs every minute for two hours; each refresh issues a new one-hour token.
    let timing = { tokenIssuedAt: T0, tokenExpiresAt: min(60), lastRefreshedAt: null as Date | null };
    let refreshes = 0;
    for (let minute = 0; minute < 120; minute++) {
      if (isRefreshDue(timing, { now: min(minute), windowMinutes: 60 })) {
        refreshes++;
        timing = {
          tokenIssuedAt: min(minute),
          tokenExpiresAt: min(minute + 60),
          lastRefreshedAt: min(minute),
        };
      }
    }
    expect(refreshes).toBe(2);
  });
});
