/**
 * Time-zone handling for scheduling. A post is scheduled at a wall-clock time in an IANA zone
 * ("09:00 in Europe/Paris"); the API stores the instant. Conversions go through Temporal so daylight
 * saving gaps and overlaps are handled the way the server handles them (`compatible`: a time inside a
 * spring-forward gap moves forward by the gap, an ambiguous autumn time takes the earlier instant).
 */
import { Temporal } from 'temporal-polyfill';

/**
 * Old IANA names browsers still hand out (ICU keeps them as canonical) and their current names.
 * Only the current name is offered, so nobody picks Asia/Calcutta beside Asia/Kolkata.
 */
export const RENAMED_TIME_ZONES: Record<string, string> = {
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Europe/Uzhgorod': 'Europe/Kyiv',
  'Europe/Zaporozhye': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** A zone under its current IANA name. */
export function currentZoneName(zone: string): string {
  return RENAMED_TIME_ZONES[zone] ?? zone;
}

/** The browser's own zone, e.g. `Europe/Paris`. */
export function browserTimeZone(): string {
  return currentZoneName(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

/** Every IANA zone the browser knows under its current name, `UTC` first. */
export function listTimeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const current = new Set(zones.map(currentZoneName).filter((z) => z !== 'UTC'));
  return ['UTC', ...[...current].sort()];
}

export function isValidTimeZone(zone: string): boolean {
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/** A wall-clock date and time, as `<input type=date>` and `<input type=time>` hold them. */
export type LocalDateTime = { date: string; time: string };

/** `{date: '2025-03-30', time: '02:30'}` → `'2025-03-30T02:30'`, the API's `schedule.localTime`. */
export function toLocalTimeString(local: LocalDateTime): string {
  return `${local.date}T${local.time}`;
}

/**
 * The instant a wall-clock time in `zone` stands for. Throws on an invalid date, time or zone.
 * A time that does not exist (spring-forward gap) resolves forward, as the API does; use
 * `describeLocalTime` to warn about it.
 */
export function zonedToInstant(local: LocalDateTime, zone: string): Date {
  const plain = Temporal.PlainDateTime.from(toLocalTimeString(local));
  const zoned = plain.toZonedDateTime(zone, { disambiguation: 'compatible' });
  return new Date(zoned.epochMilliseconds);
}

/** The wall-clock date and time of an instant in `zone`. */
export function instantToZoned(instant: Date | string, zone: string): LocalDateTime {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  const zoned = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${String(zoned.year).padStart(4, '0')}-${pad(zoned.month)}-${pad(zoned.day)}`,
    time: `${pad(zoned.hour)}:${pad(zoned.minute)}`,
  };
}

/** Whether a wall-clock time exists once, not at all (gap) or twice (overlap) in `zone`. */
export function describeLocalTime(local: LocalDateTime, zone: string): 'ok' | 'skipped' | 'ambiguous' {
  const plain = Temporal.PlainDateTime.from(toLocalTimeString(local));
  const earlier = plain.toZonedDateTime(zone, { disambiguation: 'earlier' });
  const later = plain.toZonedDateTime(zone, { disambiguation: 'later' });
  if (earlier.epochMilliseconds === later.epochMilliseconds) return 'ok';
  // In a gap, neither candidate shows the wall-clock time that was asked for.
  return earlier.toPlainDateTime().equals(plain) ? 'ambiguous' : 'skipped';
}

/** `GMT+2`, `GMT-5:30`, `GMT` for a zone at an instant. */
export function offsetLabel(zone: string, at: Date = new Date()): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  // ICU versions differ on zero offsets (`GMT` or `GMT+0`).
  return (part?.value ?? zone).replace(/^GMT[+-]0(:00)?$/, 'GMT');
}

/** A readable date and time of an instant in `zone`, e.g. `Tue, 4 Mar 2025, 14:05`. */
export function formatDateTime(
  instant: Date | string | null | undefined,
  zone: string,
  options: Intl.DateTimeFormatOptions = {},
): string {
  if (!instant) return '—';
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: zone,
    ...options,
  }).format(date);
}

/** `in 5 minutes`, `3 hours ago`: for times near now. */
export function formatRelative(instant: Date | string | null | undefined, now: Date = new Date()): string {
  if (!instant) return '';
  const ms = (typeof instant === 'string' ? Date.parse(instant) : instant.getTime()) - now.getTime();
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const abs = Math.abs(ms);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [unit, size] of units) {
    if (abs >= size) return rtf.format(Math.round(ms / size), unit);
  }
  return rtf.format(Math.round(ms / 1000), 'second');
}

/** The next whole quarter hour after `now` plus `leadMinutes`, as a wall-clock time in `zone`. */
export function nextSlot(zone: string, now: Date = new Date(), leadMinutes = 60): LocalDateTime {
  const quarter = 15 * 60_000;
  const at = new Date(Math.ceil((now.getTime() + leadMinutes * 60_000) / quarter) * quarter);
  return instantToZoned(at, zone);
}
