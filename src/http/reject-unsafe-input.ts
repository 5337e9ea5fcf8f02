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

/**
 * The first place in `value` (depth first, in document order) that cannot be stored or is nested
 * deeper than `MAX_DEPTH`, or null. Iterative: safe on any depth.
 */
export function findUnsafeInput(value: unknown, root: string): UnsafeInput | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length) {
    const node = stack.pop()!;
    if (typeof node.value === 'string') {
      const problem = stringProblem(node.value);
      if (problem) return { path: node.path, problem };
      continue;
    }
    if (!node.value || typeof node.value !== 'object') continue;
    if (node.depth >= MAX_DEPTH) return { path: node.path, problem: 'depth' };
    const children: { value: unknown; path: string; depth: number }[] = [];
    if (Array.isArray(node.value)) {
      node.value.forEach((item, i) =>
        children.push({ value: item, path: `${node.path}.${i}`, depth: node.depth + 1 }),
      );
    } else {
      for (const [key, item] of Object.entries(node.value)) {
        const path = `${node.path}.${showKey(key)}`;
        const problem = stringProblem(key);
        if (problem) return { path, problem };
        children.push({ value: item, path, depth: node.depth + 1 });
      }
    }
    // Reversed onto the stack, so the first child is looked at first.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
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
