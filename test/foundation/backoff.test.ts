/** The one backoff formula, at its boundaries, and the queue consumer's crash retries built on it. */
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/lib/backoff";
import { crashRetryDelaySeconds } from "../../src/queue/consumer";

describe("backoffDelay", () => {
  const policy = { base: 10, cap: 80 };

  it("starts at the base and doubles per attempt", () => {
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, policy))).toEqual([10, 20, 40]);
  });

  it("reaches the cap exactly and stays there", () => {
    // attempt 3 is one doubling short of the cap, attempt 4 lands on it, attempt 5 would pass it
    expect([3, 4, 5, 60, 2000].map((attempt) => backoffDelay(attempt, policy))).toEqual([40, 80, 80, 80, 80]);
    expect(backoffDelay(4, { base: 10, cap: 79 })).toBe(79);
    expect(backoffDelay(4, { base: 10, cap: 81 })).toBe(80);
  });

  it("counts an attempt below 1 as the first", () => {
    expect(backoffDelay(0, policy)).toBe(10);
    expect(backoffDelay(-3, policy)).toBe(10);
  });

  it("spreads by ±jitter over the random draw, exact at its midpoint and without jitter", () => {
    const jittered = { ...policy, jitter: 0.2 };
    expect(backoffDelay(2, jittered, 0)).toBeCloseTo(16);
    expect(backoffDelay(2, jittered, 0.5)).toBe(20);
    expect(backoffDelay(2, jittered, 0.999999)).toBeCloseTo(24, 4);
    expect(backoffDelay(5, jittered, 0.999999)).toBeCloseTo(96, 3);
    expect(backoffDelay(2, policy, 0)).toBe(20);
    expect(backoffDelay(2, policy, 0.999999)).toBe(20);
  });
});

describe("crashRetryDelaySeconds", () => {
  it("waits 2, 4, 8 … seconds after the first, second, third delivery, at most five minutes", () => {
    expect([1, 2, 3].map(crashRetryDelaySeconds)).toEqual([2, 4, 8]);
    expect([8, 9, 10, 100].map(crashRetryDelaySeconds)).toEqual([256, 300, 300, 300]);
  });
});
