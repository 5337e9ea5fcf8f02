import { describe, expect, it } from 'vitest';
import {
  describeLocalTime,
  formatDateTime,
  instantToZoned,
  isValidTimeZone,
  listTimeZones,
  nextSlot,
  offsetLabel,
  toLocalTimeString,
  zonedToInstant,
} from './time';

describe('zonedToInstant', () => {
  it('reads a wall-clock time in the given zone, not the browser one', () => {
    expect(zonedToInstant({ date: '2025-07-01', time: '09:00' }, 'Europe/Paris').toISOString()).toBe(
      '2025-07-01T07:00:00.000Z',
    );
    expect(zonedToInstant({ date: '2025-01-15', time: '09:00' }, 'Europe/Paris').toISOString()).toBe(
      '2025-01-15T08:00:00.000Z',
    );
    expect(zonedToInstant({ date: '2025-01-15', time: '09:00' }, 'Asia/Kolkata').toISOString()).toBe(
      '2025-01-15T03:30:00.000Z',
    );
    expect(zonedToInstant({ date: '2025-01-15', time: '23:45' }, 'America/New_York').toISOString()).toBe(
      '2025-01-16T04:45:00.000Z',
    );
  });

  it('moves a time inside a spring-forward gap forward, like the server', () => {
    // 2025-03-30 02:30 does not exist in Paris: clocks jump from 02:00 to 03:00.
    expect(zonedToInstant({ date: '2025-03-30', time: '02:30' }, 'Europe/Paris').toISOString()).toBe(
      '2025-03-30T01:30:00.000Z',
    );
  });

  it('takes the earlier instant of an ambiguous autumn time', () => {
    // 2025-10-26 02:30 happens twice in Paris; the first is still summer time (UTC+2).
    expect(zonedToInstant({ date: '2025-10-26', time: '02:30' }, 'Europe/Paris').toISOString()).toBe(
      '2025-10-26T00:30:00.000Z',
    );
  });

  it('refuses an unknown zone', () => {
    expect(() => zonedToInstant({ date: '2025-01-01', time: '10:00' }, 'Mars/Olympus')).toThrow();
  });
});

describe('instantToZoned', () => {
  it('round-trips with zonedToInstant', () => {
    for (const zone of [
      'UTC',
      'Europe/Paris',
      'America/Los_Angeles',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
    ]) {
      const local = { date: '2025-11-02', time: '13:15' };
      expect(instantToZoned(zonedToInstant(local, zone), zone)).toEqual(local);
    }
  });

  it('gives the date in the zone, which can differ from the UTC date', () => {
    expect(instantToZoned('2025-01-01T02:00:00Z', 'America/New_York')).toEqual({
      date: '2024-12-31',
      time: '21:00',
    });
  });
});

describe('describeLocalTime', () => {
  it('tells skipped and repeated times apart from ordinary ones', () => {
    expect(describeLocalTime({ date: '2025-03-30', time: '02:30' }, 'Europe/Paris')).toBe('skipped');
    expect(describeLocalTime({ date: '2025-10-26', time: '02:30' }, 'Europe/Paris')).toBe('ambiguous');
    expect(describeLocalTime({ date: '2025-10-26', time: '04:30' }, 'Europe/Paris')).toBe('ok');
    expect(describeLocalTime({ date: '2025-03-30', time: '02:30' }, 'UTC')).toBe('ok');
  });
});

describe('helpers', () => {
  it('formats the API local time string', () => {
    expect(toLocalTimeString({ date: '2025-05-06', time: '07:08' })).toBe('2025-05-06T07:08');
  });

  it('knows the zones', () => {
    expect(listTimeZones()[0]).toBe('UTC');
    expect(listTimeZones()).toContain('Europe/Paris');
    // Current names only: no deprecated aliases beside them.
    expect(listTimeZones()).toContain('Asia/Kolkata');
    expect(listTimeZones()).toContain('Europe/Kyiv');
    expect(listTimeZones()).not.toContain('Asia/Calcutta');
    expect(listTimeZones()).not.toContain('Europe/Kiev');
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Nowhere/Town')).toBe(false);
  });

  it('labels offsets', () => {
    expect(offsetLabel('Asia/Kolkata', new Date('2025-01-01T00:00:00Z'))).toBe('GMT+5:30');
    expect(offsetLabel('UTC', new Date('2025-01-01T00:00:00Z'))).toBe('GMT');
  });

  it('formats an instant in a zone', () => {
    const text = formatDateTime('2025-01-01T12:00:00Z', 'Asia/Tokyo', {
      weekday: undefined,
      year: undefined,
    });
    expect(text).toMatch(/21:00|9:00\sPM/);
    expect(formatDateTime(null, 'UTC')).toBe('—');
  });

  it('proposes the next quarter hour at least the lead time ahead', () => {
    const now = new Date('2025-01-01T10:07:00Z');
    expect(nextSlot('UTC', now, 60)).toEqual({ date: '2025-01-01', time: '11:15' });
    expect(nextSlot('Europe/Paris', now, 0)).toEqual({ date: '2025-01-01', time: '11:15' });
  });
});
