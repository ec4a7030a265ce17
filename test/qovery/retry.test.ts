/** Pure retry and error-message logic of the Qovery client. */
import { describe, expect, it } from "vitest";
import {
  QoveryAuthError,
  QoveryConflictError,
  QoveryNetworkError,
  QoveryRateLimitError,
  QoveryTimeoutError,
  QoveryUpstreamError,
  errorForStatus,
  extractDetail,
} from "../../src/qovery/errors";
import { DEFAULT_RETRY_POLICY, backoffDelayMs, isAmbiguous, retryDelayMs, serverRetryDelayMs } from "../../src/qovery/retry";

const call = { method: "GET", pathTemplate: "/organization" };
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

describe("serverRetryDelayMs", () => {
  const headers = (init: Record<string, string>) => new Headers(init);

  it("reads Retry-After in seconds or as an HTTP date", () => {
    expect(serverRetryDelayMs(headers({ "Retry-After": "7" }), NOW)).toBe(7000);
    expect(serverRetryDelayMs(headers({ "Retry-After": "0" }), NOW)).toBe(0);
    expect(serverRetryDelayMs(headers({ "Retry-After": new Date(NOW + 5000).toUTCString() }), NOW)).toBe(5000);
    expect(serverRetryDelayMs(headers({ "Retry-After": new Date(NOW - 5000).toUTCString() }), NOW)).toBe(0);
  });

  it("falls back to X-RateLimit-Reset as a Unix timestamp, or seconds from now when small", () => {
    expect(serverRetryDelayMs(headers({ "X-RateLimit-Reset": String(NOW / 1000 + 30) }), NOW)).toBe(30_000);
    expect(serverRetryDelayMs(headers({ "X-RateLimit-Reset": "12" }), NOW)).toBe(12_000);
    expect(serverRetryDelayMs(headers({ "Retry-After": "2", "X-RateLimit-Reset": String(NOW / 1000 + 30) }), NOW)).toBe(2000);
  });

  it("is null when Qovery says nothing usable", () => {
    expect(serverRetryDelayMs(headers({}), NOW)).toBeNull();
    expect(serverRetryDelayMs(headers({ "Retry-After": "soon", "X-RateLimit-Reset": "later" }), NOW)).toBeNull();
  });
});

describe("backoffDelayMs", () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 3000, jitter: 0.2 };
  it("doubles per attempt within ±jitter and stops at the cap", () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, policy, 0.5))).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(backoffDelayMs(1, policy, 0)).toBe(400);
    expect(backoffDelayMs(1, policy, 0.999999)).toBe(600);
  });
});

describe("retryDelayMs", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, random: () => 0.5 };
  const rateLimited = (retryAfterMs: number | null) => new QoveryRateLimitError(call, null, retryAfterMs);

  it("retries rate limits for every method, honouring the server's wait plus upward jitter", () => {
    expect(retryDelayMs(rateLimited(2000), 1, policy, false)).toBe(2200);
    expect(retryDelayMs(rateLimited(null), 2, policy, false)).toBe(1000);
  });

  it("gives up when the server asks for more than the cap, or attempts are used up", () => {
    expect(retryDelayMs(rateLimited(31_000), 1, policy, true)).toBeNull();
    expect(retryDelayMs(rateLimited(1000), policy.maxAttempts, policy, true)).toBeNull();
  });

  it("retries ambiguous failures only when repeating is safe", () => {
    for (const error of [new QoveryUpstreamError(call, 503, "server error"), new QoveryNetworkError(call, "reset"), new QoveryTimeoutError(call, 10)]) {
      expect(isAmbiguous(error)).toBe(true);
      expect(retryDelayMs(error, 1, policy, true)).toBe(500);
      expect(retryDelayMs(error, 1, policy, false)).toBeNull();
    }
  });

  it("never retries definite answers", () => {
    expect(retryDelayMs(new QoveryAuthError(call, null), 1, policy, true)).toBeNull();
    expect(retryDelayMs(new QoveryConflictError(call, null), 1, policy, true)).toBeNull();
    const malformed = new QoveryUpstreamError(call, 200, "the answer is not JSON");
    expect(isAmbiguous(malformed)).toBe(false);
    expect(retryDelayMs(malformed, 1, policy, true)).toBeNull();
  });
});

describe("errors", () => {
  it("maps statuses to typed errors with stable kinds", () => {
    expect([400, 401, 403, 404, 409, 422, 429, 500, 502, 418].map((s) => errorForStatus(call, s, null, null).kind)).toEqual([
      "qovery_validation",
      "qovery_auth",
      "qovery_forbidden",
      "qovery_not_found",
      "qovery_conflict",
      "qovery_validation",
      "qovery_rate_limited",
      "qovery_upstream",
      "qovery_upstream",
      "qovery_upstream",
    ]);
    expect(errorForStatus(call, 409, "Variable already exists: A", null).message).toBe(
      "Qovery reported a conflict (409 on GET /organization): Variable already exists: A",
    );
    expect(errorForStatus(call, 502, null, null).message).toBe("Qovery failed (502 on GET /organization): server error");
    expect(errorForStatus(call, 401, null, null).name).toBe("QoveryAuthError");
  });

  it("extracts detail, then message, then error; nothing from non-JSON bodies", () => {
    expect(extractDetail(JSON.stringify({ status: 409, error: "Conflict", detail: "Variable already exists: A" }), [])).toBe(
      "Variable already exists: A",
    );
    expect(extractDetail(JSON.stringify({ timestamp: "x", status: 400, error: "Bad Request", message: "old style" }), [])).toBe("old style");
    expect(extractDetail(JSON.stringify({ error: "Forbidden" }), [])).toBe("Forbidden");
    expect(extractDetail("<html><h1>502 Bad Gateway</h1></html>", [])).toBeNull();
    expect(extractDetail("", [])).toBeNull();
  });

  it("blanks out secrets an upstream error might echo, and truncates long details", () => {
    const echoed = JSON.stringify({ detail: "invalid value hunter2 for token qov_abc" });
    expect(extractDetail(echoed, ["hunter2", "qov_abc", ""])).toBe("invalid value [redacted] for token [redacted]");
    const long = extractDetail(JSON.stringify({ detail: "x".repeat(1000) }), [])!;
    expect(long).toHaveLength(300);
    expect(long.endsWith("...")).toBe(true);
  });
});
