import { describe, expect, it } from 'vitest';
import { isTimeZone, localTimeToInstant } from './time.ts';

describe('localTimeToInstant', () => {
  it('converts wall-clock time in a zone to an instant', () => {
    expect(localTimeToInstant('2026-07-01T09:30', 'Europe/Paris')?.toISOString()).toBe(
      '2026-07-01T07:30:00.000Z',
    );
    expect(localTimeToInstant('2026-01-15T09:30', 'Europe/Paris')?.toISOString()).toBe(
      '2026-01-15T08:30:00.000Z',
    );
    expect(localTimeToInstant('2026-01-15T09:30', 'America/New_York')?.toISOString()).toBe(
      '2026-01-15T14:30:00.000Z',
    );
    expect(localTimeToInstant('2026-03-10T23:00:15', 'Asia/Kolkata')?.toISOString()).toBe(
      '2026-03-10T17:30:15.000Z',
    );
  });

  it('moves a time in a DST gap forward and picks the earlier of an overlap', () => {
    // 2026-03-29 02:30 does not exist in Paris (clocks jump 02:00 -> 03:00).
    expect(localTimeToInstant('2026-03-29T02:30', 'Europe/Paris')?.toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // 2026-10-25 02:30 happens twice in Paris; the first is at +02:00.
    expect(localTimeToInstant('2026-10-25T02:30', 'Europe/Paris')?.toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });

  it('rejects impossible dates', () => {
    expect(localTimeToInstant('2026-02-30T10:00', 'UTC')).toBeNull();
    expect(localTimeToInstant('2026-02-10 10:00', 'UTC')).toBeNull();
    expect(localTimeToInstant('2026-02-10T24:00', 'UTC')).toBeNull();
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
