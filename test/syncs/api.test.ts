import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createToken } from "../helpers/api";
import { createSync, getSync, latestRun, putSecrets, syncBody, syncFixture, triggerSync, waitForRun } from "../helpers/sync-fixtures";

const BASE = "/api/v1/secret-syncs/qovery";

const syncCount = async () => (await env.DB.prepare("select count(*) as n from secret_syncs").first<{ n: number }>())!.n;

describe("creating a sync: validation", () => {
  it("rejects bad input with clear 4xx messages and stores nothing", async () => {
    const f = await syncFixture({ A: "1" });
    const before = await syncCount();
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ name: "Not A Slug" }, 422, /lowercase letters, numbers, and hyphens/],
      [{ name: "" }, 422, /at least 1/],
      [{ description: "x".repeat(257) }, 422, /Description cannot exceed 256 characters/],
      [{ syncOptions: { initialSyncBehavior: "import-prioritize-source" } }, 422, /Qovery never returns secret values/],
      [{ syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "APP_{{secretKey}}_{{secretKey}}" } }, 422, /exactly once/],
      [{ syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "app-{{secretKey}}" } }, 422, /letters, digits and underscores/],
      [{ syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "QOVERY_{{secretKey}}" } }, 422, /QOVERY/],
      [{ destinationConfig: { organizationId: "", projectId: "" } }, 422, /Organization required/],
      [{ destinationConfig: { organizationId: "x", projectId: "y", variableType: "file" } }, 422, /variableType/],
      [{ environment: "nope" }, 404, /Environment with slug 'nope'/],
      [{ secretPath: "/missing" }, 400, /Could not find folder with path "\/missing" in environment "dev"/],
      [{ connectionId: "no-such-connection" }, 404, /Could not find App Connection/],
      [{ destinationConfig: { organizationId: "not-mine", projectId: "p" } }, 400, /organization "not-mine" was not found/],
      [{ destinationConfig: { organizationId: f.tenant.organizationId, projectId: "not-mine" } }, 400, /project "not-mine" was not found/],
      [{ destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: "nope" } }, 400, /environment "nope" was not found/],
      [{ isEnabled: "yes" }, 422, /isEnabled must be a boolean/],
    ];
    for (const [overrides, status, message] of cases) {
      const res = await api.post(BASE, syncBody(f, overrides));
      expect(res.status, JSON.stringify(overrides)).toBe(status);
      expect(res.body.message, JSON.stringify(overrides)).toMatch(message);
      expect(Object.keys(res.body)).toEqual(expect.arrayContaining(["reqId", "statusCode", "message", "error"]));
    }
    const malformed = await api.post(BASE, undefined, { rawBody: "{nope" });
    expect(malformed.status).toBe(400);
    expect(await syncCount()).toBe(before);
  });

  it("rejects a duplicate name in the project, with Infisical's message", async () => {
    const f = await syncFixture({ A: "1" });
    await createSync(f, { name: "taken", autoSyncEnabled: false });
    const res = await api.post(BASE, syncBody(f, { name: "taken" }));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(`A Secret Sync with the name "taken" already exists for the project with ID "${f.project.id}"`);
  });

  it("fills in Qovery display names and reports both auto-sync spellings", async () => {
    const f = await syncFixture({ A: "1" });
    const res = await api.post(BASE, syncBody(f, { isAutoSyncEnabled: false }));
    expect(res.status).toBe(200);
    const sync = res.body.secretSync;
    expect(sync.destinationConfig).toMatchObject({ organizationName: expect.any(String), projectName: "backend", environmentName: "staging", variableType: "secret" });
    expect(sync).toMatchObject({ isAutoSyncEnabled: false, syncOptions: { autoSyncEnabled: false }, syncStatus: null });
  });
});

describe("reading, updating, deleting", () => {
  it("gets by id and by name, lists per project, and 404s with Infisical's messages", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { name: "findme", autoSyncEnabled: false });
    expect((await api.get(`${BASE}/${sync.id}`)).body.secretSync.name).toBe("findme");
    expect((await api.get(`${BASE}/sync-name/findme`, { query: { projectId: f.project.id } })).body.secretSync.id).toBe(sync.id);
    const generic = await api.get("/api/v1/secret-syncs", { query: { projectId: f.project.id } });
    expect(generic.body.secretSyncs.map((s: { id: string }) => s.id)).toEqual([sync.id]);
    expect((await api.get(BASE, { query: { projectId: f.project.id } })).body.secretSyncs).toHaveLength(1);
    expect((await api.get(BASE)).status).toBe(422);
    const missing = await api.get(`${BASE}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Could not find Qovery Sync with ID "nope"');
    expect((await api.get(`${BASE}/sync-name/nope`, { query: { projectId: f.project.id } })).body.message).toBe('Could not find Qovery Sync with name "nope"');
  });

  it("updates, bumps the version and queues a run when auto-sync is on", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const res = await api.patch(`${BASE}/${sync.id}`, { description: "now automatic", isAutoSyncEnabled: true });
    expect(res.status).toBe(200);
    expect(res.body.secretSync).toMatchObject({ version: 2, description: "now automatic", isAutoSyncEnabled: true, syncStatus: "pending" });
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
  });

  it("deletes without touching Qovery when removeSecrets is false", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f);
    await waitForRun(sync.id);
    const res = await api.delete(`${BASE}/${sync.id}`, undefined, { query: { removeSecrets: "false" } });
    expect(res.status).toBe(200);
    expect((await api.get(`${BASE}/${sync.id}`)).status).toBe(404);
    expect((await f.tenant.variables()).some((r) => r.key === "A")).toBe(true);
    expect((await api.delete(`${BASE}/${sync.id}`, undefined, { query: { removeSecrets: "maybe" } })).status).toBe(422);
  });

  it("refuses to delete a connection or project a sync uses", async () => {
    const f = await syncFixture({ A: "1" });
    await createSync(f, { autoSyncEnabled: false });
    expect((await api.delete(`/api/v1/app-connections/qovery/${f.connectionId}`)).status).toBe(409);
    expect((await api.delete(`/api/v1/projects/${f.project.id}`)).status).toBe(409);
  });
});

describe("Infisical's generic endpoints", () => {
  it("lists the Qovery option and refuses imports, once the caller is shown to hold import-secrets", async () => {
    const options = await api.get("/api/v1/secret-syncs/options");
    expect(options.body.secretSyncOptions).toEqual([{ name: "Qovery", destination: "qovery", connection: "qovery", canImportSecrets: false, canRemoveSecretsOnDeletion: true }]);
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const imported = await api.post(`${BASE}/${sync.id}/import-secrets`);
    expect(imported.status).toBe(400);
    expect(imported.body.message).toBe("Qovery does not support importing secrets.");
    const reader = await createToken(["syncs:read"], f.project.id);
    const refused = await api.post(`${BASE}/${sync.id}/import-secrets`, undefined, { token: reader.token });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe("You are not allowed to import-secrets on secret-syncs");
    expect((await api.post(`${BASE}/${crypto.randomUUID()}/import-secrets`)).status).toBe(404);
  });

  it("checks for a duplicate destination", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const destinationConfig = { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: f.tenant.environment.id };
    const dup = await api.post(`${BASE}/check-destination`, { projectId: f.project.id, destinationConfig });
    expect(dup.body).toEqual({ hasDuplicate: true, duplicateProjectId: f.project.id });
    const excluded = await api.post(`${BASE}/check-destination`, { projectId: f.project.id, destinationConfig, excludeSyncId: sync.id });
    expect(excluded.body).toEqual({ hasDuplicate: false });
  });
});

describe("plan and run history explain every decision without values", () => {
  it("previews a run, and reports runs and per-key outcomes", async () => {
    const f = await syncFixture({ KEEP: "same-value", CHANGE: "old-value", BROKEN: "x" });
    // Manual runs only, so no auto-sync run races the preview below.
    const sync = await createSync(f, { autoSyncEnabled: false });
    await triggerSync(sync.id);
    await waitForRun(sync.id);
    await putSecrets(f.project.id, "dev", "/app", { CHANGE: "new-value", BROKEN: "${NOPE}", ADDED: "brand-new" });

    const plan = await api.get(`${BASE}/${sync.id}/plan`);
    expect(plan.status).toBe(200);
    expect(plan.body.plan.summary).toMatchObject({ create: 1, update: 1, unchanged: 1, hold: 1, delete: 0 });
    expect(plan.body.plan.actions).toEqual(
      expect.arrayContaining([
        { type: "create", key: "ADDED", sourceKey: "ADDED" },
        { type: "update", key: "CHANGE", sourceKey: "CHANGE", reason: "changed" },
        { type: "unchanged", key: "KEEP", sourceKey: "KEEP" },
        expect.objectContaining({ type: "hold", key: "BROKEN" }),
      ]),
    );
    const text = JSON.stringify(plan.body);
    for (const value of ["same-value", "old-value", "new-value", "brand-new"]) expect(text).not.toContain(value);

    await triggerSync(sync.id);
    await waitForRun(sync.id);
    const runs = await api.get(`${BASE}/${sync.id}/runs`);
    expect(runs.body.runs.map((r: { trigger: string }) => r.trigger)).toEqual(["manual", "manual"]);
    const run = await latestRun(sync.id);
    expect(run.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1, heldBack: 1 });
    expect(JSON.stringify(run)).not.toMatch(/same-value|new-value|brand-new/);
    const raw = await env.DB.prepare("select * from sync_runs where sync_id = ?").bind(sync.id).all();
    expect(JSON.stringify(raw.results)).not.toMatch(/same-value|old-value|new-value|brand-new/);
    const ledger = await env.DB.prepare("select * from sync_ledger where sync_id = ?").bind(sync.id).all();
    expect(ledger.results.map((r) => r.destination_key).sort()).toEqual(["ADDED", "BROKEN", "CHANGE", "KEEP"]);
    expect(JSON.stringify(ledger.results)).not.toMatch(/same-value|new-value|brand-new/);
    expect((await api.get(`${BASE}/${sync.id}/runs/nope`)).status).toBe(404);
  });
});

describe("authorisation", () => {
  it("needs the sync scopes and stays inside a bound project", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const reader = await createToken(["syncs:read"], f.project.id);
    expect((await api.get(`${BASE}/${sync.id}`, { token: reader.token })).status).toBe(200);
    expect((await api.post(`${BASE}/${sync.id}/sync-secrets`, undefined, { token: reader.token })).status).toBe(403);
    const trigger = await createToken(["syncs:trigger"], f.project.id);
    expect((await api.post(`${BASE}/${sync.id}/sync-secrets`, undefined, { token: trigger.token })).status).toBe(200);
    expect((await api.patch(`${BASE}/${sync.id}`, { description: "x" }, { token: trigger.token })).status).toBe(403);
    const other = await syncFixture();
    const outsider = await createToken(["syncs:write"], other.project.id);
    expect((await api.get(`${BASE}/${sync.id}`, { token: outsider.token })).status).toBe(403);
    expect((await api.get(`${BASE}/${sync.id}`, { token: null })).status).toBe(401);
    expect((await getSync(sync.id)).description).toBeNull();
  });
});
