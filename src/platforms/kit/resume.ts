import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';

/** How many runs a publish may be resumed after a failure before it is left to the engine's retries. */
export const MAX_RESUMES = 5;
/** The first resume waits this long, each next one twice as long. */
const RESUME_BASE_DELAY_MS = 5_000;

/** What an adapter keeps in its pending state for the resume policy. */
export type ResumeCounters = {
  /** Runs resumed after a failure so far. */
  resumes: number;
  /** Whether a run already came back once after an `auth` failure (only where `retryAuth`). */
  authRetried?: boolean;
};

export type PendingAfterFailure = {
  status: 'pending';
  state: Record<string, unknown>;
  retryAfterMs: number;
  rateLimit?: RateLimitInfo;
};

/**
 * The one resume-after-failure policy of a multi-step publish (uploads, containers, thread parts).
 *
 * When something already exists on the platform (`hasProgress`) and the failure is one a later run
 * can get past (`transient`, `rate_limited`), the progress is kept as `pending` state instead of
 * starting over: after the platform's reset for a rate limit, else after 5 s, 10 s, 20 s… up to
 * `maxResumes` times. With `retryAuth`, an `auth` failure with progress comes back once at once (the
 * engine refreshes the credentials for the new run). Otherwise the error goes to the engine; when
 * `published` names parts that did go out and the error is final (`invalid`, `duplicate`), the
 * message names them, since nothing will undo them.
 */
export function resumeAfterFailure<S extends ResumeCounters>(
  ctx: AdapterContext,
  options: {
    state: S;
    error: unknown;
    hasProgress: boolean;
    maxResumes?: number;
    retryAuth?: boolean;
    published?: string[];
  },
): PendingAfterFailure {
  const { state, error, hasProgress } = options;
  if (!(error instanceof PlatformError)) throw error;
  const pending = (retryAfterMs: number): PendingAfterFailure => ({
    status: 'pending',
    state: { ...state },
    retryAfterMs,
    ...(error.rateLimit ? { rateLimit: error.rateLimit } : {}),
  });
  if (hasProgress && (error.kind === 'transient' || error.kind === 'rate_limited')) {
    state.resumes++;
    if (state.resumes <= (options.maxResumes ?? MAX_RESUMES)) {
      return pending(
        error.kind === 'rate_limited' && error.retryAfter
          ? Math.max(0, error.retryAfter.getTime() - ctx.now().getTime())
          : RESUME_BASE_DELAY_MS * 2 ** (state.resumes - 1),
      );
    }
  }
  if (options.retryAuth && hasProgress && error.kind === 'auth' && !state.authRetried) {
    state.authRetried = true;
    return pending(0);
  }
  const published = options.published ?? [];
  if (published.length && (error.kind === 'invalid' || error.kind === 'duplicate')) {
    throw new PlatformError({
      kind: error.kind,
      code: error.code,
      status: error.status,
      rateLimit: error.rateLimit,
      message: `${error.message} (already published: ${published.join(', ')})`,
    });
  }
  throw error;
}
