/**
 * Herald's one error type. Use-cases throw it with a code; the HTTP layer maps codes to statuses in
 * one place (src/http/error-handler.ts) and the CLI prints the message.
 */
export const errorCodes = {
  invalid: 422,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorCodes[this.code];
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

/** An invalid value in a named field: `invalidField('scheduledAt', 'must be in the future')`. */
export const invalidField = (field: string, message: string) =>
  new AppError('invalid', `${field}: ${message}`, { issues: [{ path: field, message }] });
