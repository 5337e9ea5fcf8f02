/** The check-back schedule's arithmetic and the roll-up calendar, as pure functions. */
import { describe, expect, it } from 'vitest';
import {
  checkDueTimes,
  firstCheckIndex,
  JITTER_FRACTION,
  jitterMs,
  MAX_JITTER_MS,
  parseSchedule,
} from '../../src/features/analytics/check-schedule.ts';
import { periodOf, periodsBetween } from '../../src/features/analytics/periods.ts';
import { DEFAULT_CHECK_SCHEDULE_MINUTES } from '../../src/db/schema.ts';

const HOUR = 3600_000;

describe('check-back schedule', () => {
  it('puts every check between its offset and offset + the bounded jitter', () => {
    const publishedAt = new Date('2026-06-01T09:00:00Z');
    for (let n = 0; n < 500; n++) {
      const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const due = checkDueTimes({ id, publishedAt, offsetsMinutes: DEFAULT_CHECK_SCHEDULE_MINUTES });
      DEFAULT_CHECK_SCHEDULE_MINUTES.forEach((minutes, i) => {
        const offset = minutes * 60_000;
        const bound = Math.min(offset * JITTER_FRACTION, MAX_JITTER_MS);
        const late = due[i]!.getTime() - publishedAt.getTime() - offset;
        expect(late).toBeGreaterThanOrEqual(0);
        expect(late).toBeLessThan(bound);
      });
    }
  });

  it('spreads 10,000 posts published at the same second over the jitter window', () => {
    const buckets = new Set<number>();
    for (let n = 0; n < 10_000; n++) {
      buckets.add(Math.floor(jitterMs({ id: `post-${n}`, index: 0, offsetMinutes: 60 }) / 1000));
    }
    // 1 h × 10% = 6 minutes of jitter: nearly every one of its 360 seconds is used.
    expect(buckets.size).toBeGreaterThan(350);
    expect(Math.max(...buckets)).toBeLessThan(360);
  });

  it('is stable for one post and check', () => {
    const a = jitterMs({ id: 'x', index: 3, offsetMinutes: 4320 });
    expect(jitterMs({ id: 'x', index: 3, offsetMinutes: 4320 })).toBe(a);
    expect(jitterMs({ id: 'x', index: 4, offsetMinutes: 4320 })).not.toBe(a);
  });

  it('starts a late-tracked post with one check at once in place of those already passed', () => {
    const t = (h: number) => new Date(Date.UTC(2026, 0, 1) + h * HOUR);
    const due = [t(1), t(6), t(24)];
    expect(firstCheckIndex(due, t(0))).toBe(0);
    expect(firstCheckIndex(due, t(7))).toBe(1);
    expect(firstCheckIndex(due, t(100))).toBe(2);
  });

  it('parses a schedule typed by a person and names the bad entry', () => {
    expect(parseSchedule(['6h', '1h', '3d', '90m'], 'schedule')).toEqual([60, 90, 360, 4320]);
    expect(() => parseSchedule(['1h', 'soon'], 'schedule')).toThrow(/schedule\.1/);
    expect(() => parseSchedule([], 'schedule')).toThrow(/schedule/);
    expect(() => parseSchedule(['1h', '60m'], 'schedule')).toThrow(/repeat/);
  });
});

describe('roll-up periods on the workspace calendar', () => {
  const paris = { timeZone: 'Europe/Paris', weekStartsOn: 1 };
  const newYork = { timeZone: 'America/New_York', weekStartsOn: 7 };

  it('gives a spring-forward day 23 hours and a fall-back day 25, in two zones', () => {
    const spring = periodOf(new Date('2026-03-29T12:00:00Z'), 'day', paris);
    expect(spring.label).toBe('2026-03-29');
    expect(spring.start.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * HOUR);
    const fall = periodOf(new Date('2026-11-01T12:00:00Z'), 'day', newYork);
    expect(fall.label).toBe('2026-11-01');
    expect(fall.start.toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(fall.end.getTime() - fall.start.getTime()).toBe(25 * HOUR);
  });

  it('counts the repeated hour of a fall-back night as two hours', () => {
    const first = periodOf(new Date('2026-10-25T00:30:00Z'), 'hour', paris);
    const second = periodOf(new Date('2026-10-25T01:30:00Z'), 'hour', paris);
    expect(first.start.toISOString()).toBe('2026-10-25T00:00:00.000Z');
    expect(second.start.toISOString()).toBe('2026-10-25T01:00:00.000Z');
    expect(first.label).toBe('2026-10-25T02:00+02:00');
    expect(second.label).toBe('2026-10-25T02:00+01:00');
    const night = periodsBetween(
      new Date('2026-10-24T22:00:00Z'),
      new Date('2026-10-25T23:00:00Z'),
      'hour',
      paris,
      100,
    );
    expect(night).toHaveLength(25);
  });

  it('starts weeks on the workspace first day; a DST week lasts 7 days minus or plus an hour', () => {
    // Sunday 2026-03-08 is New York's spring-forward day; its weeks start on Sunday.
    const week = periodOf(new Date('2026-03-10T15:00:00Z'), 'week', newYork);
    expect(week.label).toBe('week of 2026-03-08');
    expect(week.start.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(week.end.getTime() - week.start.getTime()).toBe(7 * 24 * HOUR - HOUR);
    // Paris weeks start on Monday: the week holding Sunday 2026-10-25 started on the 19th.
    const parisWeek = periodOf(new Date('2026-10-25T10:00:00Z'), 'week', paris);
    expect(parisWeek.label).toBe('week of 2026-10-19');
    expect(parisWeek.end.getTime() - parisWeek.start.getTime()).toBe(7 * 24 * HOUR + HOUR);
  });

  it('has months of the local calendar', () => {
    const march = periodOf(new Date('2026-03-31T22:30:00Z'), 'month', paris);
    expect(march.label).toBe('2026-04');
    expect(periodOf(new Date('2026-03-31T21:30:00Z'), 'month', paris).label).toBe('2026-03');
  });

  it('refuses to list more periods than the limit', () => {
    expect(periodsBetween(new Date('2026-01-01Z'), new Date('2027-01-01Z'), 'hour', paris, 100)).toBeNull();
  });
});
