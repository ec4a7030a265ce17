/** Hostile `next` values at sign-in: never a redirect to another origin, never a broken (500) response. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, inputValue } from "../console/browser";
import { storedRows } from "../helpers/stored-rows";

const HOSTILE_NEXT = [
  "/\t/evil.example/steal",
  "/\n/evil.example",
  "/projects\r\nSet-Cookie: pwned=1",
  "//evil.example/",
  "/\\evil.example",
  "https://evil.example/",
  "/..//evil.example",
  "/%2e%2e//evil.example",
  "javascript:alert(document.cookie)",
];

describe("sign-in refuses to redirect anywhere but this site", () => {
  it("ignores a hostile next when signing in: 303 to the projects page, nothing else stored", async () => {
    const before = await storedRows({ except: ["console_sessions"] });
    for (const next of HOSTILE_NEXT) {
      const browser = new Browser();
      await browser.get("/sign-in");
      const page = await browser.post("/sign-in", { token: env.ADMIN_TOKEN, next });
      expect(page.status, JSON.stringify(next)).toBe(303);
      expect(page.location, JSON.stringify(next)).toBe("/projects");
      expect(page.headers.getSetCookie().some((cookie) => cookie.includes("pwned"))).toBe(false);
      expect((await browser.get("/projects")).status).toBe(200);
    }
    expect(await storedRows({ except: ["console_sessions"] })).toEqual(before);
  });

  it("follows an encoded look-alike only as a path on this site", async () => {
    const browser = new Browser();
    await browser.get("/sign-in");
    const page = await browser.post("/sign-in", { token: env.ADMIN_TOKEN, next: "/%2F%2Fevil.example" });
    expect(page.status).toBe(303);
    expect(page.location).toBe("/%2F%2Fevil.example");
    expect(new URL(page.location!, "https://console.test").origin).toBe("https://console.test");
  });

  it("drops a hostile next from the sign-in form, and from the redirect of a signed-in visitor", async () => {
    const before = await storedRows({ except: ["console_sessions"] });
    for (const next of HOSTILE_NEXT) {
      const query = `/sign-in?next=${encodeURIComponent(next)}`;
      const anonymous = new Browser();
      const form = await anonymous.get(query);
      expect(form.status, JSON.stringify(next)).toBe(200);
      expect(inputValue(form.html, "next"), JSON.stringify(next)).toBe("");
    }
    const signedIn = new Browser();
    await signedIn.signIn();
    for (const next of HOSTILE_NEXT) {
      const page = await signedIn.get(`/sign-in?next=${encodeURIComponent(next)}`);
      expect(page.status, JSON.stringify(next)).toBe(303);
      expect(page.location, JSON.stringify(next)).toBe("/projects");
    }
    expect((await signedIn.get("/sign-in?next=%2Fprojects%3Fx%3D1")).location).toBe("/projects?x=1");
    expect((await signedIn.get("/projects")).status).toBe(200);
    expect(await storedRows({ except: ["console_sessions"] })).toEqual(before);
  });
});
