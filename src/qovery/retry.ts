/** When and how long to wait before retrying a Qovery call. Pure functions of the failure, the attempt and the policy. */
import { backoffDelay } from "../lib/backoff";
import { QoveryError, QoveryRateLimitError, type QoveryErrorKind } from "./errors";
import type { RetryPolicy } from "./types";

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.2,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: () => Date.now(),
};

/**
 * How long the server asked to wait: `Retry-After` (seconds or an HTTP date), else `X-RateLimit-Reset` (a Unix
 * timestamp in seconds as Qovery documents it; small numbers are read as seconds from now). Null when neither says.
 */
export function serverRetryDelayMs(headers: Headers, nowMs: number): number | null {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    return value > 1_000_000_000 ? Math.max(0, value * 1000 - nowMs) : value * 1000;
  }
  return null;
}

/** Exponential backoff for the retry after `attempt` (1-based), capped, spread by ±jitter. */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "jitter">, random: number): number {
  return Math.round(backoffDelay(attempt, { base: policy.baseDelayMs, cap: policy.maxDelayMs, jitter: policy.jitter }, random));
}

/** A server-requested wait, lengthened by up to +jitter so that many clients do not return in the same instant. */
export function serverDelayWithJitterMs(requestedMs: number, jitter: number, random: number): number {
  return Math.round(requestedMs * (1 + jitter * random));
}

/** Failures after which the request may or may not have been applied. */
const AMBIGUOUS: ReadonlySet<QoveryErrorKind> = new Set(["qovery_upstream", "qovery_network", "qovery_timeout"]);

export function isAmbiguous(error: QoveryError): boolean {
  if (!AMBIGUOUS.has(error.kind)) return false;
  // an upstream error with a 2xx status is a malformed answer to an applied request: retrying cannot help
  return error.status === null || error.status >= 500;
}

/**
 * The wait before retrying after `error`, or null to give up now. Rate limits are retried for every method (the
 * request was refused, not applied). Ambiguous failures are retried only when repeating the request is safe: for
 * idempotent methods, or when the caller checks first whether the previous try landed.
 */
export function retryDelayMs(error: QoveryError, attempt: number, policy: RetryPolicy, repeatIsSafe: boolean): number | null {
  if (attempt >= policy.maxAttempts) return null;
  if (error instanceof QoveryRateLimitError) {
    if (error.retryAfterMs === null) return backoffDelayMs(attempt, policy, policy.random());
    if (error.retryAfterMs > policy.maxDelayMs) return null;
    return Math.min(policy.maxDelayMs, serverDelayWithJitterMs(error.retryAfterMs, policy.jitter, policy.random()));
  }
  if (isAmbiguous(error) && repeatIsSafe) return backoffDelayMs(attempt, policy, policy.random());
  return null;
}
