/** Guessing credentials: failed token checks are throttled per address, a stranger cannot lock a client out, and a weak ADMIN_TOKEN is refused. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { MIN_ADMIN_TOKEN_LENGTH } from "../../src/config";
import { TOO_MANY_AUTH_FAILURES } from "../../src/http/authenticate";
import { api, type ApiResponse } from "../helpers/api";
import { storedRows } from "../helpers/stored-rows";

const INVALID_TOKEN = "Invalid, expired or revoked token";
const from = (address: string) => ({ "cf-connecting-ip": address });
const listProjects = (token: string, address: string) => api.get("/api/v1/projects", { token, headers: from(address) });

/**
 * Sends failing attempts until the first 429. Limits count in fixed one-minute windows, so twice the limit (30) plus
 * one always fills one window; the first 30 are always checked and refused with 401.
 */
async function failUntilRefused(attempt: (i: number) => Promise<ApiResponse>) {
  const responses: ApiResponse[] = [];
  for (let i = 0; i < 61 && responses.at(-1)?.status !== 429; i++) responses.push(await attempt(i));
  expect(responses.length).toBeGreaterThan(30);
  return { failures: responses.slice(0, -1), refusal: responses.at(-1)! };
}

function expectRefusedAsGuessing(res: ApiResponse) {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ statusCode: 429, error: "RateLimitExceeded", message: TOO_MANY_AUTH_FAILURES });
}

describe("failed bearer checks are throttled per address", () => {
  it("refuses an address that keeps failing, even with a right token, while others are not slowed", async () => {
    const before = await storedRows();
    const { failures, refusal } = await failUntilRefused((i) => listProjects(`qsk_guess_${i}`, "192.0.2.10"));
    for (const res of failures) {
      expect(res.status).toBe(401);
      expect(res.body.message).toBe(INVALID_TOKEN);
    }
    expectRefusedAsGuessing(refusal);
    // While its bucket is exhausted the address learns nothing: a right token is refused the same way.
    expectRefusedAsGuessing(await listProjects(env.ADMIN_TOKEN, "192.0.2.10"));
    expectRefusedAsGuessing(await listProjects("qsk_guess_again", "192.0.2.10"));
    // Another address is neither refused nor counted against.
    expect((await listProjects(env.ADMIN_TOKEN, "192.0.2.11")).status).toBe(200);
    const elsewhere = await listProjects("qsk_guess_elsewhere", "192.0.2.11");
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.message).toBe(INVALID_TOKEN);
    expect(await storedRows()).toEqual(before);
  });

  it("never counts successful checks, however many", async () => {
    for (let i = 0; i < 100; i++) expect((await listProjects(env.ADMIN_TOKEN, "192.0.2.12")).status).toBe(200);
    const { failures, refusal } = await failUntilRefused((i) => listProjects(`qsk_guess_${i}`, "192.0.2.12"));
    expect(failures.every((res) => res.status === 401)).toBe(true);
    expectRefusedAsGuessing(refusal);
  });

  it("does not count a missing or malformed Authorization header (no token was checked)", async () => {
    for (let i = 0; i < 61; i++) {
      const missing = await api.get("/api/v1/projects", { token: null, headers: from("192.0.2.13") });
      expect(missing.body.message).toBe("Token missing");
    }
    expect((await listProjects(env.ADMIN_TOKEN, "192.0.2.13")).status).toBe(200);
  });

  it("throttles access-token renewal and revocation, which also tell a valid token from a wrong one", async () => {
    const before = await storedRows();
    const renew = await failUntilRefused((i) => api.post("/api/v1/auth/token/renew", { accessToken: `qsa_guess_${i}` }, { token: null, headers: from("192.0.2.14") }));
    expect(renew.failures.every((res) => res.status === 401 && res.body.message === "Invalid, expired or revoked access token")).toBe(true);
    expectRefusedAsGuessing(renew.refusal);
    expectRefusedAsGuessing(await api.post("/api/v1/auth/token/revoke", { accessToken: "qsa_guess" }, { token: null, headers: from("192.0.2.14") }));
    expectRefusedAsGuessing(await listProjects(env.ADMIN_TOKEN, "192.0.2.14"));
    expect((await listProjects(env.ADMIN_TOKEN, "192.0.2.15")).status).toBe(200);
    expect(await storedRows()).toEqual(before);
  });
});

describe("universal-auth login buckets", () => {
  it("keys the per-client bucket by address and client id, so a stranger cannot lock a CI identity out", async () => {
    const identity = (await api.post("/api/v1/identities", { name: "ci-deployer", scopes: ["projects:read"] })).body.identity;
    const { clientSecret } = (await api.post(`/api/v1/identities/${identity.id}/client-secrets`, { description: "ci" })).body;
    const before = await storedRows();
    const login = (secret: string, address: string) =>
      api.post("/api/v1/auth/universal-auth/login", { clientId: identity.clientId, clientSecret: secret }, { token: null, headers: from(address) });

    const responses: ApiResponse[] = [];
    // The per-client limit is 20 a minute: twice it plus one always fills one window.
    for (let i = 0; i < 41; i++) responses.push(await login(`qsc_guess_${i}`, "192.0.2.20"));
    expect(responses.slice(0, 20).every((res) => res.status === 401 && res.body.message === "Invalid credentials")).toBe(true);
    const refused = responses.find((res) => res.status === 429);
    expect(refused?.body).toMatchObject({ statusCode: 429, error: "RateLimitExceeded", message: "Too many login attempts. Please try again in a minute." });
    expect(await storedRows()).toEqual(before);

    const ci = await login(clientSecret, "192.0.2.21");
    expect(ci.status).toBe(200);
    expect((await api.get("/api/v1/projects", { token: ci.body.accessToken, headers: from("192.0.2.21") })).status).toBe(200);
  });
});

describe("ADMIN_TOKEN strength", () => {
  async function fetchWith(adminToken: string | undefined, path: string, token?: string) {
    const ctx = createExecutionContext();
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    const res = await createApp().fetch(new Request(new URL(path, "https://sync.test"), { headers }), { ...env, ADMIN_TOKEN: adminToken as string }, ctx);
    await waitOnExecutionContext(ctx);
    return { status: res.status, text: await res.text() };
  }
  const MESSAGE = `ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters long; set a longer secret (for example \`openssl rand -base64 32\`)`;

  it("refuses every request while ADMIN_TOKEN is shorter than the minimum, naming the setting but never its value", async () => {
    const before = await storedRows();
    const short = "s3cr3t-".padEnd(MIN_ADMIN_TOKEN_LENGTH - 1, "x");
    for (const [adminToken, path, token] of [
      [short, "/api/v1/projects", short],
      [short, "/api/openapi.json", undefined],
      [short, "/sign-in", undefined],
      [undefined, "/api/v1/projects", "anything"],
      ["", "/api/v1/projects", "anything"],
    ] as const) {
      const res = await fetchWith(adminToken, path, token);
      expect(res.status, `${path} with ${adminToken?.length} characters`).toBe(500);
      expect(JSON.parse(res.text)).toMatchObject({ statusCode: 500, error: "ConfigurationError", message: MESSAGE });
      if (adminToken) expect(res.text).not.toContain(adminToken);
    }
    const atMinimum = "s3cr3t-".padEnd(MIN_ADMIN_TOKEN_LENGTH, "x");
    expect((await fetchWith(atMinimum, "/api/v1/projects", atMinimum)).status).toBe(200);
    expect((await api.get("/api/v1/projects")).status).toBe(200);
    expect(await storedRows()).toEqual(before);
  });
});
