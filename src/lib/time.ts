/** Time-zone arithmetic without a dependency: wall-clock time in an IANA zone <-> instants. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(value: string): boolean {
  try {
    formatterFor(value);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `instant`, in minutes. */
export function zoneOffsetMinutes(timeZone: string, instant: Date): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The instant at which the wall clock in `timeZone` reads `localTime` (`YYYY-MM-DDTHH:mm[:ss]`).
 * In a DST gap the time is moved forward by the gap; in an overlap the earlier instant is chosen.
 * Returns null when `localTime` is not a valid wall-clock time.
 */
export function localTimeToInstant(localTime: string, timeZone: string): Date | null {
  const m = LOCAL.exec(localTime);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : s!);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d! || h! > 23 || mi! > 59) return null;
  // Try the offsets in force just before and after the guess; pick the first that round-trips.
  const candidates = [
    zoneOffsetMinutes(timeZone, new Date(wall - 36e5 * 12)),
    zoneOffsetMinutes(timeZone, new Date(wall + 36e5 * 12)),
  ].sort((a, b) => b - a);
  for (const offset of candidates) {
    const instant = new Date(wall - offset * 60_000);
    if (zoneOffsetMinutes(timeZone, instant) === offset) return instant;
  }
  // A DST gap: no offset round-trips; move forward by the gap.
  return new Date(wall - Math.min(...candidates) * 60_000);
}

const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/** The range of instants Herald accepts, for messages. */
export const storableRange = '0001-01-01T00:00:00Z … 9999-12-31T23:59:59Z (UTC)';

/**
 * Whether an instant can be stored and written back: years 1 to 9999 in UTC. PostgreSQL itself has no
 * year 0 and reads no ISO 8601 year past 9999 (`+010000-…`, what `toISOString` writes), and RFC 3339
 * has four-digit years; a valid offset (up to ±23:59) can push `9999-12-31T23:59` past both ends.
 */
export function isStorableInstant(at: Date): boolean {
  const ms = at.getTime();
  return !Number.isNaN(ms) && ms >= EARLIEST_INSTANT && ms <= LATEST_INSTANT;
}
