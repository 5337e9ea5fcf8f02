/** "Today" in a time zone, as the two instants a database range query needs. */
import { isTimeZone, localTimeToInstant, zoneOffsetMinutes } from '../../lib/time.ts';

/**
 * The zone's canonical name ("europe/paris" -> "Europe/Paris"), or null when it is not an IANA zone.
 * Offset strings ("+02:00"), which recent engines also accept, are refused: they have no DST rules.
 */
export function canonicalTimeZone(value: string): string | null {
  if (!/^[A-Za-z]/.test(value) || !isTimeZone(value)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
}

/** `YYYY-MM-DD` of the calendar day `days` after the one on the wall clock in `timeZone` at `now`. */
function localDate(now: Date, timeZone: string, days = 0): string {
  const wall = new Date(now.getTime() + zoneOffsetMinutes(timeZone, now) * 60_000);
  wall.setUTCDate(wall.getUTCDate() + days);
  return wall.toISOString().slice(0, 10);
}

/**
 * The calendar day containing `now` in `timeZone`, as `[start, end)`. A day is not always 24 hours
 * (DST), and where midnight falls in a DST gap the day starts at the end of the gap.
 */
export function dayWindow(now: Date, timeZone: string): { start: Date; end: Date } {
  return {
    start: localTimeToInstant(`${localDate(now, timeZone)}T00:00`, timeZone)!,
    end: localTimeToInstant(`${localDate(now, timeZone, 1)}T00:00`, timeZone)!,
  };
}
