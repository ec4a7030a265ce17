import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TOO_MANY_AUTH_FAILURES } from "../../src/http/authenticate";
import { Browser, textOf } from "./browser";

const signInFrom = (browser: Browser, address: string, token: string) =>
  browser.request("POST", "/sign-in", { form: { _csrf: browser.csrf, token }, headers: { "cf-connecting-ip": address } });

describe("console sign-in throttling", () => {
  it("counts wrong tokens against the address like failed API calls, so the form is no faster way to guess tokens", async () => {
    const browser = new Browser();
    await browser.get("/sign-in");
    const statuses: number[] = [];
    // Limits count in fixed one-minute windows: twice the limit (30) plus one always fills one window.
    for (let i = 0; i < 61 && !statuses.includes(429); i++) statuses.push((await signInFrom(browser, "192.0.2.77", `qsk_guess_${i}`)).status);
    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);

    const right = await signInFrom(browser, "192.0.2.77", env.ADMIN_TOKEN);
    expect(right.status).toBe(429);
    expect(textOf(right.html)).toContain(TOO_MANY_AUTH_FAILURES);
    const other = await signInFrom(browser, "192.0.2.78", env.ADMIN_TOKEN);
    expect(other.status).toBe(303);
  });

  it("bounds the sessions one address can open with the API login's per-address budget", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) {
      const browser = new Browser();
      await browser.get("/sign-in");
      statuses.push((await signInFrom(browser, "192.0.2.79", env.ADMIN_TOKEN)).status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 303)).toBe(true);
    expect(statuses).toContain(429);
  });
});
