/**
 * Hostile import graphs: a folder with ever more imports, and imports that make one read reach ever more folders.
 * Each is refused with a clear 400, changes nothing, and the service keeps answering; a sync never acts on a
 * source cut short.
 */
import { describe, expect, it, vi } from "vitest";
import { MAX_IMPORTED_FOLDERS_PER_READ, MAX_IMPORTS_PER_FOLDER } from "../../src/lib/limits";
import { api, createProject } from "../helpers/api";
import { at, importFullHubs, LEFT, makeFolders, makeHub, pushPastTheReachCap, reachRefusal } from "../helpers/import-graph";
import { listSecrets, makeImport, putSecrets } from "../helpers/store";
import { storedRows, SYNC_RUN_TABLES } from "../helpers/stored-rows";
import { createSync, getSync, qoveryValues, syncFixture, triggerSync, waitForRun } from "../helpers/sync-fixtures";

const V2 = "/api/v2/secret-imports";

describe("hostile import graphs", () => {
  it(`refuses import number ${MAX_IMPORTS_PER_FOLDER + 1} of a folder`, { timeout: 60_000 }, async () => {
    const p = await createProject();
    const sources = Array.from({ length: MAX_IMPORTS_PER_FOLDER + 1 }, (_, i) => `s${i}`);
    await makeFolders(p.id, ["root", ...sources]);
    await putSecrets(p.id, { FROM_S0: "s0" }, { secretPath: "/s0" });
    for (const source of sources.slice(0, -1)) await makeImport(p.id, at("/root"), at(`/${source}`));
    const before = await storedRows({ projectId: p.id });

    const refused = await api.post(V2, { projectId: p.id, ...at("/root"), import: at(`/${sources.at(-1)}`) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ statusCode: 400, error: "BadRequest", message: `A folder can have at most ${MAX_IMPORTS_PER_FOLDER} secret imports` });

    expect(await storedRows({ projectId: p.id })).toEqual(before);
    const list = await listSecrets(p.id, { secretPath: "/root", include_imports: "true" });
    expect(list.imports).toHaveLength(MAX_IMPORTS_PER_FOLDER);
    expect(list.imports[0].secrets.map((s: any) => s.secretKey)).toEqual(["FROM_S0"]);
  });

  const limit = MAX_IMPORTED_FOLDERS_PER_READ;
  it(`refuses an import that would let a read reach ${limit + 1} folders, and accepts one reaching ${limit}`, { timeout: 60_000 }, async () => {
    const p = await createProject();
    await makeFolders(p.id, ["root"]);
    await importFullHubs(p.id, "/root");
    // `/last` and LEFT sources: importing it takes root one folder past the limit.
    const lastSources = await makeHub(p.id, "last", LEFT);
    const before = await storedRows({ projectId: p.id });

    const refused = await api.post(V2, { projectId: p.id, ...at("/root"), import: at("/last") });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ statusCode: 400, error: "BadRequest", message: reachRefusal("/root") });
    expect(await storedRows({ projectId: p.id })).toEqual(before);

    const lastImports = (await api.get(V2, { query: { projectId: p.id, ...at("/last") } })).body.secretImports;
    expect((await api.delete(`${V2}/${lastImports.at(-1).id}`, { projectId: p.id, ...at("/last") })).status).toBe(200);
    const accepted = await api.post(V2, { projectId: p.id, ...at("/root"), import: at("/last") });
    expect(accepted.status).toBe(200);
    await putSecrets(p.id, { DEEP: "d" }, { secretPath: lastSources[0]! });
    const list = await listSecrets(p.id, { secretPath: "/root", include_imports: "true" });
    expect(list.imports.at(-1).secrets.map((s: any) => s.secretKey)).toEqual(["DEEP"]);
  });

  it("refuses, whole, a read whose imports a folder rename took past the limit; its sync fails and deletes nothing", { timeout: 90_000 }, async () => {
    const f = await syncFixture({ OWN: "own" });
    const projectId = f.project.id;
    const sources = await importFullHubs(projectId, "/app");
    await putSecrets(projectId, { FROM_HUB: "h" }, { secretPath: sources[0]! });
    // Manual runs only, so the folder changes below start no run of their own. `auto` never runs before the rename.
    const sync = await createSync(f, { autoSyncEnabled: false });
    const auto = await createSync(f, { keySchema: "AUTO_{{secretKey}}", autoSyncEnabled: false });
    await triggerSync(sync.id);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ OWN: "own", FROM_HUB: "h" });

    await pushPastTheReachCap(projectId, "/app");
    const before = await storedRows({ projectId, except: SYNC_RUN_TABLES });

    const withImports = await api.get("/api/v4/secrets", { query: { projectId, environment: "dev", secretPath: "/app", include_imports: "true" } });
    expect(withImports.status).toBe(400);
    expect(withImports.body).toMatchObject({ statusCode: 400, error: "BadRequest", message: reachRefusal("/app") });
    const imported = await api.get(`${V2}/secrets`, { query: { projectId, ...at("/app") } });
    expect(imported.status).toBe(400);
    expect(imported.body.message).toBe(reachRefusal("/app"));

    await triggerSync(sync.id);
    const failed = await waitForRun(sync.id);
    expect(failed.syncStatus).toBe("failed");
    expect(JSON.parse(failed.lastSyncMessage)).toEqual({ error: reachRefusal("/app") });
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ OWN: "own", FROM_HUB: "h" });

    expect(await storedRows({ projectId, except: SYNC_RUN_TABLES })).toEqual(before);
    // The folder's own secrets still read, and so does everything else.
    const own = await listSecrets(projectId, { secretPath: "/app" });
    expect(own.secrets.map((s: any) => s.secretKey)).toEqual(["OWN"]);
    expect((await listSecrets(projectId, { secretPath: sources[0]! })).secrets.map((s: any) => s.secretKey)).toEqual(["FROM_HUB"]);
    expect((await getSync(sync.id)).id).toBe(sync.id);

    // No new sync can be set up on the folder: what it would read (and the caller's right to read it) cannot be known.
    const refusedSync = await api.post("/api/v1/secret-syncs/qovery", {
      name: "over-the-limit",
      projectId,
      connectionId: f.connectionId,
      environment: "dev",
      secretPath: "/app",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, variableType: "secret" },
    });
    expect(refusedSync.status).toBe(400);
    expect(refusedSync.body.message).toBe(reachRefusal("/app"));

    // An auto-sync sync on the folder never gets to record what its source reads, so matching tries to read it after
    // every write: writes elsewhere still succeed, and a write to the folder itself still triggers the sync.
    expect((await api.patch(`/api/v1/secret-syncs/qovery/${auto.id}`, { isAutoSyncEnabled: true })).status).toBe(200);
    expect(JSON.parse((await waitForRun(auto.id)).lastSyncMessage)).toEqual({ error: reachRefusal("/app") });
    const create = (key: string, secretPath: string) => api.post(`/api/v3/secrets/raw/${key}`, { workspaceId: projectId, environment: "dev", secretPath, secretValue: "v" });
    expect((await create("ELSEWHERE", sources[1]!)).status).toBe(200);
    expect((await create("MORE", "/app")).status).toBe(200);
    const triggers = async () => ((await api.get(`/api/v1/secret-syncs/qovery/${auto.id}/runs`)).body.runs as { trigger: string }[]).map((r) => r.trigger);
    await vi.waitUntil(async () => (await triggers()).includes("auto"), { timeout: 10_000, interval: 100 });
    expect(await triggers()).toEqual(["auto", "update"]);
  });
});
