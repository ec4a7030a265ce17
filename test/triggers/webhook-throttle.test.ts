import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";

describe("webhook receiver throttling", () => {
  it("limits notices per caller address before any signature work", async () => {
    const statuses: number[] = [];
    // Limits count in fixed one-minute windows: twice the limit plus one always fills one window.
    for (let i = 0; i < 241; i++) {
      const res = await api.post("/api/v1/webhooks/secret-changes", { projectId: "p" }, { token: null, headers: { "cf-connecting-ip": "192.0.2.90" }, query: { endpointId: "nope" } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 120).every((s) => s === 401)).toBe(true);
    expect(statuses).toContain(429);
    const elsewhere = await api.post("/api/v1/webhooks/secret-changes", { projectId: "p" }, { token: null, headers: { "cf-connecting-ip": "192.0.2.91" }, query: { endpointId: "nope" } });
    expect(elsewhere.status).toBe(401);
  });
});
