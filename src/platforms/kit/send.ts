import { type AdapterContext, PlatformError } from '../types.ts';

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

/** A platform's reply, read whole: `body` is the parsed JSON, or null when the reply is not JSON. */
export type PlatformReply = { response: Response; text: string; body: unknown };

/**
 * One HTTP exchange with a platform, as every adapter makes it: through the adapter's `fetch` and
 * abort signal, following no redirects (an API that redirects is answering something else), the whole
 * reply read. A failure to get a reply becomes a transient `PlatformError`; what the reply means is
 * the adapter's to judge. `parse` replaces JSON.parse where a platform's JSON needs care.
 */
export async function sendToPlatform(
  ctx: AdapterContext,
  what: string,
  url: string | URL,
  init: { method: string; headers: Record<string, string>; body?: BodyInit | null | undefined },
  options: { parse?: (text: string) => unknown } = {},
): Promise<PlatformReply> {
  let response: Response;
  let text: string;
  try {
    response = await ctx.fetch(url, {
      ...init,
      body: init.body ?? null,
      signal: ctx.signal ?? null,
      redirect: 'manual',
    });
    text = await response.text();
  } catch (error) {
    throw networkFailure(what, error, ctx.signal);
  }
  let body: unknown = null;
  try {
    body = text ? (options.parse ?? JSON.parse)(text) : null;
  } catch {
    // Not JSON (a proxy's error page, XML from a media store): judged by the status alone.
  }
  return { response, text, body };
}
