/**
 * People through Cloudflare Access, end to end through the real middleware: a key pair generated here, its key set
 * served by a fake Access team through the outbound fetch handler, and tokens that are valid, expired, not yet
 * valid, for another application or team, signed with an unknown or rotated key, or tampered with.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ACCESS_CLOCK_SKEW_SECONDS, ACCESS_KEYS_REFETCH_INTERVAL_MS } from "../../src/access/cloudflare-access";
import { BUILT_IN_ROLE_RULES } from "../../src/access/roles";
import { INVALID_ACCESS_TOKEN } from "../../src/auth/access-sign-in";
import { accessTeam, assertion, signingKey, type SigningKey } from "../helpers/access";
import { api, callWithBindings, createProject, unique } from "../helpers/api";
import { grantToken } from "../helpers/people";

// This file's own team and application, so its key rotations never meet another file's.
const TEAM = "access-matrix.cloudflareaccess.com";
const AUD = "matrix-application-aud-tag";
const CHIEF = "chief@example.com";
const bindings = { ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD, ADMIN_EMAILS: `someone@example.com, ${CHIEF.toUpperCase()}` };
const team = accessTeam(TEAM, AUD);

let k1: SigningKey;
let project: { id: string };

const permissionsAs = (headers: Record<string, string>, withBindings: Partial<Env> = bindings) =>
  callWithBindings(withBindings, "GET", `/api/v1/projects/${project.id}/permissions`, { token: null, headers });
const userRow = (email: string) => env.DB.prepare("select * from users where email = ?").bind(email).first<{ id: string; email: string }>();

beforeAll(async () => {
  k1 = await signingKey("k1");
  await team.publish([k1]);
  project = await createProject();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("a valid Access token", () => {
  it("names an administrator by ADMIN_EMAILS (case-insensitive), with every right in every project", async () => {
    const res = await permissionsAs(assertion(await team.token(k1, "Chief@Example.com")));
    expect(res.status).toBe(200);
    expect(res.body.data.actor).toMatchObject({ type: "person", name: CHIEF, email: CHIEF, projectId: null });
    expect(res.body.data.permissions).toEqual(BUILT_IN_ROLE_RULES.admin);
    expect(res.body.data.memberships).toEqual([]);
    expect(await userRow(CHIEF)).toMatchObject({ email: CHIEF });
  });

  it("creates a newcomer's user row on first sign-in, with no access to any project", async () => {
    const email = `${unique("newcomer")}@example.com`;
    expect(await userRow(email)).toBeNull();
    const res = await permissionsAs(assertion(await team.token(k1, email)));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: "PermissionDenied", message: "You have no access to this project" });
    const user = await userRow(email);
    expect(user).not.toBeNull();
    const memberships = await env.DB.prepare("select count(*) as n from project_memberships where user_id = ?").bind(user!.id).first<{ n: number }>();
    expect(memberships!.n).toBe(0);
    // a second request finds the same row
    expect((await permissionsAs(assertion(await team.token(k1, email)))).status).toBe(403);
    expect((await env.DB.prepare("select count(*) as n from users where email = ?").bind(email).first<{ n: number }>())!.n).toBe(1);
  });

  it("is read from the CF_Authorization cookie when Access sent no header", async () => {
    const res = await permissionsAs({ cookie: `other=1; CF_Authorization=${await team.token(k1, CHIEF)}` });
    expect(res.status).toBe(200);
    expect(res.body.data.actor.email).toBe(CHIEF);
  });

  it("gives way to a bearer token sent with it", async () => {
    const { token } = await grantToken({ role: "viewer" }, project.id);
    const res = await callWithBindings(bindings, "GET", `/api/v1/projects/${project.id}/permissions`, {
      token,
      headers: assertion(await team.token(k1, CHIEF)),
    });
    expect(res.status).toBe(200);
    expect(res.body.data.actor.type).toBe("api-token");
    expect(res.body.data.permissions).toEqual(BUILT_IN_ROLE_RULES.viewer);
  });
});

describe("refused Access tokens", () => {
  it("answers one 401 for expired, not yet valid, wrong audience, wrong issuer, unknown key, tampered and malformed tokens", async () => {
    const seconds = Math.floor(Date.now() / 1000);
    const skew = ACCESS_CLOCK_SKEW_SECONDS;
    const stranger = await signingKey("k1"); // same key id, another key: its signature cannot verify
    const valid = await team.token(k1, "tampered@example.com");
    const [header, payload, signature] = valid.split(".");
    const forged = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const tamperedPayload = btoa(JSON.stringify({ ...forged, email: CHIEF })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const cases: [string, string][] = [
      ["expired", await team.token(k1, "expired@example.com", { exp: seconds - skew - 5 })],
      ["not yet valid", await team.token(k1, "early@example.com", { nbf: seconds + skew + 30 })],
      ["wrong audience", await team.token(k1, "aud@example.com", { aud: ["another-application"] })],
      ["wrong issuer", await team.token(k1, "iss@example.com", { iss: "https://other-team.cloudflareaccess.com" })],
      ["unknown key id", await team.token(await signingKey("k-unknown"), "kid@example.com")],
      ["signed by another key", await team.token(stranger, "stranger@example.com")],
      ["tampered payload", `${header}.${tamperedPayload}.${signature}`],
      ["malformed", "not-a-jwt"],
      ["no email (service token)", await team.token(k1, "")],
    ];
    await permissionsAs(assertion(await team.token(k1, CHIEF))); // the key set is cached before the count starts
    const fetchesBefore = await team.fetches();
    for (const [name, token] of cases) {
      const res = await permissionsAs(assertion(token));
      expect({ name, status: res.status, body: res.body }).toMatchObject({
        name,
        status: 401,
        body: { statusCode: 401, error: "UnauthorizedError", message: INVALID_ACCESS_TOKEN },
      });
    }
    // an unknown key id does not make the Worker fetch the key set again within the refetch interval
    expect(await team.fetches()).toBe(fetchesBefore);
    for (const email of ["expired", "early", "aud", "iss", "kid", "stranger"]) expect(await userRow(`${email}@example.com`)).toBeNull();
    expect(await userRow("tampered@example.com")).toBeNull();
  });

  it("follows a key rotation: a token under a newly published key works once the key set may be fetched again", async () => {
    const k2 = await signingKey("k2");
    expect((await permissionsAs(assertion(await team.token(k1, CHIEF)))).status).toBe(200);
    await team.publish([k1, k2]);
    const fetchesBefore = await team.fetches();
    expect((await permissionsAs(assertion(await team.token(k2, CHIEF)))).status).toBe(401);
    expect(await team.fetches()).toBe(fetchesBefore);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + ACCESS_KEYS_REFETCH_INTERVAL_MS + 1_000);
    const rotated = await permissionsAs(assertion(await team.token(k2, CHIEF)));
    expect(rotated.status).toBe(200);
    expect(await team.fetches()).toBe(fetchesBefore + 1);
    // the previous key keeps working while it is still published
    expect((await permissionsAs(assertion(await team.token(k1, CHIEF)))).status).toBe(200);
    expect(await team.fetches()).toBe(fetchesBefore + 1);
  });

  it("answers 503 while the team's key set cannot be fetched", async () => {
    const down = accessTeam("access-outage.cloudflareaccess.com", AUD);
    await down.answer(500);
    const key = await signingKey("k1");
    const res = await permissionsAs(assertion(await down.token(key, CHIEF)), { ...bindings, ACCESS_TEAM_DOMAIN: down.domain });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: "ServiceUnavailable", message: "Cloudflare Access signing keys could not be fetched; try again" });
    expect(await down.fetches()).toBe(1);
  });
});

describe("configuration", () => {
  it("ignores assertions when Access is not configured: only bearer tokens sign in", async () => {
    const res = await permissionsAs(assertion(await team.token(k1, CHIEF)), { ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: "" });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: "UnauthorizedError", message: "Token missing" });
  });

  it("names both settings when only one is set, and keeps bearer tokens working", async () => {
    const half = { ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: "" };
    const res = await permissionsAs(assertion(await team.token(k1, CHIEF)), half);
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: "ConfigurationError", message: expect.stringContaining("ACCESS_TEAM_DOMAIN and ACCESS_AUD must be set together") });
    const bearer = await callWithBindings(half, "GET", `/api/v1/projects/${project.id}/permissions`);
    expect(bearer.status).toBe(200);
  });

  it("refuses a change a page on another site makes a signed-in browser send", async () => {
    const token = await team.token(k1, CHIEF);
    const path = `/api/v1/projects/${project.id}/roles`;
    const body = { slug: unique("role"), name: "From elsewhere", permissions: [] };
    const refusals: Record<string, string>[] = [{ origin: "https://evil.example" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }];
    for (const headers of refusals) {
      const res = await callWithBindings(bindings, "POST", path, { token: null, body, headers: { ...assertion(token), ...headers } });
      expect(res.status).toBe(403);
      expect(res.body.message).toBe("A request from another site cannot act with a Cloudflare Access sign-in; use a bearer token");
    }
    const roles = await api.get(`${path}/slug/${body.slug}`);
    expect(roles.status).toBe(404);
    const sameOrigin = { origin: "https://sync.test", "sec-fetch-site": "same-origin" };
    const created = await callWithBindings(bindings, "POST", path, { token: null, body, headers: { ...assertion(token), ...sameOrigin } });
    expect(created.status).toBe(200);
    const audit = await env.DB.prepare("select actor_type, actor_name from audit_logs where target_id = ?").bind(created.body.role.id).first();
    expect(audit).toEqual({ actor_type: "person", actor_name: CHIEF });
  });
});
