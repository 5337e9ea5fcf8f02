/**
 * Roll-up periods on a workspace's calendar: an hour, a day, a week or a month of the wall clock in
 * its time zone, as the two instants `[start, end)`. A DST day lasts 23 or 25 hours and its repeated
 * hour is two periods; a week starts on the workspace's first day of the week.
 */
import { Temporal } from 'temporal-polyfill';
import type { Granularity } from '../../db/schema.ts';

export type Calendar = { timeZone: string; weekStartsOn: number };
export type Period = { start: Date; end: Date; label: string };

const toDate = (z: Temporal.ZonedDateTime) => new Date(z.epochMilliseconds);

/** The period of `granularity` that contains `instant`. */
export function periodOf(instant: Date, granularity: Granularity, calendar: Calendar): Period {
  const zdt = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(calendar.timeZone);
  if (granularity === 'hour') {
    const start = zdt.round({ smallestUnit: 'hour', roundingMode: 'floor' });
    const label = `${start.toPlainDateTime().toString().slice(0, 13)}:00${start.offset}`;
    return { start: toDate(start), end: toDate(start.add({ hours: 1 })), label };
  }
  const date = zdt.toPlainDate();
  let first: Temporal.PlainDate;
  let next: Temporal.PlainDate;
  let label: string;
  if (granularity === 'day') {
    first = date;
    next = date.add({ days: 1 });
    label = first.toString();
  } else if (granularity === 'week') {
    first = date.subtract({ days: (date.dayOfWeek - calendar.weekStartsOn + 7) % 7 });
    next = first.add({ days: 7 });
    label = `week of ${first.toString()}`;
  } else {
    first = date.with({ day: 1 });
    next = first.add({ months: 1 });
    label = first.toString().slice(0, 7);
  }
  // startOfDay: where midnight falls in a DST gap, the day starts when the gap ends.
  const start = first.toZonedDateTime({ timeZone: calendar.timeZone });
  const end = next.toZonedDateTime({ timeZone: calendar.timeZone });
  return { start: toDate(start), end: toDate(end), label };
}

/** Every period overlapping `[from, to)`, in order; at most `limit` (null when there would be more). */
export function periodsBetween(
  from: Date,
  to: Date,
  granularity: Granularity,
  calendar: Calendar,
  limit: number,
): Period[] | null {
  const periods: Period[] = [];
  let cursor = from;
  while (cursor < to) {
    if (periods.length >= limit) return null;
    const period = periodOf(cursor, granularity, calendar);
    periods.push(period);
    cursor = period.end;
  }
  return periods;
}
