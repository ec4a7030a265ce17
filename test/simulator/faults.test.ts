/** Fault injection and the call log of the simulator, through its control API. */
import { beforeEach, describe, expect, it } from "vitest";
import { createSimTenant, describeCalls, type SimTenantHandle } from "../helpers/qovery-sim";

let sim: SimTenantHandle;
beforeEach(async () => {
  sim = await createSimTenant();
});

const envVars = () => `/environment/${sim.environment.id}/environmentVariable`;
const post = (key: string, signal?: AbortSignal) =>
  fetch(`http://qovery.sim${envVars()}`, {
    method: "POST",
    headers: { Authorization: `Token ${sim.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ key, value: "v" }),
    signal,
  });

describe("scripted status faults", () => {
  it("429 for the next N calls, with Retry-After and X-RateLimit-Reset when asked, then normal service", async () => {
    await sim.injectFault({ type: "status", status: 429, count: 2, retryAfterSeconds: 3, rateLimitResetSeconds: 7 });
    const before = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 2; i++) {
      const response = await sim.api("/organization");
      expect(response.status).toBe(429);
      expect(response.headers.get("Retry-After")).toBe("3");
      const reset = Number(response.headers.get("X-RateLimit-Reset"));
      expect(reset).toBeGreaterThanOrEqual(before + 7);
      expect(reset).toBeLessThanOrEqual(before + 9);
      expect(await response.json()).toEqual({ status: 429, error: "Too Many Requests", detail: "Rate limit exceeded" });
    }
    expect((await sim.api("/organization")).status).toBe(200);
    expect((await sim.calls()).map((c) => [c.status, c.fault])).toEqual([
      [429, "status"],
      [429, "status"],
      [200, null],
    ]);
  });

  it("429 without any rate-limit header when none is asked for", async () => {
    await sim.injectFault({ type: "status", status: 429 });
    const response = await sim.api("/organization");
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBeNull();
    expect(response.headers.get("X-RateLimit-Reset")).toBeNull();
  });

  it("500 and 503 with Qovery's JSON body, 502 with a gateway's HTML page; the write is not applied", async () => {
    await sim.injectFault({ type: "status", status: 500 });
    await sim.injectFault({ type: "status", status: 502 });
    await sim.injectFault({ type: "status", status: 503 });
    const first = await post("A");
    expect(first.status).toBe(500);
    expect(await first.json()).toMatchObject({ status: 500, error: "Internal Server Error" });
    const second = await post("A");
    expect(second.status).toBe(502);
    expect(second.headers.get("Content-Type")).toContain("text/html");
    expect(await second.text()).toContain("Bad Gateway");
    expect((await post("A")).status).toBe(503);
    expect((await sim.variables()).filter((v) => v.key === "A")).toEqual([]);
    expect((await post("A")).status).toBe(201);
  });

  it("afterCommit: the write lands, the answer is still a 5xx", async () => {
    await sim.injectFault({ type: "status", status: 500, afterCommit: true });
    expect((await post("LANDED")).status).toBe(500);
    expect((await sim.variables()).filter((v) => v.key === "LANDED")).toHaveLength(1);
    expect((await sim.calls())[0]).toMatchObject({ status: 500, fault: "status-after-commit" });
  });

  it("matches faults by method and path template only when asked", async () => {
    await sim.injectFault({ type: "status", status: 503, method: "POST", pathTemplate: "/environment/{environmentId}/environmentVariable" });
    expect((await sim.api(envVars())).status).toBe(200);
    expect((await sim.api(`/environment/${sim.environment.id}/secret`, { method: "POST", body: { key: "S", value: "v" } })).status).toBe(201);
    expect((await post("B")).status).toBe(503);
    expect((await post("B")).status).toBe(201);
  });

  it("clearing faults drops the pending ones", async () => {
    await sim.injectFault({ type: "status", status: 500, count: 3 });
    await sim.clearFaults();
    expect((await sim.api("/organization")).status).toBe(200);
  });
});

describe("timeouts", () => {
  it("timeout-after-commit applies the write and never answers; later calls are served", async () => {
    await sim.injectFault({ type: "timeout-after-commit" });
    await expect(post("HELD", AbortSignal.timeout(150))).rejects.toThrow();
    const stored = (await sim.variables()).filter((v) => v.key === "HELD");
    expect(stored).toHaveLength(1);
    const [held] = await sim.calls();
    expect(held).toMatchObject({ method: "POST", status: 201, delivered: false, fault: "timeout-after-commit" });
    expect((await post("HELD")).status).toBe(409);
  });

  it("timeout-after-commit leaves reads alone and waits for the next write", async () => {
    await sim.injectFault({ type: "timeout-after-commit" });
    expect((await sim.api(envVars())).status).toBe(200);
    await expect(post("W", AbortSignal.timeout(150))).rejects.toThrow();
    expect(describeCalls(await sim.calls())).toEqual([
      "GET /environment/{environmentId}/environmentVariable 200",
      "POST /environment/{environmentId}/environmentVariable 201 (held)",
    ]);
  });

  it("hang never answers and applies nothing", async () => {
    await sim.injectFault({ type: "hang", method: "POST" });
    await expect(post("LOST", AbortSignal.timeout(150))).rejects.toThrow();
    expect((await sim.variables()).filter((v) => v.key === "LOST")).toEqual([]);
    expect((await sim.calls())[0]).toMatchObject({ status: null, delivered: false, fault: "hang" });
  });

  it("adds latency to every call", async () => {
    await sim.configure({ latencyMs: 120 });
    const started = Date.now();
    expect((await sim.api("/organization")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await sim.configure({ latencyMs: 0 });
  });
});

describe("rate limit", () => {
  it("refuses calls beyond the bucket with 429, Retry-After and X-RateLimit-* headers", async () => {
    await sim.configure({ rateLimit: { limit: 2, windowSeconds: 3600 } });
    const first = await sim.api("/organization");
    expect(first.status).toBe(200);
    expect(first.headers.get("X-RateLimit-Limit")).toBe("2");
    expect(first.headers.get("X-RateLimit-Remaining")).toBe("1");
    expect((await sim.api("/organization")).status).toBe(200);

    const refused = await sim.api("/organization");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("0");
    // one token per 1800 s at 2 per hour
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(1700);
    expect(Number(refused.headers.get("X-RateLimit-Reset")) * 1000).toBeGreaterThan(Date.now() + 1_700_000);
    expect((await sim.calls()).map((c) => c.fault)).toEqual([null, null, "rate-limit"]);

    await sim.configure({ rateLimit: null });
    expect((await sim.api("/organization")).status).toBe(200);
  });
});

describe("call log", () => {
  it("records method, path, query, template and status of every API call, and can be cleared", async () => {
    await sim.api(`/organization/${sim.organizationId}/project?page=2`);
    await sim.api("/organization", { token: "qov_not_a_token" });
    await sim.api("/no/such/route");
    const calls = await sim.calls();
    expect(calls).toEqual([
      {
        seq: 1,
        method: "GET",
        path: `/organization/${sim.organizationId}/project`,
        query: "page=2",
        pathTemplate: "/organization/{organizationId}/project",
        status: 200,
        delivered: true,
        fault: null,
      },
      // unknown tokens belong to no tenant, so they are in no tenant's log
      expect.objectContaining({ seq: 2, path: "/no/such/route", pathTemplate: null, status: 404 }),
    ]);
    await sim.clearCalls();
    expect(await sim.calls()).toEqual([]);
  });
});
