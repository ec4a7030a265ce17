import { describe, expect, it } from "vitest";
import { needsTouch, SESSION_IDLE_TIMEOUT_MS, SESSION_MAX_AGE_MS, SESSION_TOUCH_INTERVAL_MS, sessionState } from "../../src/auth/sessions";

const SIGNED_IN = Date.parse("2026-01-01T00:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const row = (lastSeen: number, revokedAt: string | null = null) => ({ lastSeenAt: iso(lastSeen), expiresAt: iso(SIGNED_IN + SESSION_MAX_AGE_MS), revokedAt });

describe("console session rules", () => {
  it("ends a session after SESSION_IDLE_TIMEOUT_MS without a request (limit - 1 still active)", () => {
    expect(sessionState(row(SIGNED_IN), SIGNED_IN + SESSION_IDLE_TIMEOUT_MS - 1)).toBe("active");
    expect(sessionState(row(SIGNED_IN), SIGNED_IN + SESSION_IDLE_TIMEOUT_MS)).toBe("expired");
    expect(sessionState(row(SIGNED_IN), SIGNED_IN + SESSION_IDLE_TIMEOUT_MS + 1)).toBe("expired");
  });

  it("ends a session SESSION_MAX_AGE_MS after sign-in, however recently it was used", () => {
    const end = SIGNED_IN + SESSION_MAX_AGE_MS;
    expect(sessionState(row(end - 1000), end - 1)).toBe("active");
    expect(sessionState(row(end - 1000), end)).toBe("expired");
    expect(sessionState(row(end - 1000), end + 1)).toBe("expired");
  });

  it("reports a revoked session as revoked, even before it would expire", () => {
    expect(sessionState(row(SIGNED_IN, iso(SIGNED_IN)), SIGNED_IN + 1)).toBe("revoked");
  });

  it("records activity at most every SESSION_TOUCH_INTERVAL_MS", () => {
    expect(needsTouch(row(SIGNED_IN), SIGNED_IN + SESSION_TOUCH_INTERVAL_MS - 1)).toBe(false);
    expect(needsTouch(row(SIGNED_IN), SIGNED_IN + SESSION_TOUCH_INTERVAL_MS)).toBe(true);
    expect(needsTouch(row(SIGNED_IN), SIGNED_IN + SESSION_TOUCH_INTERVAL_MS + 1)).toBe(true);
  });
});
