import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { loadKeyRing } from "../../src/lib/crypto";
import { MAX_IMPORT_DEPTH } from "../../src/lib/limits";
import { readResolvedSecrets } from "../../src/store/secret-reader";
import { api, createProject, createToken } from "../helpers/api";
import { countedGet, countingD1 } from "../helpers/d1-counter";
import { listSecrets, makeFolder, makeImport, putSecret, putSecrets } from "../helpers/store";

const V1 = "/api/v1/secret-imports";
const V2 = "/api/v2/secret-imports";

const at = (environment: string, path = "/") => ({ environment, path });

async function importRows(projectId: string) {
  const { results } = await env.DB.prepare("SELECT import_path, position, version FROM secret_imports WHERE project_id = ? ORDER BY folder_id, position").bind(projectId).all();
  return results;
}

describe("secret imports: create, list, get, update, delete", () => {
  it("creates imports in position order with Infisical's shapes", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "shared");
    const first = await api.post(V2, { projectId: p.id, environment: "prod", path: "/", import: at("dev", "/shared") });
    expect(first.status).toBe(200);
    expect(first.body.message).toBe("Successfully created secret import");
    expect(first.body.secretImport).toMatchObject({ version: 1, importPath: "/shared", importEnv: { slug: "dev", name: "Development", id: p.environments[0]!.id }, position: 1, isReplication: false });
    expect(Object.keys(first.body.secretImport).sort()).toEqual(["createdAt", "folderId", "id", "importEnv", "importPath", "isReplication", "position", "updatedAt", "version"]);
    const second = await api.post(V1, { workspaceId: p.id, environment: "prod", import: at("staging") });
    expect(second.body.secretImport.position).toBe(2);

    const list = await api.get(V1, { query: { workspaceId: p.id, environment: "prod" } });
    expect(list.body.message).toBe("Successfully fetched secret imports");
    expect(list.body.secretImports.map((i: any) => [i.importEnv.slug, i.importPath, i.position])).toEqual([["dev", "/shared", 1], ["staging", "/", 2]]);

    const one = await api.get(`${V2}/${first.body.secretImport.id}`);
    expect(one.body.secretImport).toMatchObject({ id: first.body.secretImport.id, projectId: p.id, secretPath: "/", environment: { slug: "prod", name: "Production" } });
    expect((await api.get(`${V2}/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });

  it("moves an import, shifting the others, and re-points it", async () => {
    const p = await createProject();
    const a = await makeImport(p.id, at("prod"), at("dev"));
    await makeImport(p.id, at("prod"), at("staging"));
    await makeFolder(p.id, "/", "extra");
    const moved = await api.patch(`${V2}/${a.id}`, { projectId: p.id, environment: "prod", path: "/", import: { position: 2 } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ message: "Successfully updated secret import", secretImport: { position: 2, version: 2 } });
    let list = await api.get(V2, { query: { projectId: p.id, environment: "prod" } });
    expect(list.body.secretImports.map((i: any) => [i.importEnv.slug, i.position])).toEqual([["staging", 1], ["dev", 2]]);
    const repointed = await api.patch(`${V2}/${a.id}`, { projectId: p.id, environment: "prod", path: "/", import: { path: "/extra", position: 1 } });
    expect(repointed.body.secretImport).toMatchObject({ importPath: "/extra", position: 1, importEnv: { slug: "dev" } });
    list = await api.get(V2, { query: { projectId: p.id, environment: "prod" } });
    expect(list.body.secretImports.map((i: any) => [i.importEnv.slug, i.importPath, i.position])).toEqual([["dev", "/extra", 1], ["staging", "/", 2]]);
    const unknown = await api.patch(`${V2}/00000000-0000-0000-0000-000000000000`, { projectId: p.id, environment: "prod", path: "/", import: { position: 1 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe("Secret import not found");
  });

  it("deletes an import and compacts the positions", async () => {
    const p = await createProject();
    const a = await makeImport(p.id, at("prod"), at("dev"));
    await makeImport(p.id, at("prod"), at("staging"));
    const res = await api.delete(`${V2}/${a.id}`, { projectId: p.id, environment: "prod", path: "/" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message: "Successfully deleted secret import", secretImport: { id: a.id } });
    expect(await importRows(p.id)).toEqual([{ import_path: "/", position: 1, version: 1 }]);
    const again = await api.delete(`${V2}/${a.id}`, { projectId: p.id, environment: "prod", path: "/" });
    expect(again.status).toBe(404);
  });
});

describe("secret imports: refused without a trace", () => {
  it("refuses a self-import (cycle of length 1)", async () => {
    const p = await createProject();
    const res = await api.post(V2, { projectId: p.id, environment: "dev", path: "/", import: at("dev", "/") });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Cyclic import not allowed");
    expect(await importRows(p.id)).toEqual([]);
  });

  it("refuses a cycle of length 2", async () => {
    const p = await createProject();
    await makeImport(p.id, at("dev"), at("prod"));
    const res = await api.post(V2, { projectId: p.id, environment: "prod", path: "/", import: at("dev") });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Cyclic import not allowed");
    expect(await importRows(p.id)).toHaveLength(1);
  });

  it("refuses a cycle of length 3, also when an update would close it", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "x");
    await makeImport(p.id, at("dev"), at("staging"));
    await makeImport(p.id, at("staging"), at("prod"));
    const closing = await api.post(V2, { projectId: p.id, environment: "prod", path: "/", import: at("dev") });
    expect(closing.status).toBe(400);
    expect(closing.body.message).toBe("Cyclic import not allowed");
    const harmless = await makeImport(p.id, at("prod"), at("dev", "/x"));
    const repoint = await api.patch(`${V2}/${harmless.id}`, { projectId: p.id, environment: "prod", path: "/", import: { path: "/" } });
    expect(repoint.status).toBe(400);
    expect(repoint.body.message).toBe("Cyclic import not allowed");
    expect((await importRows(p.id)).map((r) => r.import_path).sort()).toEqual(["/", "/", "/x"]);
  });

  it("refuses missing folders and environments, duplicates and replication", async () => {
    const p = await createProject();
    const noDestination = await api.post(V2, { projectId: p.id, environment: "dev", path: "/nope", import: at("prod") });
    expect(noDestination.status).toBe(404);
    expect(noDestination.body.message).toBe("Folder with path '/nope' in environment with slug 'dev' not found");
    const noSourceEnv = await api.post(V2, { projectId: p.id, environment: "dev", import: at("qa") });
    expect(noSourceEnv.status).toBe(404);
    expect(noSourceEnv.body.message).toContain("'qa'");
    const noSourceFolder = await api.post(V2, { projectId: p.id, environment: "dev", import: at("prod", "/missing") });
    expect(noSourceFolder.status).toBe(404);
    const traversal = await api.post(V2, { projectId: p.id, environment: "dev", import: at("prod", "/../x") });
    expect(traversal.status).toBe(422);
    await makeImport(p.id, at("dev"), at("prod"));
    const duplicate = await api.post(V2, { projectId: p.id, environment: "dev", import: at("prod") });
    expect(duplicate.status).toBe(400);
    const replication = await api.post(V2, { projectId: p.id, environment: "dev", import: at("staging"), isReplication: true });
    expect(replication.status).toBe(400);
    expect(replication.body.message).toMatch(/replication is not supported/);
    expect(await importRows(p.id)).toHaveLength(1);
  });

  it("answers 401 without a token and 403 without the scope or for another project", async () => {
    const p = await createProject();
    const other = await createProject();
    const imp = await makeImport(p.id, at("dev"), at("prod"));
    expect((await api.get(V2, { token: null, query: { projectId: p.id, environment: "dev" } })).status).toBe(401);
    const reader = (await createToken(["secrets:read"], p.id)).token;
    expect((await api.get(V2, { token: reader, query: { projectId: p.id, environment: "dev" } })).status).toBe(200);
    expect((await api.post(V2, { projectId: p.id, environment: "dev", import: at("staging") }, { token: reader })).status).toBe(403);
    expect((await api.patch(`${V2}/${imp.id}`, { projectId: p.id, environment: "dev", import: { position: 1 } }, { token: reader })).status).toBe(403);
    expect((await api.delete(`${V2}/${imp.id}`, { projectId: p.id, environment: "dev" }, { token: reader })).status).toBe(403);
    const stranger = (await createToken(["secrets:write"], other.id)).token;
    expect((await api.get(`${V2}/${imp.id}`, { token: stranger })).status).toBe(403);
    expect((await api.get(`${V2}/secrets`, { token: stranger, query: { projectId: p.id, environment: "dev" } })).status).toBe(403);
    expect(await importRows(p.id)).toHaveLength(1);
  });
});

describe("secret imports: what a folder sees", () => {
  it("lets own keys win, then later imports over earlier ones", async () => {
    const p = await createProject();
    await putSecrets(p.id, { OWN: "own", SHARED: "own-wins" }, { environment: "prod" });
    await putSecrets(p.id, { SHARED: "dev", ONLY_DEV: "d", BOTH: "from-dev" }, { environment: "dev" });
    await putSecrets(p.id, { SHARED: "staging", BOTH: "from-staging" }, { environment: "staging" });
    await makeImport(p.id, at("prod"), at("dev"));
    await makeImport(p.id, at("prod"), at("staging"));

    const list = await listSecrets(p.id, { environment: "prod", include_imports: "true" });
    expect(list.secrets.map((s: any) => s.secretKey)).toEqual(["OWN", "SHARED"]);
    expect(list.imports.map((i: any) => [i.environment, i.secretPath, i.secrets.map((s: any) => s.secretKey)])).toEqual([
      ["dev", "/", ["BOTH", "ONLY_DEV", "SHARED"]],
      ["staging", "/", ["BOTH", "SHARED"]],
    ]);
    expect(list.imports[0].secrets[0]).toMatchObject({ workspace: "", environment: "dev", secretValueHidden: false, secretMetadata: [] });
    expect(list.imports[0].secrets[0].createdAt).toBeUndefined();

    // A key missing locally is found in the imports, last import first.
    const both = await api.get("/api/v4/secrets/BOTH", { query: { projectId: p.id, environment: "prod", includeImports: "true" } });
    expect(both.body.secret).toMatchObject({ secretValue: "from-staging", environment: "staging" });
    const shared = await api.get("/api/v3/secrets/raw/SHARED", { query: { workspaceId: p.id, environment: "prod", include_imports: "true" } });
    expect(shared.body.secret.secretValue).toBe("own-wins");
    const withoutImports = await api.get("/api/v3/secrets/raw/BOTH", { query: { workspaceId: p.id, environment: "prod" } });
    expect(withoutImports.status).toBe(404);
  });

  it("flattens nested imports and answers the imports route on v1 and v2", async () => {
    const p = await createProject();
    await putSecret(p.id, "DEEP", "deep", { environment: "dev" });
    await putSecret(p.id, "MID", "mid", { environment: "staging" });
    await makeImport(p.id, at("staging"), at("dev"));
    await makeImport(p.id, at("prod"), at("staging"));
    const list = await listSecrets(p.id, { environment: "prod", includeImports: "true" });
    // The imported folder's own secrets first, then what it imports itself.
    expect(list.imports.map((i: any) => i.secrets.map((s: any) => [s.secretKey, s.environment]))).toEqual([[["MID", "staging"], ["DEEP", "dev"]]]);
    for (const [path, selector] of [[`${V2}/secrets`, "projectId"], [`${V1}/secrets/raw`, "workspaceId"]] as const) {
      const res = await api.get(path, { query: { [selector]: p.id, environment: "prod", path: "/" } });
      expect(res.status).toBe(200);
      expect(res.body.secrets).toHaveLength(1);
      expect(res.body.secrets[0]).toMatchObject({ secretPath: "/", environment: "staging", environmentInfo: { slug: "staging", name: "Staging" } });
      expect(res.body.secrets[0].secrets.map((s: any) => s.secretKey)).toEqual(["MID", "DEEP"]);
    }
  });
});

describe("secret imports: graphs", () => {
  const dev = (path: string) => at("dev", path);
  const readCounted = async (projectId: string, path: string) => {
    const { db, counter } = countingD1(env.DB);
    const read = await readResolvedSecrets(createDb(db), await loadKeyRing(env.ENCRYPTION_KEY), { projectId, environmentSlug: "dev", path });
    return { statements: counter.statements, values: Object.fromEntries(read.secrets.map((s) => [s.key, s.value])) };
  };

  it("reads a lattice of diamond imports (1,024 import paths) with each folder once, in as many D1 statements as one import", { timeout: 60_000 }, async () => {
    const p = await createProject();
    const levels = MAX_IMPORT_DEPTH;
    const names = Array.from({ length: levels }, (_, level) => [`l${level}a`, `l${level}b`]);
    await Promise.all(["root", ...names.flat()].map((name) => makeFolder(p.id, "/", name)));
    await Promise.all(names.flat().map((name) => putSecrets(p.id, { [`KEY_${name.toUpperCase()}`]: name, SHARED: name }, { secretPath: `/${name}` })));
    // root imports level 0; each folder of a level imports both folders of the next.
    const importers = [["root", names[0]!] as const, ...names.slice(0, -1).flatMap((pair, level) => pair.map((name) => [name, names[level + 1]!] as const))];
    await Promise.all(
      importers.map(async ([from, [a, b]]) => {
        await makeImport(p.id, dev(`/${from}`), dev(`/${a}`));
        await makeImport(p.id, dev(`/${from}`), dev(`/${b}`));
      }),
    );
    const single = await createProject();
    await makeFolder(single.id, "/", "root");
    await makeFolder(single.id, "/", "only");
    await putSecrets(single.id, { ONLY: "o" }, { secretPath: "/only" });
    await makeImport(single.id, dev("/root"), dev("/only"));

    const lattice = await readCounted(p.id, "/root");
    // Every folder of the lattice brings its key; the bottom-most import of the first level wins SHARED.
    expect(Object.keys(lattice.values).sort()).toEqual([...names.flat().map((name) => `KEY_${name.toUpperCase()}`), "SHARED"].sort());
    expect(lattice.values.SHARED).toBe("l0b");
    expect(lattice.statements).toBe((await readCounted(single.id, "/root")).statements);

    const query = { environment: "dev", secretPath: "/root", include_imports: "true", expandSecretReferences: "true" };
    const latticeList = await countedGet("/api/v4/secrets", { projectId: p.id, ...query });
    const singleList = await countedGet("/api/v4/secrets", { projectId: single.id, ...query });
    expect(latticeList.status).toBe(200);
    expect(latticeList.body.imports.map((layer: any) => layer.secrets.length)).toEqual([2 * levels, 2 * levels]);
    expect(latticeList.counter.statements).toBe(singleList.counter.statements);
  });

  it("follows each folder from where it is nearest: a long import path cannot hide what a short one brings", async () => {
    // root → c1 → … → c9 → near reaches `near` at the depth cap; root also imports `near` directly, which imports `far`.
    const p = await createProject();
    const chain = Array.from({ length: MAX_IMPORT_DEPTH - 1 }, (_, i) => `c${i + 1}`);
    await Promise.all(["root", ...chain, "near", "far"].map((name) => makeFolder(p.id, "/", name)));
    await putSecrets(p.id, { FAR: "far" }, { secretPath: "/far" });
    for (const [from, to] of [["root", "c1"], ...chain.map((c, i) => [c, chain[i + 1] ?? "near"]), ["root", "near"], ["near", "far"]]) {
      await makeImport(p.id, dev(`/${from}`), dev(`/${to}`));
    }
    expect((await readCounted(p.id, "/root")).values).toEqual({ FAR: "far" });
    const list = await listSecrets(p.id, { secretPath: "/root", include_imports: "true" });
    expect(list.imports.map((layer: any) => layer.secrets.map((s: any) => s.secretKey))).toEqual([["FAR"], ["FAR"]]);
  });
});
