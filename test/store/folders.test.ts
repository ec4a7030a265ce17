import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_PATH_DEPTH } from "../../src/lib/limits";
import { INVALID_FOLDER_NAME } from "../../src/store/paths";
import { api, createProject, createToken } from "../helpers/api";
import { listSecrets, makeFolder, makeImport, putSecret, storedSecretRows } from "../helpers/store";

const V1 = "/api/v1/folders";
const V2 = "/api/v2/folders";

const FOLDER_FIELDS = ["id", "name", "version", "createdAt", "updatedAt", "envId", "parentId", "isReserved", "description", "lastSecretModified", "path"];

async function folderPaths(projectId: string, environment = "dev") {
  const { results } = await env.DB.prepare(
    "SELECT f.path FROM folders f JOIN environments e ON e.id = f.environment_id WHERE f.project_id = ? AND e.slug = ? ORDER BY f.path",
  )
    .bind(projectId, environment)
    .all<{ path: string }>();
  return results.map((r) => r.path);
}

describe("folders: create and list", () => {
  it("creates a folder with Infisical's shape, creating missing parents", async () => {
    const p = await createProject();
    const res = await api.post(V2, { projectId: p.id, environment: "dev", path: "/a/b", name: "c", description: "deep" });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.folder).sort()).toEqual([...FOLDER_FIELDS].sort());
    expect(res.body.folder).toMatchObject({ name: "c", path: "/a/b/c", description: "deep", version: 1, isReserved: false, envId: p.environments[0]!.id });
    expect(await folderPaths(p.id)).toEqual(["/", "/a", "/a/b", "/a/b/c"]);
    // Secrets can now live at every level.
    await putSecret(p.id, "DEEP", "d", { secretPath: "/a/b/c" });
    expect((await listSecrets(p.id, { secretPath: "/a/b/c" })).secrets).toHaveLength(1);
  });

  it("takes the v1 spelling (workspaceId, directory)", async () => {
    const p = await createProject();
    const res = await api.post(V1, { workspaceId: p.id, environment: "staging", directory: "/svc", name: "web" });
    expect(res.status).toBe(200);
    expect(res.body.folder.path).toBe("/svc/web");
    const list = await api.get(V1, { query: { workspaceId: p.id, environment: "staging", directory: "/svc" } });
    expect(list.body.folders.map((f: any) => f.name)).toEqual(["web"]);
  });

  it("lists direct children sorted by name, or every descendant with recursive", async () => {
    const p = await createProject();
    for (const [path, name] of [["/", "zeta"], ["/", "alpha"], ["/alpha", "inner"], ["/alpha/inner", "deepest"]] as const) await makeFolder(p.id, path, name);
    const direct = await api.get(V2, { query: { projectId: p.id, environment: "dev" } });
    expect(direct.body.folders.map((f: any) => f.name)).toEqual(["alpha", "zeta"]);
    const recursive = await api.get(V2, { query: { projectId: p.id, environment: "dev", path: "/alpha", recursive: "true" } });
    expect(recursive.body.folders.map((f: any) => [f.path, f.relativePath])).toEqual([["/alpha/inner", "/inner"], ["/alpha/inner/deepest", "/inner/deepest"]]);
    for (const lenient of ["0", "false", ""]) {
      const res = await api.get(V2, { query: { projectId: p.id, environment: "dev", recursive: lenient } });
      expect(res.body.folders).toHaveLength(2);
    }
    const since = new Date().toISOString();
    await putSecret(p.id, "TOUCHED", "x", { secretPath: "/zeta" });
    const modified = await api.get(V2, { query: { projectId: p.id, environment: "dev", lastSecretModified: since } });
    expect(modified.body.folders.map((f: any) => f.name)).toEqual(["zeta"]);
    const missingParent = await api.get(V2, { query: { projectId: p.id, environment: "dev", path: "/nope" } });
    expect(missingParent.status).toBe(200);
    expect(missingParent.body.folders).toEqual([]);
  });

  it("gets a folder by id with its environment and path", async () => {
    const p = await createProject();
    const folder = await makeFolder(p.id, "/", "api", "prod");
    const res = await api.get(`${V2}/${folder.id}`);
    expect(res.status).toBe(200);
    expect(res.body.folder).toMatchObject({ id: folder.id, name: "api", path: "/api", projectId: p.id, environment: { envId: p.environments[2]!.id, envName: "Production", envSlug: "prod" } });
    const missing = await api.get(`${V2}/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe("Folder with ID '00000000-0000-0000-0000-000000000000' not found");
  });
});

describe("folders: bad input creates nothing", () => {
  it.each(["a b", "a.b", "a/b", "..", "é"])("refuses the folder name %j", async (name) => {
    const p = await createProject();
    const res = await api.post(V2, { projectId: p.id, environment: "dev", name });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain(INVALID_FOLDER_NAME);
    expect(await folderPaths(p.id)).toEqual(["/"]);
  });

  it.each(["/a/../b", "/..", "//x", "/a/./b"])("refuses the parent path %j", async (path) => {
    const p = await createProject();
    const res = await api.post(V2, { projectId: p.id, environment: "dev", path, name: "ok" });
    expect(res.status).toBe(422);
    expect(await folderPaths(p.id)).toEqual(["/"]);
  });

  it("refuses duplicates, unknown environments and nesting deeper than the cap", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "dup");
    const dup = await api.post(V2, { projectId: p.id, environment: "dev", name: "dup" });
    expect(dup.status).toBe(400);
    expect(dup.body.message).toBe("Folder with name 'dup' already exists in path '/'");
    const env = await api.post(V2, { projectId: p.id, environment: "qa", name: "x" });
    expect(env.status).toBe(404);
    expect(env.body.message).toBe(`Environment with slug 'qa' in project with ID '${p.id}' not found`);
    const tooDeep = await api.post(V2, { projectId: p.id, environment: "dev", path: "/f".repeat(MAX_PATH_DEPTH), name: "one-more" });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.message).toContain(`${MAX_PATH_DEPTH} levels`);
    expect(await folderPaths(p.id)).toEqual(["/", "/dup"]);
  });
});

describe("folders: rename and delete", () => {
  it("renames by id or by name; the subtree and its secrets move along", async () => {
    const p = await createProject();
    const api1 = await makeFolder(p.id, "/", "api");
    await makeFolder(p.id, "/api", "v1");
    await makeFolder(p.id, "/", "api_x");
    await putSecret(p.id, "DEEP", "d", { secretPath: "/api/v1" });
    const byId = await api.patch(`${V2}/${api1.id}`, { projectId: p.id, environment: "dev", name: "backend", path: "/" });
    expect(byId.status).toBe(200);
    expect(byId.body.folder).toMatchObject({ id: api1.id, name: "backend", path: "/backend", version: 2 });
    // '_' must not act as a LIKE wildcard: /api_x is not below /api.
    expect(await folderPaths(p.id)).toEqual(["/", "/api_x", "/backend", "/backend/v1"]);
    expect((await listSecrets(p.id, { secretPath: "/backend/v1" })).secrets.map((s: any) => s.secretKey)).toEqual(["DEEP"]);

    const byName = await api.patch(`${V1}/v1`, { workspaceId: p.id, environment: "dev", directory: "/backend", name: "v2" });
    expect(byName.body.folder.path).toBe("/backend/v2");
    const taken = await api.patch(`${V2}/${api1.id}`, { projectId: p.id, environment: "dev", name: "api_x", path: "/" });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toBe("Folder with specified name already exists");
    const badName = await api.patch(`${V2}/${api1.id}`, { projectId: p.id, environment: "dev", name: "no spaces", path: "/" });
    expect(badName.status).toBe(422);
    expect(await folderPaths(p.id)).toEqual(["/", "/api_x", "/backend", "/backend/v2"]);
  });

  it("renames several folders in one batch", async () => {
    const p = await createProject();
    const a = await makeFolder(p.id, "/", "a");
    const b = await makeFolder(p.id, "/", "b");
    const res = await api.patch(`${V2}/batch`, {
      projectId: p.id,
      folders: [
        { id: a.id, environment: "dev", name: "a2", path: "/" },
        { id: b.id, environment: "dev", name: "b2", path: "/", description: "renamed" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.folders.map((f: any) => [f.name, f.path, f.description])).toEqual([["a2", "/a2", null], ["b2", "/b2", "renamed"]]);
    const conflict = await api.patch(`${V2}/batch`, { projectId: p.id, folders: [{ id: a.id, environment: "dev", name: "x", path: "/" }, { id: b.id, environment: "dev", name: "x", path: "/" }] });
    expect(conflict.status).toBe(400);
    expect(await folderPaths(p.id)).toEqual(["/", "/a2", "/b2"]);
  });

  it("deletes an empty folder; a non-empty one needs forceDelete on v2, and takes its contents with it", async () => {
    const p = await createProject();
    const empty = await makeFolder(p.id, "/", "empty");
    expect((await api.delete(`${V2}/${empty.id}`, { projectId: p.id, environment: "dev", path: "/" })).status).toBe(200);

    const full = await makeFolder(p.id, "/", "full");
    await makeFolder(p.id, "/full", "child");
    await putSecret(p.id, "IN_CHILD", "x", { secretPath: "/full/child" });
    await makeImport(p.id, { environment: "dev", path: "/full" }, { environment: "prod", path: "/" });
    const refused = await api.delete(`${V2}/full`, { projectId: p.id, environment: "dev", path: "/" });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('Cannot delete folder "full" because it contains resources. Use forceDelete=true to delete it forcefully.');
    expect(await folderPaths(p.id)).toEqual(["/", "/full", "/full/child"]);

    const forced = await api.delete(`${V2}/${full.id}`, { projectId: p.id, environment: "dev", path: "/", forceDelete: true });
    expect(forced.status).toBe(200);
    expect(forced.body.folder).toMatchObject({ id: full.id, path: "/full" });
    expect(await folderPaths(p.id)).toEqual(["/"]);
    expect(await storedSecretRows(p.id)).toEqual([]);
    const { results } = await env.DB.prepare("SELECT id FROM secret_imports WHERE project_id = ?").bind(p.id).all();
    expect(results).toEqual([]);
  });

  it("deletes recursively on the v1 route, by name under directory", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/svc", "web");
    await putSecret(p.id, "K", "v", { secretPath: "/svc/web" });
    const res = await api.delete(`${V1}/svc`, { workspaceId: p.id, environment: "dev", directory: "/" });
    expect(res.status).toBe(200);
    expect(await folderPaths(p.id)).toEqual(["/"]);
    const root = await api.delete(`${V2}/root`, { projectId: p.id, environment: "dev", path: "/" });
    expect(root.status).toBe(404);
  });
});

describe("folders: authentication and scopes", () => {
  it("answers 401 without a token and 403 without the scope or for another project", async () => {
    const p = await createProject();
    const other = await createProject();
    const folder = await makeFolder(p.id, "/", "f");
    expect((await api.get(V2, { token: null, query: { projectId: p.id, environment: "dev" } })).status).toBe(401);
    const reader = (await createToken(["secrets:read"], p.id)).token;
    expect((await api.get(V2, { token: reader, query: { projectId: p.id, environment: "dev" } })).status).toBe(200);
    expect((await api.get(`${V2}/${folder.id}`, { token: reader })).status).toBe(200);
    expect((await api.post(V2, { projectId: p.id, environment: "dev", name: "g" }, { token: reader })).status).toBe(403);
    expect((await api.patch(`${V2}/${folder.id}`, { projectId: p.id, environment: "dev", name: "g", path: "/" }, { token: reader })).status).toBe(403);
    expect((await api.delete(`${V2}/${folder.id}`, { projectId: p.id, environment: "dev", path: "/" }, { token: reader })).status).toBe(403);
    const stranger = (await createToken(["secrets:write"], other.id)).token;
    expect((await api.get(`${V2}/${folder.id}`, { token: stranger })).status).toBe(403);
    expect((await api.post(V2, { projectId: p.id, environment: "dev", name: "g" }, { token: stranger })).status).toBe(403);
    expect(await folderPaths(p.id)).toEqual(["/", "/f"]);
  });
});
