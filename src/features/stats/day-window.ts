/** "Today" in a time zone, as the two instants a database range query needs. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The zone's canonical name ("europe/paris" -> "Europe/Paris"), or null when it is not an IANA zone.
 * Offset strings ("+02:00"), which recent engines also accept, are refused: they have no DST rules.
 */
export function canonicalTimeZone(value: string): string | null {
  if (!/^[A-Za-z]/.test(value)) return null;
  try {
    return formatterFor(value).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The wall-clock fields in `timeZone` at `instant`. */
function wallClock(timeZone: string, instant: number) {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instant))) parts[p.type] = Number(p.value);
  return parts as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
function offsetAt(timeZone: string, instant: number): number {
  const w = wallClock(timeZone, instant);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant of a calendar day in the zone: local midnight, or when midnight falls in a DST gap
 * (as in some zones that switch at 00:00), the end of that gap.
 */
function startOfDay(timeZone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  // The offsets in force half a day either side; whichever round-trips is the one at midnight.
  const offsets = [offsetAt(timeZone, wall - 12 * 3600_000), offsetAt(timeZone, wall + 12 * 3600_000)];
  for (const offset of offsets.sort((a, b) => b - a)) {
    if (offsetAt(timeZone, wall - offset) === offset) return wall - offset;
  }
  return wall - Math.min(...offsets);
}

/** The calendar day containing `now` in `timeZone`, as `[start, end)`. */
export function dayWindow(now: Date, timeZone: string): { start: Date; end: Date } {
  const today = wallClock(timeZone, now.getTime());
  return {
    start: new Date(startOfDay(timeZone, today.year, today.month, today.day)),
    // Date.UTC rolls day 32 over into the next month, so this is simply "tomorrow".
    end: new Date(startOfDay(timeZone, today.year, today.month, today.day + 1)),
  };
}
