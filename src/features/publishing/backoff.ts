/**
 * Delay before retry number `attempt` (1-based) after a transient failure: exponential from the base,
 * capped at an hour, with ±25% jitter so a platform outage doesn't bring every retry back at once.
 */
export function retryDelayMs(options: {
  attempt: number;
  baseSeconds: number;
  random?: () => number;
}): number {
  const random = options.random ?? Math.random;
  const exponential = options.baseSeconds * 1000 * 2 ** Math.max(0, options.attempt - 1);
  const capped = Math.min(exponential, 60 * 60_000);
  return Math.round(capped * (0.75 + random() * 0.5));
}
