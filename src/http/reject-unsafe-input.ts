/**
 * Input no route can store or walk safely, refused at the edge for every route, before validation,
 * with a 400 naming where it was:
 * - nesting deeper than `MAX_DEPTH`: anything recursive further on (zod, `JSON.stringify` into a
 *   jsonb column, this walk if it recursed) would overflow the stack and answer 500;
 * - a NUL character: PostgreSQL cannot store one in text or JSON;
 * - ill-formed UTF-16 (a lone surrogate such as `\ud800`, which JSON's `\u` escapes can spell):
 *   PostgreSQL refuses it in JSON and silently turns it into U+FFFD in text. One rule for every field,
 *   keys included: refused, not repaired.
 *
 * The body's size is bounded before this runs (Fastify's `bodyLimit`, a 413), and the walk is
 * iterative, so neither a huge nor a deep value can exhaust the stack here.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/** The deepest nesting of arrays and objects accepted in a request (Herald's own schemas use < 10). */
export const MAX_DEPTH = 64;

export type UnsafeInput = { path: string; problem: 'nul' | 'surrogate' | 'depth' };

/** Why a string cannot be stored, or null. */
function stringProblem(text: string): 'nul' | 'surrogate' | null {
  if (text.includes('\u0000')) return 'nul';
  if (!text.isWellFormed()) return 'surrogate';
  return null;
}

/** A key as it can be shown in a path (an ill-formed one with its lone surrogates replaced). */
const showKey = (key: string) => key.toWellFormed().replaceAll('\u0000', '\\u0000');

/** A container being walked: its keys (null for an array), the next index, and its path segment. */
type Frame = {
  container: unknown[] | Record<string, unknown>;
  keys: string[] | null;
  next: number;
  segment: string;
};

const frameOf = (container: object, segment: string): Frame =>
  Array.isArray(container)
    ? { container, keys: null, next: 0, segment }
    : { container: container as Record<string, unknown>, keys: Object.keys(container), next: 0, segment };

/**
 * The first place in `value` (depth first, in document order) that cannot be stored or is nested
 * deeper than `MAX_DEPTH`, or null. Iterative, with one frame per array or object (none per string
 * or number), and paths spelled out only for the place found: safe and quick on any depth or width.
 */
export function findUnsafeInput(value: unknown, root: string): UnsafeInput | null {
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    return problem ? { path: root, problem } : null;
  }
  if (!value || typeof value !== 'object') return null;
  const frames: Frame[] = [frameOf(value, root)];
  const pathTo = (key: string | number) =>
    [...frames.map((f) => f.segment), typeof key === 'string' ? showKey(key) : String(key)].join('.');
  while (frames.length) {
    const frame = frames[frames.length - 1]!;
    const { container, keys } = frame;
    const size = keys ? keys.length : (container as unknown[]).length;
    let descended = false;
    let index = frame.next;
    for (; index < size; index++) {
      const key = keys ? keys[index]! : index;
      if (keys) {
        const problem = stringProblem(key as string);
        if (problem) return { path: pathTo(key), problem };
      }
      const child = (container as Record<string | number, unknown>)[key];
      if (typeof child === 'string') {
        const problem = stringProblem(child);
        if (problem) return { path: pathTo(key), problem };
      } else if (child && typeof child === 'object') {
        // The root is at depth 0, so the child is at depth frames.length.
        if (frames.length >= MAX_DEPTH) return { path: pathTo(key), problem: 'depth' };
        frame.next = index + 1;
        frames.push(frameOf(child, typeof key === 'string' ? showKey(key) : String(key)));
        descended = true;
        break;
      }
    }
    if (!descended) frames.pop();
  }
  return null;
}

const explanation: Record<UnsafeInput['problem'], string> = {
  nul: 'must not contain the NUL character (\\u0000)',
  surrogate: 'must be well-formed Unicode: it contains a lone surrogate (e.g. \\ud800)',
  depth: `is nested too deeply (at most ${MAX_DEPTH} levels of arrays and objects)`,
};

/** The 400 for unsafe input at `path`. */
export function refuseUnsafeInput(found: UnsafeInput): AppError {
  const message = explanation[found.problem];
  return new AppError('bad_request', `${found.path}: ${message}`, {
    issues: [{ path: found.path, message }],
  });
}

/** Refuses one string field that did not come through the JSON body (a multipart part). */
export function checkText(text: string, path: string): void {
  const problem = stringProblem(text);
  if (problem) throw refuseUnsafeInput({ path, problem });
}

export function installUnsafeInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found =
      findUnsafeInput(request.params, 'params') ??
      findUnsafeInput(request.query, 'querystring') ??
      findUnsafeInput(request.body, 'body');
    if (found) throw refuseUnsafeInput(found);
  });
}
