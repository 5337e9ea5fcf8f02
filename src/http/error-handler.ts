/** Maps every error to Herald's one reply shape: `{"error": {"code", "message", "details"}}`. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../errors.ts';

type Issue = { path: string; message: string };

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
      return reply.status(400).send({
        error: {
          code: 'invalid',
          message: first ? `${first.path}: ${first.message}` : 'invalid request',
          details: { issues },
        },
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code =
        status === 413
          ? 'payload_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : status === 429
              ? 'rate_limited'
              : status === 404
                ? 'not_found'
                : 'bad_request';
      return reply.status(status).send({ error: { code, message: error.message, details: null } });
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
