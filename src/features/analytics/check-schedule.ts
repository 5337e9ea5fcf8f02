/**
 * The check-back schedule of a tracked post: when each check is due. Decided here, as pure
 * functions; `record_check_completion` (migration 0006) moves a post along it.
 *
 * Each check is due at publish time + its offset + a jitter, so that 10,000 posts published at 9:00
 * do not all check at 10:00:00. The jitter is a fraction of the offset, bounded by `MAX_JITTER_MS`,
 * and derived from the tracked post's id and the check's index: stable for one post (a retry or a
 * restart computes the same time) and spread evenly across posts.
 */
import { createHash } from 'node:crypto';
import { invalidField } from '../../errors.ts';

/** A check's jitter is at most this fraction of its offset… */
export const JITTER_FRACTION = 0.1;
/** …and never more than this. */
export const MAX_JITTER_MS = 15 * 60_000;
/** The longest offset a schedule may hold (a year). */
const MAX_OFFSET_MINUTES = 366 * 24 * 60;

/** A number in `[0, 1)` from the post's id and the check's index. */
function unitHash(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}

/** The jitter of check `index` (offset `offsetMinutes`) of tracked post `id`, in `[0, bound)`. */
export function jitterMs(options: { id: string; index: number; offsetMinutes: number }): number {
  const bound = Math.min(options.offsetMinutes * 60_000 * JITTER_FRACTION, MAX_JITTER_MS);
  return Math.floor(unitHash(`${options.id}:${options.index}`) * bound);
}

/** When each check of the schedule is due. */
export function checkDueTimes(options: { id: string; publishedAt: Date; offsetsMinutes: number[] }): Date[] {
  return options.offsetsMinutes.map(
    (offsetMinutes, index) =>
      new Date(
        options.publishedAt.getTime() +
          offsetMinutes * 60_000 +
          jitterMs({ id: options.id, index, offsetMinutes }),
      ),
  );
}

/**
 * The index of the first check still ahead at `now`. A post tracked late (an external post, or one
 * tracked after Herald was down) takes one check at once in place of those already passed.
 */
export function firstCheckIndex(dueAt: Date[], now: Date): number {
  const ahead = dueAt.findIndex((d) => d > now);
  if (ahead === -1) return dueAt.length - 1;
  return ahead > 0 ? ahead - 1 : 0;
}

const ENTRY = /^(\d{1,6})\s*(m|min|h|d)$/;
const UNIT_MINUTES = { m: 1, min: 1, h: 60, d: 1440 } as const;

/** "1h", "6h", "3d", "90m" → minutes. */
export function parseScheduleEntry(value: string): number | null {
  const m = ENTRY.exec(value.trim().toLowerCase());
  if (!m) return null;
  return Number(m[1]) * UNIT_MINUTES[m[2] as keyof typeof UNIT_MINUTES];
}

/** Minutes → the shortest of "90m", "6h", "3d". */
export function formatScheduleEntry(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** A schedule as typed by a person, checked and sorted (refused naming `field`). */
export function parseSchedule(entries: string[], field: string): number[] {
  if (entries.length < 1 || entries.length > 20) throw invalidField(field, 'must have 1 to 20 checks');
  const minutes = entries.map((entry, i) => {
    const value = parseScheduleEntry(entry);
    if (value === null || value < 1 || value > MAX_OFFSET_MINUTES) {
      throw invalidField(
        `${field}.${i}`,
        `"${entry}" is not a delay like "90m", "6h" or "3d" (up to a year)`,
      );
    }
    return value;
  });
  const sorted = [...new Set(minutes)].sort((a, b) => a - b);
  if (sorted.length !== minutes.length) throw invalidField(field, 'must not repeat a delay');
  return sorted;
}
