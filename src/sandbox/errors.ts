/**
 * The sandbox's own error replies, shaped like a real platform's: `{"error": {"code", "message",
 * "field"?}}`. Handlers throw Herald's `AppError`; this module maps its codes to the sandbox's wire
 * codes in one place. (The token endpoint answers in RFC 6749 §5.2 form instead; see oauth.routes.ts.)
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../errors.ts';

const wireCodes: Record<ErrorCode, string> = {
  invalid: 'invalid_request',
  bad_request: 'invalid_request',
  unauthenticated: 'invalid_token',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'duplicate',
  payload_too_large: 'payload_too_large',
  unsupported_media_type: 'unsupported_media_type',
  rate_limited: 'rate_limited',
  unavailable: 'unavailable',
  internal: 'server_error',
};

export type SandboxErrorBody = { error: { code: string; message: string; field?: string } };

export function sendSandboxError(
  reply: FastifyReply,
  options: { status: number; code: string; message: string; field?: string | undefined },
): FastifyReply {
  const body: SandboxErrorBody = { error: { code: options.code, message: options.message } };
  if (options.field) body.error.field = options.field;
  return reply.status(options.status).type('application/json; charset=utf-8').send(body);
}

/** `invalidField('text', 'must be 1 to 500 characters')` → 422 with the field named. */
export const invalidRequest = (field: string, message: string) =>
  new AppError('invalid', `${field}: ${message}`, { field });

/** A 401 for API calls; `missing` omits the error code, as RFC 6750 §3.1 asks when no token was sent. */
export const invalidToken = (message: string, options: { missing?: boolean } = {}) =>
  new AppError('unauthenticated', message, { missing: options.missing ?? false });

export function bearerChallenge(error: AppError): string {
  return error.details?.missing ? 'Bearer realm="sandbox"' : 'Bearer realm="sandbox", error="invalid_token"';
}

function statusCode(status: number): string {
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 429) return 'rate_limited';
  return 'invalid_request';
}

export function installSandboxErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.code === 'unauthenticated') reply.header('www-authenticate', bearerChallenge(error));
      const retryAfter = error.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      const field = error.details?.field;
      return sendSandboxError(reply, {
        status: error.status,
        code: wireCodes[error.code],
        message: error.message,
        field: typeof field === 'string' ? field : undefined,
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const where = error.validationContext ?? 'body';
      const field = path ? `${where}.${path}` : where;
      return sendSandboxError(reply, {
        status: 400,
        code: 'invalid_request',
        message: `${field}: ${first?.message ?? 'invalid'}`,
        field,
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendSandboxError(reply, { status, code: statusCode(status), message: error.message });
    }
    request.log.error({ err: error }, 'sandbox: unhandled error');
    return sendSandboxError(reply, { status: 500, code: 'server_error', message: 'the sandbox failed' });
  });
}
