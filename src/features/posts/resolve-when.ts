import { AppError, invalidField } from '../../errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { isStorableInstant, isTimeZone, localTimeToInstant, storableRange } from '../../lib/time.ts';

/** Scheduling slack: a time this far in the past is accepted as "now" (clock skew, slow forms). */
const PAST_TOLERANCE_MS = 60_000;

/**
 * The instant a post should go out, from an RFC 3339 `scheduledAt`, a local time in an IANA zone, or
 * `publishNow`. Null when none was given (a draft).
 */
export function resolveWhen(
  clock: Clock,
  input: {
    scheduledAt?: string | undefined;
    schedule?: { localTime: string; timezone: string } | undefined;
    publishNow?: boolean | undefined;
  },
): { at: Date; timezone: string | null } | null {
  const given = [input.scheduledAt, input.schedule, input.publishNow ? true : undefined].filter(
    (v) => v !== undefined,
  );
  if (given.length > 1) {
    throw new AppError('invalid', 'give only one of scheduledAt, schedule and publishNow', {
      issues: [{ path: 'scheduledAt', message: 'conflicts with schedule/publishNow' }],
    });
  }
  const now = clock.now();
  if (input.publishNow) return { at: now, timezone: null };
  let at: Date;
  let timezone: string | null = null;
  if (input.scheduledAt) {
    at = new Date(input.scheduledAt);
  } else if (input.schedule) {
    if (!isTimeZone(input.schedule.timezone)) {
      throw invalidField('schedule.timezone', `unknown IANA time zone "${input.schedule.timezone}"`);
    }
    const instant = localTimeToInstant(input.schedule.localTime, input.schedule.timezone);
    if (!instant)
      throw invalidField('schedule.localTime', 'must be a valid date and time as YYYY-MM-DDTHH:mm');
    at = instant;
    timezone = input.schedule.timezone;
  } else {
    return null;
  }
  // The HTTP schema checks scheduledAt already; a local time's instant is known only here.
  if (!isStorableInstant(at)) {
    throw invalidField(
      input.scheduledAt ? 'scheduledAt' : 'schedule.localTime',
      `must fall within ${storableRange}`,
    );
  }
  if (at.getTime() < now.getTime() - PAST_TOLERANCE_MS) {
    throw invalidField(
      input.scheduledAt ? 'scheduledAt' : 'schedule.localTime',
      `${at.toISOString()} is in the past; pick a future time or use publishNow`,
    );
  }
  return { at: at < now ? now : at, timezone };
}
