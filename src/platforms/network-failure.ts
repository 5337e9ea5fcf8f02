import { PlatformError } from './types.ts';

/**
 * What a failed `fetch` means for every adapter: the request may or may not have reached the
 * platform, so it is `transient` (the engine reconciles before trying again). Says whether it was an
 * abort or timeout, and the system error code when there is one; never includes the request itself.
 */
export function networkFailure(what: string, error: unknown, signal: AbortSignal | undefined): PlatformError {
  if (error instanceof PlatformError) return error;
  const name = error instanceof Error ? error.name : '';
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const why =
    signal?.aborted || name === 'AbortError' || name === 'TimeoutError'
      ? 'the request was aborted or timed out'
      : `network error${typeof cause === 'string' ? ` (${cause})` : ''}`;
  return new PlatformError({ kind: 'transient', message: `${what}: ${why}` });
}
