/** Pure parts of the simulator, and an in-process simulator on a fake clock for time-dependent behaviour. */
import { describe, expect, it } from "vitest";
import { createQoverySimulator } from "../../simulator/index";
import { createMicrosecondClock, createTenantClock, formatMicros } from "../../simulator/clock";
import { faultSpecSchema, takeDeploymentFault, takeFault, takeToken, toPending } from "../../simulator/faults";
import { admit, MAX_USAGE_WINDOWS, newTokenUsage } from "../../simulator/rate-limits";
import { keyProblem } from "../../simulator/variables";

describe("keyProblem", () => {
  it.each(["A", "_A", "db_url", "A1_B2"])("accepts %s", (key) => expect(keyProblem(key)).toBeNull());
  it.each(["", "1A", "A-B", "A B", "A.B", "QOVERY", "Qovery_X", "ÄB"])("refuses %j", (key) => expect(keyProblem(key)).toEqual(expect.any(String)));
});

describe("microsecond clock", () => {
  it("formats epoch microseconds like Qovery", () => {
    expect(formatMicros(Date.UTC(2023, 9, 25, 9, 58, 34) * 1000 + 202_571)).toBe("2023-10-25T09:58:34.202571Z");
    expect(formatMicros(1)).toBe("1970-01-01T00:00:00.000001Z");
  });

  it("never repeats or goes back, even when the wall clock stands still", () => {
    const clock = createMicrosecondClock(() => 1_700_000_000_000);
    const stamps = [clock.next(), clock.next(), clock.next()];
    expect(stamps).toEqual(["2023-11-14T22:13:20.000000Z", "2023-11-14T22:13:20.000001Z", "2023-11-14T22:13:20.000002Z"]);
  });
});

describe("tenant clock", () => {
  it("follows the wall clock, freezes where it stands, advances, resumes from there and resets", () => {
    let wall = 1_000_000;
    const clock = createTenantClock(() => wall);
    wall += 5;
    expect(clock.nowMs()).toBe(1_000_005);
    clock.setFrozen(true);
    wall += 1_000;
    expect(clock.nowMs()).toBe(1_000_005);
    clock.advance(60_000);
    expect(clock.nowMs()).toBe(1_060_005);
    clock.setFrozen(false);
    wall += 7;
    expect(clock.nowMs()).toBe(1_060_012);
    clock.advance(1);
    expect(clock.nowMs()).toBe(1_060_013);
    clock.reset();
    expect(clock.nowMs()).toBe(wall);
  });

  it("stamps timestamps at its own time", () => {
    const clock = createTenantClock(() => Date.UTC(2026, 0, 1));
    clock.advance(3_600_000);
    expect(clock.timestamp()).toBe("2026-01-01T01:00:00.000000Z");
  });
});

describe("admit", () => {
  const HOUR = 3_600_000;
  const start = 100 * HOUR;
  const quota = { windowLimit: { limit: 3, windowSeconds: 3600 }, tokenBucket: null };

  it("accepts up to the limit (limit − 1, limit) and refuses limit + 1 until the window ends", () => {
    const usage = newTokenUsage();
    const remaining = [1, 2, 3].map(() => admit(quota, usage, start + 10).headers["X-RateLimit-Remaining"]);
    expect(remaining).toEqual(["2", "1", "0"]);
    const refused = admit(quota, usage, start + 1_000);
    expect(refused.refusedBy).toBe("hourly-limit");
    expect(refused.headers).toEqual({
      "X-RateLimit-Limit": "3",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String((start + HOUR) / 1000),
      "Retry-After": String((HOUR - 1_000) / 1000),
    });
    expect(admit(quota, usage, start + HOUR - 1).refusedBy).toBe("hourly-limit");
    expect(admit(quota, usage, start + HOUR)).toMatchObject({ refusedBy: null, headers: { "X-RateLimit-Remaining": "2" } });
    expect(usage.windows.map((w) => [w.startMs, w.calls, w.accepted, w.refusedByWindowLimit])).toEqual([
      [start, 5, 3, 2],
      [start + HOUR, 1, 1, 0],
    ]);
  });

  it("without limits sends no header and only counts", () => {
    const usage = newTokenUsage();
    expect(admit({ windowLimit: null, tokenBucket: null }, usage, start)).toEqual({ headers: {}, refusedBy: null });
    expect(usage.windows).toEqual([
      { startMs: start, endMs: start + HOUR, calls: 1, accepted: 1, refusedByWindowLimit: 0, refusedByTokenBucket: 0 },
    ]);
  });

  it("keeps at most MAX_USAGE_WINDOWS windows per token", () => {
    const usage = newTokenUsage();
    const limits = { windowLimit: { limit: 1, windowSeconds: 1 }, tokenBucket: null };
    for (let i = 0; i <= MAX_USAGE_WINDOWS; i++) admit(limits, usage, i * 1000);
    expect(usage.windows).toHaveLength(MAX_USAGE_WINDOWS);
    expect(usage.windows[0]!.startMs).toBe(1000);
  });
});

describe("takeToken", () => {
  const config = { limit: 3, windowSeconds: 3 };

  it("starts full, refuses when empty, and tells when the next token is back", () => {
    let decision = takeToken(config, undefined, 10_000);
    expect(decision).toMatchObject({ allowed: true, remaining: 2 });
    decision = takeToken(config, decision.bucket, 10_000);
    decision = takeToken(config, decision.bucket, 10_000);
    expect(decision).toMatchObject({ allowed: true, remaining: 0, resetAtMs: 13_000 });
    decision = takeToken(config, decision.bucket, 10_250);
    expect(decision.allowed).toBe(false);
    expect(decision.retryAfterMs).toBeCloseTo(750);
    expect(decision.resetAtMs).toBeCloseTo(11_000);
  });

  it("refills continuously and never beyond the limit", () => {
    const empty = { tokens: 0, updatedAtMs: 0 };
    expect(takeToken(config, empty, 1_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(takeToken(config, empty, 1_000_000)).toMatchObject({ allowed: true, remaining: 2 });
  });
});

describe("takeFault", () => {
  const spec = (input: unknown) => toPending(faultSpecSchema.parse(input));

  it("consumes matching faults in order and drops them when used up", () => {
    const pending = [spec({ type: "status", status: 500, count: 2 }), spec({ type: "status", status: 503 })];
    expect(takeFault(pending, "GET", "/organization")?.type === "status" && pending[0]!.remaining).toBe(1);
    takeFault(pending, "GET", "/organization");
    expect(pending).toHaveLength(1);
    expect(takeFault(pending, "GET", "/organization")).toMatchObject({ status: 503 });
    expect(takeFault(pending, "GET", "/organization")).toBeNull();
  });

  it("deployment faults are never taken by calls, only by deployments of their service (or of any)", () => {
    const pending = [
      spec({ type: "deployment", outcome: "BUILD_ERROR", serviceId: "s1" }),
      spec({ type: "deployment", outcome: "CANCELED" }),
    ];
    expect(takeFault(pending, "POST", "/application/{applicationId}/redeploy")).toBeNull();
    expect(takeDeploymentFault(pending, "s2")).toMatchObject({ outcome: "CANCELED" });
    expect(takeDeploymentFault(pending, "s2")).toBeNull();
    expect(takeDeploymentFault(pending, "s1")).toMatchObject({ outcome: "BUILD_ERROR" });
    expect(pending).toEqual([]);
  });

  it("skips faults whose method or template do not match, and timeout-after-commit skips reads", () => {
    const pending = [
      spec({ type: "timeout-after-commit" }),
      spec({ type: "status", status: 502, method: "put" }),
      spec({ type: "hang", pathTemplate: "/organization" }),
    ];
    expect(takeFault(pending, "GET", "/project/{projectId}/secret")).toBeNull();
    expect(takeFault(pending, "GET", "/organization")).toMatchObject({ type: "hang" });
    expect(takeFault(pending, "PUT", "/project/{projectId}/secret/{secretId}")).toMatchObject({ type: "timeout-after-commit" });
    expect(takeFault(pending, "PUT", "/project/{projectId}/secret/{secretId}")).toMatchObject({ type: "status", status: 502 });
  });
});

describe("in-process simulator on a fake clock", () => {
  it("refills the rate limit as time passes", async () => {
    let now = Date.UTC(2026, 0, 1);
    const simulator = createQoverySimulator({ now: () => now, seedDefaultTenant: false });
    const tenant = simulator.createTenant("clocked");
    tenant.config = { ...tenant.config, rateLimit: { limit: 1000, windowSeconds: 3600 } };
    const call = () =>
      simulator.fetch(new Request("http://qovery.sim/organization", { headers: { Authorization: `Token ${tenant.primaryToken}` } }));

    for (let i = 0; i < 1000; i++) expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("4"); // 3.6 s per token, rounded up

    now += 3_600;
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(429);
    expect(simulator.defaultTenant).toBeUndefined();
  });

  it("moves deployments with the injected wall clock", async () => {
    let now = Date.UTC(2026, 0, 1);
    const simulator = createQoverySimulator({ now: () => now, seedDefaultTenant: false });
    const tenant = simulator.createTenant();
    const envId = [...tenant.data.environments.keys()][0]!;
    const service = tenant.addService({ id: "svc", environmentId: envId, name: "api", type: "HELM" });
    const call = (method: string, path: string) =>
      simulator.fetch(new Request(`http://qovery.sim${path}`, { method, headers: { Authorization: `Token ${tenant.primaryToken}` } }));
    const state = async () => ((await (await call("GET", `/helm/${service.id}/status`)).json()) as { state: string }).state;

    expect((await call("POST", `/helm/${service.id}/redeploy`)).status).toBe(202);
    expect(await state()).toBe("QUEUED");
    now += 2_000;
    expect(await state()).toBe("DEPLOYING");
    now += 8_000;
    expect(await state()).toBe("DEPLOYED");
  });

  it("stamps updated_at from the injected clock", async () => {
    const now = Date.UTC(2026, 4, 1, 12, 0, 0);
    const simulator = createQoverySimulator({ now: () => now, seedDefaultTenant: false });
    const tenant = simulator.createTenant();
    const envId = [...tenant.data.environments.keys()][0]!;
    const response = await simulator.fetch(
      new Request(`http://qovery.sim/environment/${envId}/environmentVariable`, {
        method: "POST",
        headers: { Authorization: `Token ${tenant.primaryToken}`, "Content-Type": "application/json" },
        body: JSON.stringify({ key: "A", value: "1" }),
      }),
    );
    const row = (await response.json()) as { created_at: string };
    expect(row.created_at.startsWith("2026-05-01T12:00:00.0000")).toBe(true);
  });
});
