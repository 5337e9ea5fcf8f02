import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, dayWindow } from '../../src/features/stats/day-window.ts';

const window = (now: string, zone: string) => {
  const { start, end } = dayWindow(new Date(now), zone);
  return [start.toISOString(), end.toISOString()];
};

describe('dayWindow', () => {
  it('is the calendar day on the zone’s wall clock', () => {
    expect(window('2025-01-15T23:30:00Z', 'UTC')).toEqual([
      '2025-01-15T00:00:00.000Z',
      '2025-01-16T00:00:00.000Z',
    ]);
    // Already the 16th at UTC+14.
    expect(window('2025-01-15T23:30:00Z', 'Pacific/Kiritimati')).toEqual([
      '2025-01-15T10:00:00.000Z',
      '2025-01-16T10:00:00.000Z',
    ]);
    expect(window('2025-06-16T03:59:00Z', 'America/New_York')).toEqual([
      '2025-06-15T04:00:00.000Z',
      '2025-06-16T04:00:00.000Z',
    ]);
  });

  it('has 23 and 25 hours on DST days', () => {
    expect(window('2025-03-30T12:00:00Z', 'Europe/Paris')).toEqual([
      '2025-03-29T23:00:00.000Z',
      '2025-03-30T22:00:00.000Z',
    ]);
    expect(window('2025-10-26T12:00:00Z', 'Europe/Paris')).toEqual([
      '2025-10-25T22:00:00.000Z',
      '2025-10-26T23:00:00.000Z',
    ]);
  });

  it('starts at the end of the gap where midnight does not exist', () => {
    // Chile moved its clocks from 00:00 to 01:00 on 7 September 2025.
    expect(window('2025-09-07T12:00:00Z', 'America/Santiago')).toEqual([
      '2025-09-07T04:00:00.000Z',
      '2025-09-08T03:00:00.000Z',
    ]);
  });
});

describe('canonicalTimeZone', () => {
  it('accepts IANA zones in any case and refuses the rest', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('+02:00')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });
});
