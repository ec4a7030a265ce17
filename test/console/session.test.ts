import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createToken } from "../helpers/api";
import { Browser, inputValue, sessionRowOf } from "./browser";

const projectCount = async () => (await env.DB.prepare("select count(*) as n from projects").first<{ n: number }>())!.n;

describe("console sign-in and session", () => {
  it("serves the sign-in page under a strict CSP whose only script is the nonce'd static one", async () => {
    const browser = new Browser();
    const page = await browser.get("/sign-in");
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
    const scripts = [...page.html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain(`nonce="${nonce}"`);
    expect(scripts[0]![1]).toMatch(/integrity="sha256-/);
    expect(scripts[0]![2]).toBe("");
    expect(page.html).not.toMatch(/\son[a-z]+="/i);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");

    const src = /<script src="([^"]+)"/.exec(page.html)![1]!;
    const asset = await browser.get(src);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(asset.html));
    expect(page.html).toContain(`integrity="sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}"`);
  });

  it("keeps the API's own responses free of the console's headers", async () => {
    const res = await api.get("/api/v1/projects");
    expect(res.headers.get("content-security-policy")).toBeNull();
  });

  it("signs in with the admin token into an HttpOnly, Secure, SameSite=Strict session cookie", async () => {
    const browser = new Browser();
    await browser.get("/sign-in");
    const page = await browser.post("/sign-in", { token: env.ADMIN_TOKEN, next: "/projects?x=1" });
    expect(page.status).toBe(303);
    expect(page.location).toBe("/projects?x=1");
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith("__Host-console_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toContain(env.ADMIN_TOKEN);
    const projects = await browser.get("/projects");
    expect(projects.status).toBe(200);
    expect(projects.html).toContain("Signed in with the");
  });

  it("refuses a wrong token with the API's message and never redirects off-site", async () => {
    const browser = new Browser();
    await browser.get("/sign-in");
    const wrong = await browser.post("/sign-in", { token: "qsk_not-a-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain("Invalid, expired or revoked token");
    const offsite = await browser.post("/sign-in", { token: env.ADMIN_TOKEN, next: "//evil.example/" });
    expect(offsite.location).toBe("/projects");
  });

  it("drops the Secure flag and the __Host- prefix only on localhost", async () => {
    const browser = new Browser("http://localhost:8787");
    await browser.get("/sign-in");
    const page = await browser.post("/sign-in", { token: env.ADMIN_TOKEN });
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith("console_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it("sends anyone without a session to sign-in, and the polling endpoints answer 401", async () => {
    const browser = new Browser();
    const page = await browser.get("/projects/some-id/integrations/secret-syncs");
    expect(page.status).toBe(303);
    expect(page.location).toBe("/sign-in?next=%2Fprojects%2Fsome-id%2Fintegrations%2Fsecret-syncs");
    const json = await browser.get("/projects/p/integrations/secret-syncs/s/status", "application/json");
    expect(json.status).toBe(401);
    expect(JSON.parse(json.html)).toEqual({ error: expect.stringContaining("sign in again") });
  });

  it("ends an expired session, and one whose cookie was tampered with", async () => {
    const expired = new Browser();
    await expired.signIn();
    const row = (await sessionRowOf(expired))!;
    await env.DB.prepare("update console_sessions set expires_at = ? where id = ?").bind(new Date(Date.now() - 1000).toISOString(), row.id).run();
    const page = await expired.get("/projects");
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/sign-in\?reason=expired/);
    expect(page.headers.getSetCookie().join()).toMatch(/__Host-console_session=;.*Max-Age=0/);
    expect((await expired.follow(page)).html).toContain("Your session expired");

    const tampered = new Browser();
    await tampered.signIn();
    const sealed = tampered.cookies.get("__Host-console_session")!;
    tampered.cookies.set("__Host-console_session", `${sealed.slice(0, -4)}AAAA`);
    expect((await tampered.get("/projects")).location).toMatch(/reason=expired/);
  });

  it("ends the session as soon as its API token is revoked", async () => {
    const { token, apiToken } = await createToken(["projects:read"]);
    const browser = new Browser();
    await browser.signIn(token);
    expect((await browser.get("/projects")).status).toBe(200);
    expect((await api.post(`/api/v1/api-tokens/${apiToken.id}/revoke`)).status).toBe(200);
    const page = await browser.get("/projects");
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/reason=revoked/);
    expect((await browser.follow(page)).html).toContain("token it used was revoked");
  });

  it("rejects a form without the session's CSRF token, or with another session's", async () => {
    const victim = new Browser();
    await victim.signIn();
    const other = new Browser();
    await other.signIn();
    const before = await projectCount();

    const missing = await victim.request("POST", "/projects", { form: { name: "csrf-missing" } });
    expect(missing.status).toBe(403);
    expect(missing.html).toContain("This form has expired or did not come from this site");
    const foreign = await victim.post("/projects", { name: "csrf-foreign", _csrf: other.csrf });
    expect(foreign.status).toBe(403);
    const json = await victim.request("POST", "/projects", { form: { name: "x" }, headers: { "content-type": "application/json" } });
    expect(json.status).toBe(403);
    expect(await projectCount()).toBe(before);

    const ok = await victim.post("/projects", { name: "csrf-ok" });
    expect(ok.status).toBe(303);
    expect(await projectCount()).toBe(before + 1);
  });

  it("needs the CSRF token to sign in, too (no login CSRF)", async () => {
    const browser = new Browser();
    await browser.get("/sign-in");
    const page = await browser.request("POST", "/sign-in", { form: { token: env.ADMIN_TOKEN } });
    expect(page.status).toBe(403);
  });

  it("signs out: the cookie is cleared and the next page asks to sign in", async () => {
    const browser = new Browser();
    await browser.signIn();
    const page = await browser.post("/sign-out");
    expect(page.location).toBe("/sign-in?reason=signed-out");
    expect(browser.cookies.size).toBe(0);
    expect((await browser.get("/projects")).location).toBe("/sign-in?next=%2Fprojects");
    expect(inputValue((await browser.get("/sign-in")).html, "_csrf")).toBeTruthy();
  });
});
