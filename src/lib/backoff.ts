/**
 * Exponential backoff, the one formula behind every wait before a retry: Qovery calls, sync runs waiting for a busy
 * sync or retrying after transient failures, notification deliveries and crashed queue jobs.
 */
export interface Backoff {
  /** the wait before the first retry, in whatever unit the caller counts */
  base: number;
  /** no wait is longer (before jitter) */
  cap: number;
  /** relative spread: 0.2 = anywhere from −20 % to +20 %; 0 (the default) = exact */
  jitter?: number;
}

/**
 * The wait before retry number `attempt` (1 = the first retry; lower counts as 1): `base · 2^(attempt − 1)`, at most
 * `cap`, then spread by ±`jitter` with `random` in [0, 1).
 */
export function backoffDelay(attempt: number, { base, cap, jitter = 0 }: Backoff, random = Math.random()): number {
  const exponential = Math.min(cap, base * 2 ** (Math.max(1, attempt) - 1));
  return exponential * (1 - jitter + 2 * jitter * random);
}
