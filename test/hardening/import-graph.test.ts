/**
 * Hostile import graphs: a folder with ever more imports, and imports that make one read reach ever more folders.
 * Each is refused with a clear 400, changes nothing, and the service keeps answering; a sync never acts on a
 * source cut short.
 */
import { describe, expect, it, vi } from "vitest";
import { MAX_IMPORTED_FOLDERS_PER_READ, MAX_IMPORTS_PER_FOLDER } from "../../src/store/project-tree";
import { api, createProject } from "../helpers/api";
import { listSecrets, makeFolder, makeImport, putSecrets, storedProjectState } from "../helpers/store";
import { createSync, getSync, qoveryValues, syncFixture, triggerSync, waitForRun } from "../helpers/sync-fixtures";

const V2 = "/api/v2/secret-imports";
const at = (path: string) => ({ environment: "dev", path });

/** Creates `/<name>` for each name, in dev. */
async function makeFolders(projectId: string, names: string[]) {
  await Promise.all(names.map((name) => makeFolder(projectId, "/", name)));
}

/** `/<hub>` importing `count` new folders `/<hub>-s<i>`; returns their paths. */
async function makeHub(projectId: string, hub: string, count: number) {
  const sources = Array.from({ length: count }, (_, i) => `${hub}-s${i}`);
  await makeFolders(projectId, [hub, ...sources]);
  for (const source of sources) await makeImport(projectId, at(`/${hub}`), at(`/${source}`));
  return sources.map((s) => `/${s}`);
}

// Full hubs (a hub and its MAX_IMPORTS_PER_FOLDER sources) that fit in one read, and the folders left after them.
const HUB_SIZE = MAX_IMPORTS_PER_FOLDER + 1;
const FULL_HUBS = Math.floor(MAX_IMPORTED_FOLDERS_PER_READ / HUB_SIZE);
const LEFT = MAX_IMPORTED_FOLDERS_PER_READ - FULL_HUBS * HUB_SIZE;

/** `root` importing FULL_HUBS full hubs: it reaches MAX_IMPORTED_FOLDERS_PER_READ - LEFT folders. */
async function importFullHubs(projectId: string, root: string) {
  const hubs = Array.from({ length: FULL_HUBS }, (_, h) => `hub${h}`);
  const sources = await Promise.all(hubs.map((hub) => makeHub(projectId, hub, MAX_IMPORTS_PER_FOLDER)));
  for (const hub of hubs) await makeImport(projectId, at(root), at(`/${hub}`));
  return sources.flat();
}

const reachRefusal = (path: string) =>
  `Folder '${path}' in environment 'dev' reaches more than ${MAX_IMPORTED_FOLDERS_PER_READ} folders through its secret imports ` +
  "(the limit for one read); remove some of its imports or theirs";

describe("hostile import graphs", () => {
  it(`refuses import number ${MAX_IMPORTS_PER_FOLDER + 1} of a folder`, { timeout: 60_000 }, async () => {
    const p = await createProject();
    const sources = Array.from({ length: MAX_IMPORTS_PER_FOLDER + 1 }, (_, i) => `s${i}`);
    await makeFolders(p.id, ["root", ...sources]);
    await putSecrets(p.id, { FROM_S0: "s0" }, { secretPath: "/s0" });
    for (const source of sources.slice(0, -1)) await makeImport(p.id, at("/root"), at(`/${source}`));
    const before = await storedProjectState(p.id);

    const refused = await api.post(V2, { projectId: p.id, ...at("/root"), import: at(`/${sources.at(-1)}`) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ statusCode: 400, error: "BadRequest", message: `A folder can have at most ${MAX_IMPORTS_PER_FOLDER} secret imports` });

    expect(await storedProjectState(p.id)).toEqual(before);
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
    const before = await storedProjectState(p.id);

    const refused = await api.post(V2, { projectId: p.id, ...at("/root"), import: at("/last") });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ statusCode: 400, error: "BadRequest", message: reachRefusal("/root") });
    expect(await storedProjectState(p.id)).toEqual(before);

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
    await makeFolders(projectId, ["last"]);
    await makeImport(projectId, at("/app"), at("/last"));
    // Manual runs only, so the folder changes below start no run of their own. `auto` never runs before the rename.
    const sync = await createSync(f, { autoSyncEnabled: false });
    const auto = await createSync(f, { keySchema: "AUTO_{{secretKey}}", autoSyncEnabled: false });
    await triggerSync(sync.id);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ OWN: "own", FROM_HUB: "h" });

    // `/staged` imports LEFT folders; nothing imports it, so each import is accepted. Renamed to `/last`, it completes
    // `/app`'s import of that path: a change of folders, not of imports.
    await makeHub(projectId, "staged", LEFT);
    const folderId = async (name: string) => {
      const listed = await api.get("/api/v2/folders", { query: { projectId, environment: "dev", path: "/" } });
      return listed.body.folders.find((x: any) => x.name === name).id;
    };
    const rename = async (from: string, to: string) =>
      expect((await api.patch(`/api/v2/folders/${await folderId(from)}`, { projectId, environment: "dev", path: "/", name: to })).status).toBe(200);
    await rename("last", "last-old");
    await rename("staged", "last");
    const before = await storedProjectState(projectId);

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

    expect(await storedProjectState(projectId)).toEqual(before);
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
