/**
 * `Idempotency-Key` for creating requests: the first request with a key runs and its reply is kept;
 * a repeat with the same key and body gets the same reply without running again (header
 * `Idempotent-Replayed: true`); the same key with another body is refused.
 */
import { and, eq } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sha256 } from '../crypto/hashing.ts';
import { idempotencyKeys } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';

const KEY = /^[\w.:-]{1,255}$/;

export async function idempotent<T>(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  run: () => Promise<{ status: number; body: T }>,
): Promise<T> {
  const key = request.headers['idempotency-key'];
  if (key === undefined) {
    const result = await run();
    reply.status(result.status);
    return result.body;
  }
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new AppError('bad_request', 'Idempotency-Key: use 1-255 letters, digits, ".", ":", "_" or "-"');
  }
  const scope = `${request.auth?.userId ?? 'anonymous'} ${request.method} ${request.routeOptions.url} ${JSON.stringify(request.params)}`;
  const requestHash = sha256(JSON.stringify(request.body ?? null));
  const [claimed] = await deps.db
    .insert(idempotencyKeys)
    .values({ scope, key, requestHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  const where = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key));
  if (!claimed) {
    const [previous] = await deps.db.select().from(idempotencyKeys).where(where);
    if (!previous)
      throw new AppError(
        'conflict',
        'Idempotency-Key: the earlier request with this key just failed; send it again',
      );
    if (previous.requestHash !== requestHash) {
      throw new AppError(
        'invalid',
        'Idempotency-Key: this key was already used with a different request body',
      );
    }
    if (previous.statusCode === null) {
      throw new AppError('conflict', 'Idempotency-Key: a request with this key is still being processed');
    }
    // Already in wire form: bypass the schema serializer, which expects Dates.
    reply
      .status(previous.statusCode)
      .header('idempotent-replayed', 'true')
      .type('application/json')
      .serializer((payload: unknown) => JSON.stringify(payload));
    return previous.responseBody as T;
  }
  try {
    const result = await run();
    // Stored as the client saw it, so a replay is byte-for-byte the same answer.
    const body = JSON.parse(JSON.stringify(result.body)) as unknown;
    await deps.db.update(idempotencyKeys).set({ statusCode: result.status, responseBody: body }).where(where);
    reply.status(result.status);
    return result.body;
  } catch (error) {
    await deps.db.delete(idempotencyKeys).where(where);
    throw error;
  }
}
