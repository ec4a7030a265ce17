/**
 * Per-token rate limits of the simulator over HTTP: Qovery's documented hourly quota with `X-RateLimit-*` headers,
 * the requests-per-second token bucket, and the usage counts per token and window, all on the tenant's frozen clock.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createSimTenant, type SimTenantHandle } from "../helpers/qovery-sim";

let sim: SimTenantHandle;
beforeEach(async () => {
  sim = await createSimTenant();
});

const HOUR_MS = 3_600_000;

/** Freezes the clock on a window boundary plus `intoWindowSeconds`, so window arithmetic is exact. */
async function freezeAt(intoWindowSeconds: number, windowMs = HOUR_MS) {
  const { nowMs } = await sim.freezeClock();
  const toNextWindow = windowMs - (nowMs % windowMs);
  return (await sim.advanceClock(toNextWindow / 1000 + intoWindowSeconds)).nowMs;
}

describe("hourly quota per token", () => {
  it("is off by default: no X-RateLimit headers, and calls are still counted per window", async () => {
    const response = await sim.api("/organization");
    expect(response.status).toBe(200);
    expect(response.headers.get("X-RateLimit-Limit")).toBeNull();
    const usage = await sim.usage();
    expect(usage.windowSeconds).toBe(3600);
    expect(usage.tokens).toEqual([
      { token: sim.token, windows: [expect.objectContaining({ calls: 1, accepted: 1, refusedByWindowLimit: 0, refusedByTokenBucket: 0 })] },
    ]);
  });

  it("sends X-RateLimit-* on every answer, refuses the call past the limit with 429 until the window resets", async () => {
    const now = await freezeAt(600); // ten minutes into an hour
    const windowEnd = Math.ceil((now - 600_000 + HOUR_MS) / 1000);
    await sim.configure({ hourlyLimit: { limit: 3, windowSeconds: 3600 } });

    const answers = [await sim.api("/organization"), await sim.api("/no/such/route"), await sim.api(`/project/${crypto.randomUUID()}`)];
    expect(answers.map((r) => [r.status, r.headers.get("X-RateLimit-Limit"), r.headers.get("X-RateLimit-Remaining")])).toEqual([
      [200, "3", "2"],
      [404, "3", "1"],
      [403, "3", "0"],
    ]);
    for (const answer of answers) expect(Number(answer.headers.get("X-RateLimit-Reset"))).toBe(windowEnd);

    const refused = await sim.api("/organization");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ status: 429, error: "Too Many Requests", detail: "Rate limit exceeded" });
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(refused.headers.get("Retry-After")).toBe(String(50 * 60));
    expect((await sim.calls()).at(-1)).toMatchObject({ status: 429, fault: "hourly-limit" });

    await sim.advanceClock(50 * 60 - 1);
    expect((await sim.api("/organization")).status).toBe(429);
    await sim.advanceClock(1); // the window's end
    const afterReset = await sim.api("/organization");
    expect(afterReset.status).toBe(200);
    expect(afterReset.headers.get("X-RateLimit-Remaining")).toBe("2");
    expect(Number(afterReset.headers.get("X-RateLimit-Reset"))).toBe(windowEnd + 3600);

    const usage = await sim.usage();
    expect(usage.tokens[0]!.windows.map((w) => [w.calls, w.accepted, w.refusedByWindowLimit])).toEqual([
      [5, 3, 2],
      [1, 1, 0],
    ]);
    expect(usage.tokens[0]!.windows[0]!.endMs).toBe(windowEnd * 1000);
  });

  it("counts each token on its own: a second token of the organization has its own quota", async () => {
    await freezeAt(0);
    await sim.configure({ hourlyLimit: { limit: 1, windowSeconds: 3600 } });
    const second = await sim.issueToken();
    expect((await sim.api("/organization")).status).toBe(200);
    expect((await sim.api("/organization")).status).toBe(429);
    expect((await sim.api("/organization", { token: second })).status).toBe(200);
    const usage = await sim.usage();
    const refusals = Object.fromEntries(usage.tokens.map((t) => [t.token, t.windows[0]!.refusedByWindowLimit]));
    expect(refusals).toEqual({ [sim.token]: 1, [second]: 0 });
  });

  it("a short window for tests: the limit applies per window of windowSeconds", async () => {
    await freezeAt(0, 10_000);
    await sim.configure({ hourlyLimit: { limit: 2, windowSeconds: 10 } });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await sim.api("/organization")).status);
    expect(answers).toEqual([200, 200, 429]);
    await sim.advanceClock(10);
    expect((await sim.api("/organization")).status).toBe(200);
    expect((await sim.usage()).windowSeconds).toBe(10);
  });

  it("refused calls reach neither the handler nor pending faults", async () => {
    await freezeAt(0);
    await sim.configure({ hourlyLimit: { limit: 1, windowSeconds: 3600 } });
    await sim.api("/organization");
    await sim.injectFault({ type: "status", status: 503 });
    const refused = await sim.api(`/environment/${sim.environment.id}/secret`, { method: "POST", body: { key: "K", value: "v" } });
    expect(refused.status).toBe(429);
    expect((await sim.variables()).filter((row) => row.key === "K")).toEqual([]);
    const faults = await fetch(`http://qovery.sim/__sim/tenants/${sim.id}/faults`).then((r) => r.json() as Promise<{ pending: unknown[] }>);
    expect(faults.pending).toHaveLength(1);
  });
});

describe("token bucket (requests per second) per token", () => {
  it("answers 429 with Retry-After past the burst, and serves again once a token is back", async () => {
    await freezeAt(0);
    await sim.configure({ rateLimit: { limit: 2, windowSeconds: 1 } }); // 2 requests per second, bursts of 2
    expect((await sim.api("/organization")).status).toBe(200);
    expect((await sim.api("/organization")).status).toBe(200);
    const refused = await sim.api("/organization");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("1");
    expect((await sim.calls()).at(-1)).toMatchObject({ fault: "rate-limit" });

    await sim.advanceClock(0.5); // one token refilled
    expect((await sim.api("/organization")).status).toBe(200);
    expect((await sim.api("/organization")).status).toBe(429);
    const window = (await sim.usage()).tokens[0]!.windows[0]!;
    expect(window).toMatchObject({ calls: 5, accepted: 3, refusedByTokenBucket: 2, refusedByWindowLimit: 0 });
  });

  it("with the hourly quota on as well, X-RateLimit-* describe the quota and a bucket refusal does not use it up", async () => {
    await freezeAt(0);
    await sim.configure({ rateLimit: { limit: 1, windowSeconds: 1 }, hourlyLimit: { limit: 100, windowSeconds: 3600 } });
    expect((await sim.api("/organization")).headers.get("X-RateLimit-Remaining")).toBe("99");
    const refused = await sim.api("/organization");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("X-RateLimit-Limit")).toBe("100");
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("99");
    expect(refused.headers.get("Retry-After")).toBe("1");
    await sim.advanceClock(1);
    expect((await sim.api("/organization")).headers.get("X-RateLimit-Remaining")).toBe("98");
  });

  it("each token has its own bucket", async () => {
    await freezeAt(0);
    await sim.configure({ rateLimit: { limit: 1, windowSeconds: 1 } });
    const second = await sim.issueToken();
    expect((await sim.api("/organization")).status).toBe(200);
    expect((await sim.api("/organization", { token: second })).status).toBe(200);
    expect((await sim.api("/organization")).status).toBe(429);
  });
});

describe("clock control", () => {
  it("freezes, advances and resumes from where it stood; reset goes back to the wall clock", async () => {
    const frozen = await sim.freezeClock();
    expect(frozen.frozen).toBe(true);
    expect((await sim.clock()).nowMs).toBe(frozen.nowMs);
    expect((await sim.advanceClock(3600)).nowMs).toBe(frozen.nowMs + 3_600_000);
    const resumed = await sim.freezeClock(false);
    expect(resumed.frozen).toBe(false);
    expect(resumed.nowMs).toBeGreaterThanOrEqual(frozen.nowMs + 3_600_000);
    // timestamps follow the tenant's clock
    const path = `/environment/${sim.environment.id}/environmentVariable`;
    const row = await sim.api(path, { method: "POST", body: { key: "LATER", value: "1" } });
    expect(Date.parse(((await row.json()) as any).created_at)).toBeGreaterThanOrEqual(frozen.nowMs + 3_600_000);
    await sim.reset();
    expect(Math.abs((await sim.clock()).nowMs - Date.now())).toBeLessThan(60_000);
  });

  it("refuses to move backwards or by more than 30 days", async () => {
    await expect(sim.advanceClock(-1)).rejects.toThrow(/400/);
    await expect(sim.advanceClock(31 * 86_400)).rejects.toThrow(/400/);
  });
});
