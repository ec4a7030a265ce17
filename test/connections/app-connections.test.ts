/** Qovery app connections over HTTP, against the Qovery simulator. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { api, createProject, createToken, unique } from "../helpers/api";
import { createSimTenant, describeCalls, type SimTenantHandle } from "../helpers/qovery-sim";

const BASE = "/api/v1/app-connections/qovery";

async function createConnection(sim: SimTenantHandle, extra: Record<string, unknown> = {}, token?: string) {
  const res = await api.post(
    BASE,
    { name: unique("qovery"), method: "access-token", credentials: { accessToken: sim.token }, ...extra },
    token === undefined ? undefined : { token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.appConnection as { id: string; name: string; projectId: string | null; credentialsHash: string; version: number };
}

async function storedRow(connectionId: string) {
  return env.DB.prepare("select * from app_connections where id = ?").bind(connectionId).first<Record<string, unknown>>();
}

describe("create", () => {
  it("validates the token with GET /organization, stores it encrypted and answers without it", async () => {
    const sim = await createSimTenant();
    const name = unique("qovery");
    const res = await api.post(BASE, { name, description: "prod org", method: "access-token", credentials: { accessToken: sim.token } });
    expect(res.status).toBe(200);
    const connection = res.body.appConnection;
    expect(connection).toEqual({
      id: expect.any(String),
      name,
      description: "prod org",
      version: 1,
      orgId: "default",
      projectId: null,
      app: "qovery",
      method: "access-token",
      credentials: {},
      credentialsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      allowedDestinations: null,
      isPlatformManagedCredentials: false,
      gatewayId: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      project: null,
    });
    expect(describeCalls(await sim.calls())).toEqual(["GET /organization 200"]);

    const row = (await storedRow(connection.id))!;
    expect(row.credentials_ciphertext).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(sim.token);
    expect(connection.credentialsHash).toBe(await sha256Hex(row.credentials_ciphertext as string));
  });

  it("refuses a token Qovery rejects with 400 and stores nothing", async () => {
    const sim = await createSimTenant();
    const name = unique("qovery");
    const res = await api.post(BASE, { name, method: "access-token", credentials: { accessToken: "qov_revoked_or_wrong" } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: "BadRequest" });
    expect(res.body.message).toMatch(/^Failed to validate Qovery credentials: Qovery rejected the API token \(401 on GET \/organization\)/);
    expect(res.body.message).not.toContain("qov_revoked_or_wrong");
    expect(await env.DB.prepare("select count(*) as n from app_connections where name = ?").bind(name).first("n")).toBe(0);
    expect(await sim.calls()).toEqual([]);
  });

  it("refuses with 400 when Qovery cannot be reached to validate the token", async () => {
    const sim = await createSimTenant();
    await sim.injectFault({ type: "status", status: 503, count: 5 });
    const res = await api.post(BASE, { name: unique("qovery"), method: "access-token", credentials: { accessToken: sim.token } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("Failed to validate Qovery credentials: Qovery failed (503 on GET /organization)");
    expect(describeCalls(await sim.calls())).toEqual(["GET /organization 503", "GET /organization 503"]);
  });

  it("keeps names unique per project and among organization-wide connections", async () => {
    const sim = await createSimTenant();
    const first = await createConnection(sim);
    const duplicate = await api.post(BASE, { name: first.name, method: "access-token", credentials: { accessToken: sim.token } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.message).toBe(`An App Connection with the name "${first.name}" already exists`);

    const project = await createProject();
    const inProject = await createConnection(sim, { name: first.name, projectId: project.id });
    expect(inProject.projectId).toBe(project.id);
  });

  it("validates the body with 422", async () => {
    const cases = [
      { name: "Not A Slug", method: "access-token", credentials: { accessToken: "x" } },
      { name: "ok-name", method: "oauth", credentials: { accessToken: "x" } },
      { name: "ok-name", method: "access-token", credentials: { accessToken: "  " } },
      { name: "ok-name", method: "access-token" },
      { name: "ok-name", method: "access-token", credentials: { accessToken: "x" }, description: "d".repeat(257) },
      { name: "ok-name", method: "access-token", credentials: { accessToken: "x" }, isPlatformManagedCredentials: true },
      { name: "x".repeat(65), method: "access-token", credentials: { accessToken: "x" } },
    ];
    for (const body of cases) {
      const res = await api.post(BASE, body);
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
      expect(res.body.error).toBe("ValidationFailure");
    }
    const missingToken = await api.post(BASE, { name: "ok-name", method: "access-token", credentials: { accessToken: "" } });
    expect(missingToken.body.message).toContain("Project Access Token required");
  });

  it("refuses an unknown project with 404", async () => {
    const sim = await createSimTenant();
    const res = await api.post(BASE, { name: unique("qovery"), method: "access-token", credentials: { accessToken: sim.token }, projectId: "no-such-project" });
    expect(res.status).toBe(404);
  });
});

describe("read", () => {
  it("gets by id and by name, lists with and without a project filter", async () => {
    const sim = await createSimTenant();
    const orgWide = await createConnection(sim);
    const project = await createProject();
    const scoped = await createConnection(sim, { projectId: project.id });

    const byId = await api.get(`${BASE}/${scoped.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body.appConnection).toMatchObject({ id: scoped.id, projectId: project.id, project: { id: project.id, name: project.name, slug: project.slug } });

    const byName = await api.get(`${BASE}/connection-name/${scoped.name}`, { query: { projectId: project.id } });
    expect(byName.body.appConnection.id).toBe(scoped.id);
    const orgWideByName = await api.get(`${BASE}/connection-name/${orgWide.name}`, { query: { projectId: project.id } });
    expect(orgWideByName.body.appConnection.id).toBe(orgWide.id);
    expect((await api.get(`${BASE}/connection-name/nope-${unique()}`)).status).toBe(404);

    const ofProject = (await api.get(BASE, { query: { projectId: project.id } })).body.appConnections.map((c: { id: string }) => c.id);
    expect(ofProject).toContain(scoped.id);
    expect(ofProject).toContain(orgWide.id);
    const otherProject = await createProject();
    const ofOther = (await api.get(BASE, { query: { projectId: otherProject.id } })).body.appConnections.map((c: { id: string }) => c.id);
    expect(ofOther).toContain(orgWide.id);
    expect(ofOther).not.toContain(scoped.id);
    const all = (await api.get(BASE)).body.appConnections.map((c: { id: string }) => c.id);
    expect(all).toEqual(expect.arrayContaining([orgWide.id, scoped.id]));

    expect((await api.get(`${BASE}/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it("lists the supported apps", async () => {
    const res = await api.get("/api/v1/app-connections/options");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ appConnectionOptions: [{ name: "Qovery", app: "qovery", methods: ["access-token"] }] });
  });
});

describe("project-bound credentials", () => {
  it("reach their project's connections, and neither read nor change organization-wide ones (organization rules govern those)", async () => {
    const sim = await createSimTenant();
    const project = await createProject();
    const otherProject = await createProject();
    const orgWide = await createConnection(sim);
    const foreign = await createConnection(sim, { projectId: otherProject.id });
    const { token } = await createToken(["connections:write"], project.id);

    const own = await createConnection(sim, { projectId: project.id }, token);
    expect(own.projectId).toBe(project.id);

    const orgWideCreate = await api.post(BASE, { name: unique("qovery"), method: "access-token", credentials: { accessToken: sim.token } }, { token });
    expect(orgWideCreate.status).toBe(403);
    expect((await api.get(`${BASE}/${orgWide.id}`, { token })).status).toBe(403);
    expect((await api.patch(`${BASE}/${orgWide.id}`, { description: "mine now" }, { token })).status).toBe(403);
    expect((await api.delete(`${BASE}/${orgWide.id}`, undefined, { token })).status).toBe(403);
    expect((await api.get(`${BASE}/${foreign.id}`, { token })).status).toBe(403);
    expect((await api.get(`${BASE}/${foreign.id}/organizations`, { token })).status).toBe(403);

    const listed = (await api.get(BASE, { token })).body.appConnections.map((c: { id: string }) => c.id);
    expect(listed).toContain(own.id);
    expect(listed).not.toContain(orgWide.id);
    expect(listed).not.toContain(foreign.id);

    const readOnly = await createToken(["connections:read"], project.id);
    expect((await api.patch(`${BASE}/${own.id}`, { description: "x" }, { token: readOnly.token })).status).toBe(403);
  });
});

describe("update", () => {
  it("renames and re-describes without touching the credentials", async () => {
    const sim = await createSimTenant();
    const connection = await createConnection(sim);
    const name = unique("renamed");
    const res = await api.patch(`${BASE}/${connection.id}`, { name, description: "new words" });
    expect(res.status).toBe(200);
    expect(res.body.appConnection).toMatchObject({ name, description: "new words", version: 1, credentialsHash: connection.credentialsHash });
    expect(describeCalls(await sim.calls())).toEqual(["GET /organization 200"]);

    const other = await createConnection(sim);
    const clash = await api.patch(`${BASE}/${other.id}`, { name });
    expect(clash.status).toBe(400);
  });

  it("re-validates new credentials: a rejected token leaves the stored one in place", async () => {
    const sim = await createSimTenant();
    const connection = await createConnection(sim);
    const before = await storedRow(connection.id);

    const rejected = await api.patch(`${BASE}/${connection.id}`, { credentials: { accessToken: "qov_definitely_wrong" } });
    expect(rejected.status).toBe(400);
    expect(rejected.body.message).toMatch(/^Failed to validate Qovery credentials/);
    expect(await storedRow(connection.id)).toEqual(before);

    const fresh = await sim.issueToken();
    const accepted = await api.patch(`${BASE}/${connection.id}`, { credentials: { accessToken: fresh } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.appConnection.version).toBe(2);
    expect(accepted.body.appConnection.credentialsHash).not.toBe(connection.credentialsHash);
    expect(JSON.stringify(accepted.body)).not.toContain(fresh);

    // the connection now uses the new token: revoking the old one does not break it
    await sim.revokeToken(sim.token);
    expect((await api.get(`${BASE}/${connection.id}/organizations`)).status).toBe(200);
  });
});

describe("option endpoints", () => {
  it("list organizations, projects and environments as [{id, name}]", async () => {
    const sim = await createSimTenant();
    const connection = await createConnection(sim);
    await sim.clearCalls();

    const orgs = await api.get(`${BASE}/${connection.id}/organizations`);
    expect(orgs.status).toBe(200);
    expect(orgs.body).toEqual([{ id: sim.organizationId, name: sim.summary.organization.name }]);

    const projects = await api.get(`${BASE}/${connection.id}/organizations/${sim.organizationId}/projects`);
    expect(projects.body).toEqual(sim.summary.projects.map(({ id, name }) => ({ id, name })));

    const environments = await api.get(`${BASE}/${connection.id}/projects/${sim.project.id}/environments`);
    expect(environments.body).toEqual(sim.project.environments);

    expect(describeCalls(await sim.calls())).toEqual([
      "GET /organization 200",
      "GET /organization/{organizationId}/project 200",
      "GET /project/{projectId}/environment 200",
    ]);
  });

  it("follow Qovery's pagination", async () => {
    const sim = await createSimTenant();
    const connection = await createConnection(sim);
    await sim.configure({ pageSize: 1 });
    const environments = await api.get(`${BASE}/${connection.id}/projects/${sim.project.id}/environments`);
    expect(environments.body).toEqual(sim.project.environments);
  });

  it("turn a revoked token into 400 with Qovery's reason, not an empty list", async () => {
    const sim = await createSimTenant();
    const connection = await createConnection(sim);
    await sim.revokeToken(sim.token);
    const res = await api.get(`${BASE}/${connection.id}/organizations`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      "Qovery rejected the connection's token: Access token is missing or invalid. Update the connection with a valid Qovery API token",
    );
  });

  it("turn ids Qovery does not know (403 or 404 upstream) into 404", async () => {
    const sim = await createSimTenant();
    const other = await createSimTenant();
    const connection = await createConnection(sim);
    const org = await api.get(`${BASE}/${connection.id}/organizations/${other.organizationId}/projects`);
    expect(org.status).toBe(404);
    expect(org.body.message).toBe(
      `Qovery organization "${other.organizationId}" was not found or is not accessible with this connection's token (Qovery answered 403)`,
    );
    await sim.configure({ unknownIdStatus: 404 });
    const project = await api.get(`${BASE}/${connection.id}/projects/${other.project.id}/environments`);
    expect(project.status).toBe(404);
    expect(project.body.message).toContain("(Qovery answered 404)");
  });

  it("turn Qovery outages into 502 and long rate limits into 429", async () => {
    const sim = await createSimTenant();
    const connection = await createConnection(sim);
    await sim.injectFault({ type: "status", status: 502, count: 2 });
    const outage = await api.get(`${BASE}/${connection.id}/organizations`);
    expect(outage.status).toBe(502);
    expect(outage.body).toMatchObject({ error: "BadGateway", message: "Qovery could not be queried: Qovery failed (502 on GET /organization): server error" });

    await sim.injectFault({ type: "status", status: 429, retryAfterSeconds: 120 });
    const limited = await api.get(`${BASE}/${connection.id}/organizations`);
    expect(limited.status).toBe(429);
    expect(limited.body.message).toContain("retry in 120 s");
  });

  it("answer 404 for an unknown connection without calling Qovery", async () => {
    const res = await api.get(`${BASE}/${crypto.randomUUID()}/organizations`);
    expect(res.status).toBe(404);
  });
});

describe("delete", () => {
  it("deletes an unused connection once; the second time is 404", async () => {
    const sim = await createSimTenant();
    const connection = await createConnection(sim);
    const res = await api.delete(`${BASE}/${connection.id}`);
    expect(res.status).toBe(200);
    expect(res.body.appConnection).toMatchObject({ id: connection.id, credentials: {} });
    expect(await storedRow(connection.id)).toBeNull();
    expect((await api.delete(`${BASE}/${connection.id}`)).status).toBe(404);
  });
});

describe("secrets never leak", () => {
  it("no response, D1 row or audit entry contains the token", async () => {
    const sim = await createSimTenant();
    const token = sim.token;
    const bodies: unknown[] = [];
    const keep = <T extends { body: unknown }>(res: T) => {
      bodies.push(res.body);
      return res;
    };
    const name = unique("qovery");
    const created = keep(await api.post(BASE, { name, method: "access-token", credentials: { accessToken: token } })).body.appConnection;
    keep(await api.get(`${BASE}/${created.id}`));
    keep(await api.get(`${BASE}/connection-name/${name}`));
    keep(await api.get(BASE));
    keep(await api.get(`${BASE}/${created.id}/organizations`));
    keep(await api.patch(`${BASE}/${created.id}`, { credentials: { accessToken: token } }));
    keep(await api.post(BASE, { name: unique("bad"), method: "access-token", credentials: { accessToken: `${token}-wrong` } }));
    const audit = keep(await api.get("/api/v1/audit-logs", { query: { limit: "100" } }));
    keep(await api.delete(`${BASE}/${created.id}`));

    expect(JSON.stringify(bodies)).not.toContain(token);
    const rows = await env.DB.prepare("select * from app_connections").all();
    expect(JSON.stringify(rows.results)).not.toContain(token);
    const auditRows = await env.DB.prepare("select * from audit_logs where target_type = 'app-connection'").all();
    expect(JSON.stringify(auditRows.results)).not.toContain(token);
    expect(auditRows.results.map((r) => r.action)).toEqual(expect.arrayContaining(["app-connection.create", "app-connection.update", "app-connection.delete"]));
    expect(audit.status).toBe(200);
  });
});
