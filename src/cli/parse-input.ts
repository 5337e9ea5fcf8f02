/** Validates command-line input with the API's own zod schemas, naming the flag in the message. */
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { AppError } from '../errors.ts';

/** API field path → the flag that sets it, e.g. `{ content: '--text' }`. */
export type FlagNames = Record<string, string>;

/** `channelIds: …` → `--channel (channelIds): …` when the field has a flag; unchanged otherwise. */
export function labelField(field: string, flags: FlagNames): string {
  const flag = flags[field] ?? flags[field.split('.')[0]!];
  if (!flag) return field || 'input';
  return field && flag.replace(/^-+/, '') !== field ? `${flag} (${field})` : flag;
}

/** Parses `value` with `schema`; on failure throws `invalid` naming the first bad flag. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  flags: FlagNames = {},
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0]!;
  throw new AppError('invalid', `${labelField(first.path, flags)}: ${first.message}`, { issues });
}

/**
 * Rewrites a use-case's `invalid` error that starts with an API field name (`channelIds: pick at
 * least one channel`) to name the flag as well; other errors pass through.
 */
export function withFlagNames(error: unknown, flags: FlagNames): unknown {
  if (!(error instanceof AppError) || error.code !== 'invalid') return error;
  const match = /^([\w.]+): /.exec(error.message);
  if (!match || !(match[1]! in flags || match[1]!.split('.')[0]! in flags)) return error;
  const renamed = `${labelField(match[1]!, flags)}: ${error.message.slice(match[0].length)}`;
  return new AppError(error.code, renamed, error.details);
}

/** Commander's collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Commander's parser for a positive whole number. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}
