import { describe, expect, it } from "vitest";
import { FAILURE_REFUSAL_MS, FailureThrottle, MAX_REFUSED_KEYS } from "../../src/http/throttle";
import { ApiError, unauthorized } from "../../src/lib/errors";

/** A bucket of `capacity` units per key, as a rate-limit binding counts within one window. */
function bucket(capacity: number) {
  const used = new Map<string, number>();
  const limiter = {
    calls: 0,
    async limit({ key }: { key: string }) {
      limiter.calls++;
      used.set(key, (used.get(key) ?? 0) + 1);
      return { success: used.get(key)! <= capacity };
    },
  };
  return limiter;
}

const isUnauthorized = (error: unknown) => error instanceof ApiError && error.statusCode === 401;
const fail = () => Promise.reject(unauthorized("wrong"));
const succeed = () => Promise.resolve("ok");

async function statusOf(promise: Promise<unknown>) {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as ApiError).statusCode;
  }
}

describe("FailureThrottle", () => {
  it("never counts a successful attempt", async () => {
    const limiter = bucket(1);
    const throttle = new FailureThrottle();
    for (let i = 0; i < 5; i++) expect(await throttle.run(limiter, "a", "slow down", succeed, isUnauthorized)).toBe("ok");
    expect(limiter.calls).toBe(0);
  });

  it("counts failures: the bucket's capacity - 1 and capacity are refused with the failure, capacity + 1 with 429", async () => {
    const limiter = bucket(3);
    const throttle = new FailureThrottle();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await statusOf(throttle.run(limiter, "a", "slow down", fail, isUnauthorized)));
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(limiter.calls).toBe(4);
  });

  it("refuses every attempt of an exhausted key for FAILURE_REFUSAL_MS without running it or counting, then lets it try again", async () => {
    let now = 1_000_000;
    const limiter = bucket(0);
    const throttle = new FailureThrottle(() => now);
    expect(await statusOf(throttle.run(limiter, "a", "slow down", fail, isUnauthorized))).toBe(429);
    let ran = 0;
    const counted = () => {
      ran++;
      return succeed();
    };
    now += FAILURE_REFUSAL_MS - 1;
    await expect(throttle.run(limiter, "a", "slow down", counted, isUnauthorized)).rejects.toMatchObject({ statusCode: 429, message: "slow down" });
    expect(ran).toBe(0);
    expect(await throttle.run(limiter, "b", "slow down", counted, isUnauthorized)).toBe("ok");
    now += 1;
    expect(await throttle.run(limiter, "a", "slow down", counted, isUnauthorized)).toBe("ok");
    expect(ran).toBe(2);
    expect(limiter.calls).toBe(1);
  });

  it("passes other errors through without counting them", async () => {
    const limiter = bucket(0);
    const throttle = new FailureThrottle();
    await expect(throttle.run(limiter, "a", "slow down", () => Promise.reject(new Error("D1 down")), isUnauthorized)).rejects.toThrow("D1 down");
    expect(limiter.calls).toBe(0);
  });

  it("remembers at most MAX_REFUSED_KEYS refused keys, forgetting the oldest first", async () => {
    const limiter = bucket(0);
    const throttle = new FailureThrottle();
    for (let i = 0; i <= MAX_REFUSED_KEYS; i++) await statusOf(throttle.run(limiter, `key-${i}`, "slow down", fail, isUnauthorized));
    expect(limiter.calls).toBe(MAX_REFUSED_KEYS + 1);
    // key-0 was forgotten, so its next attempt runs; key-1 is still refused without running.
    expect(await throttle.run(limiter, "key-0", "slow down", succeed, isUnauthorized)).toBe("ok");
    expect(await statusOf(throttle.run(limiter, "key-1", "slow down", succeed, isUnauthorized))).toBe(429);
  });
});
