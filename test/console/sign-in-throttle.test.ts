import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser } from "./browser";

describe("console sign-in throttling", () => {
  it("shares the API login's per-address budget, so the form is no faster way to guess tokens", async () => {
    const browser = new Browser();
    await browser.get("/sign-in");
    const headers = { "cf-connecting-ip": "192.0.2.77" };
    const statuses: number[] = [];
    // Limits count in fixed one-minute windows: twice the limit plus one always fills one window.
    for (let i = 0; i < 121; i++) {
      const page = await browser.request("POST", "/sign-in", { form: { _csrf: browser.csrf, token: `qsk_guess_${i}` }, headers });
      statuses.push(page.status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses).toContain(429);
    const other = await browser.request("POST", "/sign-in", { form: { _csrf: browser.csrf, token: env.ADMIN_TOKEN }, headers: { "cf-connecting-ip": "192.0.2.78" } });
    expect(other.status).toBe(303);
  });
});
