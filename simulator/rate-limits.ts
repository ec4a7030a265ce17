/**
 * Per-token rate limits and usage counts. Two limits, each off unless configured: Qovery's documented quota (a number
 * of requests per fixed window, 1,000 per hour in its docs, announced in `X-RateLimit-*` headers) and a token bucket
 * (requests per second with a burst) answering 429 with `Retry-After`. Every call of every token is counted per
 * window, limits or not, so tests and benches can assert what a client did in each window.
 */
import { z } from "zod";
import { takeToken, type RateLimitConfig, type TokenBucket } from "./faults.ts";

export const windowLimitSchema = z.object({
  /** requests accepted per token and window */
  limit: z.number().int().min(1).max(1_000_000),
  /** fixed windows aligned to the Unix epoch (so a full hour is 10:00–11:00) */
  windowSeconds: z.number().int().min(1).max(86_400).default(3600),
});

export type WindowLimitConfig = z.output<typeof windowLimitSchema>;

/** Usage is counted in windows of this length when no window limit says otherwise. */
export const DEFAULT_USAGE_WINDOW_SECONDS = 3600;
/** Usage windows kept per token; older ones are forgotten. */
export const MAX_USAGE_WINDOWS = 500;

export interface WindowUsage {
  startMs: number;
  endMs: number;
  /** every call that reached the limits */
  calls: number;
  accepted: number;
  refusedByWindowLimit: number;
  refusedByTokenBucket: number;
}

export interface TokenUsage {
  bucket: TokenBucket | undefined;
  windows: WindowUsage[];
}

export const newTokenUsage = (): TokenUsage => ({ bucket: undefined, windows: [] });

export interface Limits {
  windowLimit: WindowLimitConfig | null;
  tokenBucket: RateLimitConfig | null;
}

export interface Admission {
  /** `X-RateLimit-*`, and `Retry-After` on a refusal: sent with the answer, whatever it is */
  headers: Record<string, string>;
  refusedBy: "hourly-limit" | "rate-limit" | null;
}

function currentWindow(usage: TokenUsage, windowMs: number, nowMs: number): WindowUsage {
  const startMs = Math.floor(nowMs / windowMs) * windowMs;
  const last = usage.windows.at(-1);
  if (last?.startMs === startMs && last.endMs === startMs + windowMs) return last;
  const window = { startMs, endMs: startMs + windowMs, calls: 0, accepted: 0, refusedByWindowLimit: 0, refusedByTokenBucket: 0 };
  usage.windows.push(window);
  if (usage.windows.length > MAX_USAGE_WINDOWS) usage.windows.shift();
  return window;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Counts one call of a token and decides whether the limits let it through. */
export function admit(limits: Limits, usage: TokenUsage, nowMs: number): Admission {
  const windowMs = (limits.windowLimit?.windowSeconds ?? DEFAULT_USAGE_WINDOW_SECONDS) * 1000;
  const window = currentWindow(usage, windowMs, nowMs);
  window.calls += 1;
  const quotaHeaders = (accepted: number): Record<string, string> =>
    limits.windowLimit
      ? {
          "X-RateLimit-Limit": String(limits.windowLimit.limit),
          "X-RateLimit-Remaining": String(Math.max(0, limits.windowLimit.limit - accepted)),
          "X-RateLimit-Reset": String(Math.ceil(window.endMs / 1000)),
        }
      : {};

  if (limits.windowLimit && window.accepted >= limits.windowLimit.limit) {
    window.refusedByWindowLimit += 1;
    return { headers: { ...quotaHeaders(window.accepted), "Retry-After": String(seconds(window.endMs - nowMs)) }, refusedBy: "hourly-limit" };
  }
  let bucketHeaders: Record<string, string> = {};
  if (limits.tokenBucket) {
    const decision = takeToken(limits.tokenBucket, usage.bucket, nowMs);
    usage.bucket = decision.bucket;
    // Without a window limit the bucket is the only limit, and the X-RateLimit-* headers describe it.
    if (!limits.windowLimit) {
      bucketHeaders = {
        "X-RateLimit-Limit": String(limits.tokenBucket.limit),
        "X-RateLimit-Remaining": String(decision.remaining),
        "X-RateLimit-Reset": String(Math.ceil(decision.resetAtMs / 1000)),
      };
    }
    if (!decision.allowed) {
      window.refusedByTokenBucket += 1;
      const retryAfter = String(seconds(decision.retryAfterMs));
      return { headers: { ...quotaHeaders(window.accepted), ...bucketHeaders, "Retry-After": retryAfter }, refusedBy: "rate-limit" };
    }
  }
  window.accepted += 1;
  return { headers: { ...quotaHeaders(window.accepted), ...bucketHeaders }, refusedBy: null };
}
