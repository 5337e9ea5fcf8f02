/**
 * Maps every error to Herald's one reply shape: `{"error": {"code", "message", "details"}}` — the
 * app's own, schema validation, and the replies Fastify and Node's HTTP server make themselves (a
 * route not found, a malformed URL, bad JSON, a wrong content type, a body or header too large).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../errors.ts';

type Issue = { path: string; message: string };

/** The error code of a 4xx Herald did not raise itself (Fastify's, or Node's HTTP parser's). */
function clientErrorCode(status: number): ErrorCode {
  switch (status) {
    case 404:
      return 'not_found';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return 'bad_request';
  }
}

const errorBody = (code: string, message: string, details: Record<string, unknown> | null = null) => ({
  error: { code, message, details },
});

/**
 * Fastify's `frameworkErrors`: errors its router raises before any route or hook runs (a malformed
 * percent-encoding, a path parameter over `maxParamLength`).
 */
export function frameworkErrorReply(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.status(status).send(errorBody(clientErrorCode(status), error.message));
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before Fastify sees a request (a
 * URL or headers over 16 KiB → 431, a request that is not HTTP → 400, a client too slow → 408).
 * Written to the socket by hand, as nothing above it exists yet.
 */
export function clientErrorReply(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Not the error itself: Node attaches the raw request bytes (cookies, CSRF token) to it.
  this.log.debug({ code: error.code }, 'client error refused before routing');
  const [status, code, message]: [number, string, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'bad_request', 'the request line or headers are too large (a URL or headers over 16 KiB)']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'bad_request', 'the request took too long to arrive']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function zodIssues(error: FastifyError): Issue[] {
  const validation = (error.validation ?? []) as unknown as {
    instancePath?: string;
    message?: string;
    params?: { issue?: { path?: (string | number)[]; message?: string } };
  }[];
  const where = error.validationContext ?? 'body';
  return validation.map((v) => {
    const issuePath = v.params?.issue?.path;
    const field = issuePath?.length
      ? issuePath.join('.')
      : (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    return {
      path: field ? `${where}.${field}` : where,
      message: v.params?.issue?.message ?? v.message ?? 'invalid',
    };
  });
}

/** A validation issue raised by a refinement with `unprocessable` params (see `http/schemas.ts`). */
const isUnprocessable = (issue: { params?: Record<string, unknown> }) =>
  (issue.params?.params as { unprocessable?: unknown } | undefined)?.unprocessable === true;

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      const retryAfter = error.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.status(error.status).send({
        error: { code: error.code, message: error.message, details: error.details ?? null },
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = zodIssues(error);
      const first = issues[0];
      // A malformed request (a wrong type, a missing field, a bad format) is a 400; a well-formed
      // value refused by a rule marked `unprocessable` (a date PostgreSQL cannot store, an id listed
      // twice) is a 422, as when a use-case refuses it.
      const status = error.validation.every(isUnprocessable) ? 422 : 400;
      return reply.status(status).send({
        error: {
          code: 'invalid',
          message: first ? `${first.path}: ${first.message}` : 'invalid request',
          details: { issues },
        },
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send(errorBody(clientErrorCode(status), error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({
      error: {
        code: 'internal',
        message: 'something went wrong on our side; it has been logged',
        details: null,
      },
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: 'not_found',
        message: `no route for ${request.method} ${request.url.split('?')[0]}`,
        details: null,
      },
    }),
  );
}
