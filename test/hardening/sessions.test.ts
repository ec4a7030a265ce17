/** Console sessions live in D1: a copied cookie stops working the moment its session ends, however it ends. */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { pruneEndedSessions, SESSION_IDLE_TIMEOUT_MS, SESSION_TOUCH_INTERVAL_MS } from "../../src/auth/sessions";
import { createDb } from "../../src/db/client";
import worker from "../../src/index";
import { encryptField, loadKeyRing, randomToken } from "../../src/lib/crypto";
import { Browser, sessionRowOf, textOf } from "../console/browser";
import { api, createToken, unique } from "../helpers/api";
import { storedRows } from "../helpers/stored-rows";

const COOKIE = "__Host-console_session";

/** A second browser holding a copy of `browser`'s session cookie. */
function copyOf(browser: Browser) {
  const thief = new Browser();
  thief.cookies.set(COOKIE, browser.cookies.get(COOKIE)!);
  return thief;
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const setRow = (id: string, column: "last_seen_at" | "expires_at", value: string) =>
  env.DB.prepare(`update console_sessions set ${column} = ? where id = ?`).bind(value, id).run();
const countSessions = async (where = "1 = 1") => (await env.DB.prepare(`select count(*) as n from console_sessions where ${where}`).first<{ n: number }>())!.n;

async function expectEnded(browser: Browser, reason: "expired" | "revoked") {
  const page = await browser.get("/projects");
  expect(page.status).toBe(303);
  expect(page.location).toBe(`/sign-in?reason=${reason}&next=%2Fprojects`);
}

/** The service still signs people in and serves pages. */
async function expectServiceAnswers() {
  const fresh = new Browser();
  await fresh.signIn();
  expect((await fresh.get("/projects")).status).toBe(200);
}

describe("console sessions are server-side and end at once", () => {
  it("keeps only a sealed session id in the cookie and nothing secret in the session row", async () => {
    const { token } = await createToken(["projects:read"]);
    const browser = new Browser();
    await browser.signIn(token);
    const row = (await sessionRowOf(browser))!;
    expect(row).toMatchObject({ subject_type: "api-token", revoked_at: null });
    expect(JSON.stringify(row)).not.toContain(token);
    expect(browser.cookies.get(COOKIE)).not.toContain(row.id);
    expect(browser.cookies.get(COOKIE)).not.toContain(token);

    const admin = new Browser();
    await admin.signIn();
    const adminRow = (await sessionRowOf(admin))!;
    expect(adminRow.subject_type).toBe("admin");
    expect(JSON.stringify(adminRow)).not.toContain(env.ADMIN_TOKEN);
  });

  it("refuses a cookie of the old format, which carried the token itself", async () => {
    const before = await storedRows();
    const old = new Browser();
    const payload = JSON.stringify({ token: env.ADMIN_TOKEN, csrf: randomToken("csrf"), exp: Math.floor(Date.now() / 1000) + 3600 });
    old.cookies.set(COOKIE, await encryptField(await loadKeyRing(env.ENCRYPTION_KEY), payload, "console-session/v1"));
    const page = await old.get("/projects");
    expect(page.status).toBe(303);
    expect(page.location).toBe("/sign-in?reason=expired&next=%2Fprojects");
    expect(await storedRows()).toEqual(before);
    await expectServiceAnswers();
  });

  it("ends a copied cookie at sign-out: the row is deleted at once", async () => {
    const browser = new Browser();
    await browser.signIn();
    const thief = copyOf(browser);
    expect((await thief.get("/projects")).status).toBe(200);
    const id = (await sessionRowOf(browser))!.id;
    const before = await storedRows({ except: ["console_sessions"] });

    const signOut = await browser.post("/sign-out");
    expect(signOut.status).toBe(303);
    expect(signOut.location).toBe("/sign-in?reason=signed-out");
    expect(await countSessions(`id = '${id}'`)).toBe(0);
    await expectEnded(thief, "expired");
    expect(await storedRows({ except: ["console_sessions"] })).toEqual(before);
    await expectServiceAnswers();
  });

  it("needs the session's CSRF token to sign a live session out", async () => {
    const browser = new Browser();
    await browser.signIn();
    const forged = await browser.request("POST", "/sign-out", { form: { _csrf: "csrf_forged" } });
    expect(forged.status).toBe(403);
    expect(textOf(forged.html)).toContain("This form has expired or did not come from this site");
    expect((await browser.get("/projects")).status).toBe(200);
  });

  it("ends a copied cookie when its API token is revoked", async () => {
    const { token, apiToken } = await createToken(["projects:read"]);
    const browser = new Browser();
    await browser.signIn(token);
    const thief = copyOf(browser);
    expect((await thief.get("/projects")).status).toBe(200);

    expect((await api.post(`/api/v1/api-tokens/${apiToken.id}/revoke`)).status).toBe(200);
    const before = await storedRows();
    await expectEnded(thief, "revoked");
    await expectEnded(browser, "revoked");
    const after = await storedRows();
    expect(after.console_sessions).toEqual(before.console_sessions!.map((row: any) => (row.subject_id === apiToken.id ? { ...row, revoked_at: expect.any(String) } : row)));
    expect({ ...after, console_sessions: [] }).toEqual({ ...before, console_sessions: [] });
    await expectServiceAnswers();
  });

  it("ends a copied cookie when the machine identity's access token is revoked", async () => {
    const identity = (await api.post("/api/v1/identities", { name: unique("identity"), scopes: ["projects:read"] })).body.identity;
    const { clientSecret } = (await api.post(`/api/v1/identities/${identity.id}/client-secrets`, { description: "console" })).body;
    const login = await api.post("/api/v1/auth/universal-auth/login", { clientId: identity.clientId, clientSecret }, { token: null });
    const { accessToken } = login.body;
    const browser = new Browser();
    await browser.signIn(accessToken);
    const thief = copyOf(browser);
    expect((await thief.get("/projects")).status).toBe(200);
    expect((await api.post("/api/v1/auth/token/revoke", { accessToken }, { token: null })).status).toBe(200);
    await expectEnded(thief, "revoked");
    await expectServiceAnswers();
  });

  it("ends admin sessions when ADMIN_TOKEN is rotated", async () => {
    const browser = new Browser();
    await browser.signIn();
    const rotated = `${env.ADMIN_TOKEN}-rotated`;
    const ctx = createExecutionContext();
    const headers = { cookie: `${COOKIE}=${browser.cookies.get(COOKIE)}` };
    const res = await createApp().fetch(new Request("https://console.test/projects", { headers, redirect: "manual" }), { ...env, ADMIN_TOKEN: rotated }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in?reason=revoked&next=%2Fprojects");
    await expectServiceAnswers();
  });

  it("ends every session at once on the admin's revoke-all, which other credentials may not call", async () => {
    const { token } = await createToken(["projects:read"]);
    const admin = new Browser();
    await admin.signIn();
    const user = new Browser();
    await user.signIn(token);
    const thieves = [copyOf(admin), copyOf(user)];

    const before = await storedRows({ except: ["console_sessions", "audit_logs"] });
    const refused = await api.post("/api/v1/admin/sessions/revoke-all", undefined, { token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: "PermissionDenied", message: "Only an organization administrator can sign everyone out" });
    expect((await user.get("/projects")).status).toBe(200);

    const live = await countSessions("revoked_at is null");
    const res = await api.post("/api/v1/admin/sessions/revoke-all");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revokedSessions: live });
    expect(await countSessions("revoked_at is null")).toBe(0);
    for (const browser of [admin, user, ...thieves]) await expectEnded(browser, "revoked");
    const audit = await env.DB.prepare("select * from audit_logs where action = 'console-session.revoke-all'").all<{ actor_type: string; metadata_json: string }>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor_type: "admin", metadata_json: JSON.stringify({ revokedSessions: live }) });
    expect(await storedRows({ except: ["console_sessions", "audit_logs"] })).toEqual(before);
    await expectServiceAnswers();
  });

  it("lets an admin sign everyone out from the console; others do not see the button and are refused", async () => {
    const { token } = await createToken(["projects:read"]);
    const user = new Browser();
    await user.signIn(token);
    expect((await user.get("/projects")).html).not.toContain('href="/sign-out-everywhere"');
    const refused = await user.get("/sign-out-everywhere");
    expect(refused.status).toBe(403);
    expect(textOf(refused.html)).toContain("Only an organization administrator can sign everyone out");

    const admin = new Browser();
    await admin.signIn();
    expect((await admin.get("/projects")).html).toContain('href="/sign-out-everywhere"');
    const confirm = await admin.get("/sign-out-everywhere");
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.html)).toContain("Every console session ends at once");
    const missingCsrf = await admin.request("POST", "/sign-out-everywhere", { form: {} });
    expect(missingCsrf.status).toBe(403);
    expect(await countSessions("revoked_at is null")).toBeGreaterThanOrEqual(2);

    const done = await admin.post("/sign-out-everywhere");
    expect(done.status).toBe(303);
    expect(done.location).toBe("/sign-in?reason=signed-out-everywhere");
    expect(textOf((await admin.follow(done)).html)).toContain("Every console session has been signed out, including this one.");
    expect(await countSessions("revoked_at is null")).toBe(0);
    await expectEnded(user, "revoked");
    await expectServiceAnswers();
  });

  it("ends an idle session after SESSION_IDLE_TIMEOUT_MS, and deletes its row", async () => {
    const browser = new Browser();
    await browser.signIn();
    const thief = copyOf(browser);
    const id = (await sessionRowOf(browser))!.id;
    await setRow(id, "last_seen_at", ago(SESSION_IDLE_TIMEOUT_MS - 60_000));
    expect((await thief.get("/projects")).status).toBe(200);

    await setRow(id, "last_seen_at", ago(SESSION_IDLE_TIMEOUT_MS + 1000));
    const before = await storedRows({ except: ["console_sessions"] });
    await expectEnded(thief, "expired");
    await expectEnded(browser, "expired");
    expect(await countSessions(`id = '${id}'`)).toBe(0);
    expect(await storedRows({ except: ["console_sessions"] })).toEqual(before);
    await expectServiceAnswers();
  });

  it("records activity at most once per SESSION_TOUCH_INTERVAL_MS", async () => {
    const browser = new Browser();
    await browser.signIn();
    const id = (await sessionRowOf(browser))!.id;
    const recent = ago(SESSION_TOUCH_INTERVAL_MS - 5000);
    await setRow(id, "last_seen_at", recent);
    expect((await browser.get("/projects")).status).toBe(200);
    expect((await sessionRowOf(browser))!.last_seen_at).toBe(recent);

    await setRow(id, "last_seen_at", ago(SESSION_TOUCH_INTERVAL_MS + 1000));
    const requestedAt = Date.now();
    expect((await browser.get("/projects")).status).toBe(200);
    expect(Date.parse((await sessionRowOf(browser))!.last_seen_at)).toBeGreaterThanOrEqual(requestedAt);
  });

  it("prunes ended sessions in bounded chunks, from the cron too", async () => {
    const now = Date.now();
    const at = (msBeforeNow: number) => new Date(now - msBeforeNow).toISOString();
    const insert = (id: string, lastSeen: string, expires: string, revoked: string | null) =>
      env.DB.prepare("insert into console_sessions values (?, 'admin', 'x', 'csrf', ?, ?, ?, ?)").bind(id, at(1000), lastSeen, expires, revoked).run();
    const future = at(-3_600_000);
    const others = await countSessions();
    await insert("prune-idle", at(SESSION_IDLE_TIMEOUT_MS), future, null);
    await insert("prune-expired", at(1000), at(0), null);
    await insert("prune-revoked", at(1000), future, at(1));
    await insert("keep-live", at(SESSION_IDLE_TIMEOUT_MS - 1), at(-1), null);
    await env.DB.prepare("update console_sessions set revoked_at = ? where id not like 'prune-%' and id <> 'keep-live'").bind(at(1)).run();

    const db = createDb(env.DB);
    expect(await pruneEndedSessions(db, now, 2 + others)).toBe(2 + others);
    expect(await pruneEndedSessions(db, now, 2)).toBe(1);
    expect(await pruneEndedSessions(db, now, 2)).toBe(0);
    expect(await countSessions()).toBe(1);

    await insert("prune-by-cron", at(SESSION_IDLE_TIMEOUT_MS), future, null);
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/10 * * * *" }), env);
    expect((await env.DB.prepare("select id from console_sessions").all()).results).toEqual([{ id: "keep-live" }]);
  });
});
