/**
 * PostgreSQL cannot store a NUL character in text or JSON, so one would fail deep in a query as a
 * 500. Refused here, for every route, before validation: 400 naming where it was.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/** The path of the first string containing NUL inside `value`, or null. */
export function findNul(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findNul(item, `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = findNul(key, `${path}.${key}`) ?? findNul(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

export function rejectNul(path: string): AppError {
  return new AppError('bad_request', `${path}: must not contain the NUL character (\\u0000)`, {
    issues: [{ path, message: 'must not contain the NUL character' }],
  });
}

export function installNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found =
      findNul(request.params, 'params') ??
      findNul(request.query, 'querystring') ??
      findNul(request.body, 'body');
    if (found) throw rejectNul(found);
  });
}
