/**
 * The typed API client. Cookie session with CSRF: every non-GET request carries the session's token
 * in `X-CSRF-Token` (from the login/setup reply, or `GET /api/me` after a reload).
 */
import createClient from 'openapi-fetch';
import type { ApiPaths } from './paths';

/** An error reply of the API (`{"error": {code, message, details}}`), or a network failure. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | null;

  constructor(options: {
    status: number;
    code: string;
    message: string;
    details?: Record<string, unknown> | null;
  }) {
    super(options.message);
    this.status = options.status;
    this.code = options.code;
    this.details = options.details ?? null;
  }

  /** Field-level problems the API listed in `details.issues`, keyed by field path. */
  get fieldIssues(): { path: string; message: string }[] {
    const issues = this.details?.issues;
    return Array.isArray(issues) ? (issues as { path: string; message: string }[]) : [];
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Fired when the API says the session is gone, so the app can show the login page. */
export const UNAUTHENTICATED_EVENT = 'herald:unauthenticated';

export const api = createClient<ApiPaths>({ baseUrl: '', credentials: 'same-origin' });

api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken) {
      request.headers.set('X-CSRF-Token', csrfToken);
    }
    return request;
  },
  onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    if (response.status === 401 && path !== '/api/me' && path !== '/api/auth/login') {
      window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
    }
    return response;
  },
});

type Result<D> = { data?: D; error?: unknown; response: Response };

function toApiError(error: unknown, response: Response): ApiError {
  const body = (error as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
    ?.error;
  return new ApiError({
    status: response.status,
    code: body?.code ?? `http_${response.status}`,
    message: body?.message ?? `The server answered ${response.status} ${response.statusText}`.trim(),
    details: body?.details ?? null,
  });
}

/** Awaits an openapi-fetch call and returns its data, or throws an `ApiError` with the API's message. */
export async function unwrap<D>(call: Promise<Result<D>>): Promise<D> {
  let result: Result<D>;
  try {
    result = await call;
  } catch (cause) {
    throw new ApiError({
      status: 0,
      code: 'network',
      message: `Herald could not be reached (${(cause as Error).message}). Check that the server is running and try again.`,
    });
  }
  if (result.error !== undefined || !result.response.ok) throw toApiError(result.error, result.response);
  return result.data as D;
}

/** The message to show for any error thrown by a query or mutation. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
