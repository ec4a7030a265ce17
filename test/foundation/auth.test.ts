import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createProject, createToken, unique } from "../helpers/api";

async function createIdentity(scopes: string[], projectId?: string, extra: Record<string, unknown> = {}) {
  const res = await api.post("/api/v1/identities", { name: unique("identity"), scopes, projectId, ...extra });
  expect(res.status).toBe(200);
  const identity = res.body.identity;
  const secret = await api.post(`/api/v1/identities/${identity.id}/client-secrets`, { description: "ci" });
  expect(secret.status).toBe(200);
  return { identity, clientSecret: secret.body.clientSecret as string, clientSecretId: secret.body.clientSecretData.id as string };
}

// Each login comes from its own address so the per-address bucket never couples tests.
const login = (clientId: string, clientSecret: string, path = "/api/v1/auth/universal-auth/login") =>
  api.post(path, { clientId, clientSecret }, { token: null, headers: { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250)}` } });

describe("API tokens", () => {
  it("returns the token once, stores only its hash, and lists without values", async () => {
    const { token, apiToken } = await createToken(["secrets:read"]);
    expect(token).toMatch(/^qsk_[A-Za-z0-9_-]{43}$/);
    const raw = await env.DB.prepare("select * from api_tokens where id = ?").bind(apiToken.id).first<Record<string, unknown>>();
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(raw?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const list = await api.get("/api/v1/api-tokens");
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(list.body.apiTokens.find((t: { id: string }) => t.id === apiToken.id)).toMatchObject({ scopes: ["secrets:read"], revokedAt: null });
  });

  it("authenticates with the token and records when it was last used", async () => {
    const { token, apiToken } = await createToken(["projects:read"]);
    const res = await api.get("/api/v1/projects", { token });
    expect(res.status).toBe(200);
    const list = await api.get("/api/v1/api-tokens");
    const listed = list.body.apiTokens.find((t: { id: string }) => t.id === apiToken.id);
    expect(listed.lastUsedAt).not.toBeNull();
  });

  it("refuses a revoked token and an expired token with 401", async () => {
    const { token, apiToken } = await createToken(["projects:read"]);
    expect((await api.post(`/api/v1/api-tokens/${apiToken.id}/revoke`)).status).toBe(200);
    expect((await api.get("/api/v1/projects", { token })).status).toBe(401);

    const expiring = await createToken(["projects:read"], undefined, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await api.get("/api/v1/projects", { token: expiring.token })).status).toBe(200);
    await env.DB.prepare("update api_tokens set expires_at = ? where id = ?").bind(new Date(Date.now() - 1000).toISOString(), expiring.apiToken.id).run();
    const expired = await api.get("/api/v1/projects", { token: expiring.token });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toBe("Invalid, expired or revoked token");
  });

  it("validates scopes, names and expiry", async () => {
    const bad = await api.post("/api/v1/api-tokens", { name: "", scopes: ["secrets:fly"] });
    expect(bad.status).toBe(422);
    expect(bad.body.details.map((d: { path: string[] }) => d.path[0])).toEqual(expect.arrayContaining(["name", "scopes"]));
    const past = await api.post("/api/v1/api-tokens", { name: "x", scopes: ["admin"], expiresAt: "2001-01-01T00:00:00Z" });
    expect(past.status).toBe(400);
    const unknownProject = await api.post("/api/v1/api-tokens", { name: "x", scopes: ["admin"], projectId: "missing" });
    expect(unknownProject.status).toBe(404);
    const unknownToken = await api.post("/api/v1/api-tokens/missing/revoke");
    expect(unknownToken.status).toBe(404);
  });

  it("enforces scopes with 403", async () => {
    const { token } = await createToken(["secrets:read"]);
    const res = await api.post("/api/v1/projects", { projectName: "nope" }, { token });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: "PermissionDenied", message: "You are not allowed to create on workspace" });
    expect((await api.post("/api/v1/api-tokens", { name: "escalate", scopes: ["admin"] }, { token })).status).toBe(403);
    expect((await api.get("/api/v1/audit-logs", { token })).status).toBe(403);
  });

  it("keeps a project-bound token inside its project", async () => {
    const mine = await createProject();
    const other = await createProject();
    const { token } = await createToken(["projects:write"], mine.id);
    expect((await api.get(`/api/v1/projects/${mine.id}`, { token })).status).toBe(200);
    expect((await api.get(`/api/v1/projects/${other.id}`, { token })).status).toBe(403);
    expect((await api.patch(`/api/v1/projects/${other.id}`, { name: "hijack" }, { token })).status).toBe(403);
    expect((await api.post("/api/v1/projects", { projectName: "new" }, { token })).status).toBe(403);
    const list = await api.get("/api/v1/projects", { token });
    expect(list.body.projects.map((p: { id: string }) => p.id)).toEqual([mine.id]);
    const untouched = await api.get(`/api/v1/projects/${other.id}`);
    expect(untouched.body.project.name).toBe(other.name);
  });
});

describe("machine identities and universal auth", () => {
  it("logs in (also with the CLI's trailing slash) and uses the access token", async () => {
    const { identity, clientSecret } = await createIdentity(["projects:read"]);
    for (const path of ["/api/v1/auth/universal-auth/login", "/api/v1/auth/universal-auth/login/"]) {
      const res = await login(identity.clientId, clientSecret, path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ tokenType: "Bearer", expiresIn: 2_592_000, accessTokenMaxTTL: 2_592_000 });
      expect((await api.get("/api/v1/projects", { token: res.body.accessToken })).status).toBe(200);
    }
  });

  it("shows the client secret once and stores only its hash", async () => {
    const { identity, clientSecret } = await createIdentity(["projects:read"]);
    const rows = await env.DB.prepare("select * from identity_client_secrets where identity_id = ?").bind(identity.id).all();
    expect(JSON.stringify(rows.results)).not.toContain(clientSecret);
    const listed = await api.get(`/api/v1/identities/${identity.id}/client-secrets`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(clientSecret);
    expect(listed.body.clientSecretData).toHaveLength(1);
  });

  it("answers a wrong secret and an unknown client id the same way", async () => {
    const { identity } = await createIdentity(["projects:read"]);
    const wrong = await login(identity.clientId, "qsc_wrong");
    const unknown = await login(crypto.randomUUID(), "qsc_wrong");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe("Invalid credentials");
    expect(unknown.body.message).toBe(wrong.body.message);
  });

  it("throttles repeated login attempts per address", async () => {
    const statuses: number[] = [];
    // Limits count in fixed one-minute windows: twice the limit plus one always fills one window, even across a boundary.
    for (let i = 0; i < 121; i++) {
      const res = await api.post("/api/v1/auth/universal-auth/login", { clientId: crypto.randomUUID(), clientSecret: "qsc_x" }, { token: null, headers: { "cf-connecting-ip": "203.0.113.7" } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses).toContain(429);
  });

  it("throttles repeated login attempts for one client id from one address, without locking the client out elsewhere", async () => {
    const { identity, clientSecret } = await createIdentity(["projects:read"]);
    const headers = { "cf-connecting-ip": "203.0.113.8" };
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++) {
      const res = await api.post("/api/v1/auth/universal-auth/login", { clientId: identity.clientId, clientSecret: `qsc_guess_${i}` }, { token: null, headers });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses).toContain(429);
    expect((await login(identity.clientId, clientSecret)).status).toBe(200);
  });

  it("renews within the max TTL and revokes access tokens", async () => {
    const { identity, clientSecret } = await createIdentity(["projects:read"], undefined, { accessTokenTTL: 120, accessTokenMaxTTL: 300 });
    const { accessToken } = (await login(identity.clientId, clientSecret)).body;
    const renewed = await api.post("/api/v1/auth/token/renew", { accessToken }, { token: null });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ accessToken, expiresIn: 120, accessTokenMaxTTL: 300 });
    const revoked = await api.post("/api/v1/auth/token/revoke", { accessToken }, { token: null });
    expect(revoked.body).toEqual({ message: "Successfully revoked access token" });
    expect((await api.get("/api/v1/projects", { token: accessToken })).status).toBe(401);
    expect((await api.post("/api/v1/auth/token/renew", { accessToken }, { token: null })).status).toBe(401);
  });

  it("expires access tokens", async () => {
    const { identity, clientSecret } = await createIdentity(["projects:read"], undefined, { accessTokenTTL: 60, accessTokenMaxTTL: 60 });
    const { accessToken } = (await login(identity.clientId, clientSecret)).body;
    await env.DB.prepare("update identity_access_tokens set expires_at = ? where identity_id = ?").bind(new Date(Date.now() - 1).toISOString(), identity.id).run();
    expect((await api.get("/api/v1/projects", { token: accessToken })).status).toBe(401);
  });

  it("ends access tokens when the identity or the client secret is revoked", async () => {
    const a = await createIdentity(["projects:read"]);
    const tokenA = (await login(a.identity.clientId, a.clientSecret)).body.accessToken;
    expect((await api.post(`/api/v1/identities/${a.identity.id}/revoke`)).status).toBe(200);
    expect((await api.get("/api/v1/projects", { token: tokenA })).status).toBe(401);
    expect((await login(a.identity.clientId, a.clientSecret)).status).toBe(401);

    const b = await createIdentity(["projects:read"]);
    const tokenB = (await login(b.identity.clientId, b.clientSecret)).body.accessToken;
    const revoked = await api.post(`/api/v1/auth/universal-auth/identities/${b.identity.id}/client-secrets/${b.clientSecretId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.clientSecretData.isClientSecretRevoked).toBe(true);
    expect((await api.get("/api/v1/projects", { token: tokenB })).status).toBe(401);
  });

  it("applies the identity's scopes and project binding", async () => {
    const project = await createProject();
    const other = await createProject();
    const { identity, clientSecret } = await createIdentity(["projects:read"], project.id);
    const { accessToken } = (await login(identity.clientId, clientSecret)).body;
    expect((await api.get(`/api/v1/projects/${project.id}`, { token: accessToken })).status).toBe(200);
    expect((await api.get(`/api/v1/projects/${other.id}`, { token: accessToken })).status).toBe(403);
    expect((await api.patch(`/api/v1/projects/${project.id}`, { name: "x" }, { token: accessToken })).status).toBe(403);
  });

  it("validates identity input and 404s unknown identities", async () => {
    const bad = await api.post("/api/v1/identities", { name: "x", scopes: [], accessTokenTTL: 600, accessTokenMaxTTL: 60 });
    expect(bad.status).toBe(422);
    expect(bad.body.details.map((d: { path: string[] }) => d.path[0])).toEqual(expect.arrayContaining(["scopes", "accessTokenTTL"]));
    expect((await api.get("/api/v1/identities/missing")).status).toBe(404);
    expect((await api.post("/api/v1/identities/missing/client-secrets", {})).status).toBe(404);
    const login422 = await api.post("/api/v1/auth/universal-auth/login", { clientId: "" }, { token: null });
    expect(login422.status).toBe(422);
  });

  it("lists identities without secrets, and only to admins", async () => {
    const { identity, clientSecret } = await createIdentity(["projects:read"]);
    const list = await api.get("/api/v1/identities");
    expect(list.body.identities.map((i: { id: string }) => i.id)).toContain(identity.id);
    expect(JSON.stringify(list.body)).not.toContain(clientSecret);
    const { token } = await createToken(["secrets:write"]);
    expect((await api.get("/api/v1/identities", { token })).status).toBe(403);
  });
});
