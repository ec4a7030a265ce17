import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_SECRET_VALUE_BYTES } from "../../src/lib/limits";
import { api, createProject, createToken } from "../helpers/api";
import { listSecrets, makeFolder, putSecret, storedSecretRows } from "../helpers/store";

const V3 = "/api/v3/secrets/raw";
const V4 = "/api/v4/secrets";

const RAW_FIELDS = [
  "id", "_id", "workspace", "environment", "version", "type", "secretKey", "secretValue", "secretComment", "secretReminderNote",
  "secretReminderRepeatDays", "skipMultilineEncoding", "createdAt", "updatedAt", "actor", "isRotatedSecret", "rotationId",
];

describe("secrets: v3 raw and v4 single-secret routes", () => {
  it("creates, reads, lists, updates and deletes a secret with Infisical's shapes", async () => {
    const p = await createProject();
    const created = await api.post(`${V3}/DB_URL`, { workspaceId: p.id, environment: "dev", secretValue: "  postgres://x  ", secretComment: " main db " });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body.secret).sort()).toEqual([...RAW_FIELDS].sort());
    expect(created.body.secret).toMatchObject({ _id: created.body.secret.id, workspace: p.id, environment: "dev", version: 1, type: "shared", secretKey: "DB_URL", secretValue: "postgres://x", secretComment: "main db", skipMultilineEncoding: false });

    for (const path of [`${V3}/DB_URL`, `${V4}/DB_URL`]) {
      const got = await api.get(path, { query: { workspaceId: p.id, projectId: p.id, environment: "dev" } });
      expect(got.status).toBe(200);
      expect(got.body.secret).toMatchObject({ id: created.body.secret.id, secretValue: "postgres://x", secretPath: "/", secretValueHidden: false, tags: [], secretMetadata: [] });
    }

    const v3List = await api.get(V3, { query: { workspaceId: p.id, environment: "dev" } });
    const v4List = await api.get(V4, { query: { projectId: p.id, environment: "dev" } });
    expect(v3List.body).toEqual(v4List.body);
    expect(v4List.body.imports).toEqual([]);
    expect(v4List.body.secrets.map((s: any) => s.secretKey)).toEqual(["DB_URL"]);

    const updated = await api.patch(`${V4}/DB_URL`, { projectId: p.id, environment: "dev", secretValue: "postgres://y\n\n", secretComment: " kept as sent " });
    expect(updated.status).toBe(200);
    expect(updated.body.secret).toMatchObject({ version: 2, secretValue: "postgres://y\n", secretComment: " kept as sent ", secretValueHidden: false });
    const commentOnly = await api.patch(`${V3}/DB_URL`, { workspaceId: p.id, environment: "dev", secretComment: "c" });
    expect(commentOnly.body.secret).toMatchObject({ version: 3, secretValue: "postgres://y\n", secretComment: "c" });

    const deleted = await api.delete(`${V3}/DB_URL`, { workspaceId: p.id, environment: "dev" });
    expect(deleted.status).toBe(200);
    expect(deleted.body.secret).toMatchObject({ secretKey: "DB_URL", secretValue: "postgres://y\n", secretValueHidden: false });
    const gone = await api.get(`${V3}/DB_URL`, { query: { workspaceId: p.id, environment: "dev" } });
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe("Secret with name 'DB_URL' not found");
    expect(await storedSecretRows(p.id)).toEqual([]);
  });

  it("stores values encrypted, bound to their row", async () => {
    const p = await createProject();
    const value = "plaintext-canary-8d1e";
    const a = await putSecret(p.id, "A", value);
    await putSecret(p.id, "B", "other");
    await api.patch(`${V3}/A`, { workspaceId: p.id, environment: "dev", secretComment: "touched" });
    const rows = await storedSecretRows(p.id);
    expect(JSON.stringify(rows)).not.toContain(value);
    for (const table of ["audit_logs", "change_events"]) {
      const { results } = await env.DB.prepare(`SELECT * FROM ${table} WHERE project_id = ?`).bind(p.id).all();
      expect(results.length).toBeGreaterThan(0);
      expect(JSON.stringify(results)).not.toContain(value);
    }
    expect(rows.every((r) => /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(String(r.value_ciphertext)))).toBe(true);
    // A ciphertext moved to another row no longer decrypts: the row id is bound as associated data.
    await env.DB.prepare("UPDATE secrets SET value_ciphertext = ? WHERE project_id = ? AND key = 'B'").bind(rows[0]!.value_ciphertext, p.id).run();
    const res = await api.get(`${V3}/B`, { query: { workspaceId: p.id, environment: "dev" } });
    expect(res.status).toBe(500);
    expect(res.body.error).toBe("DecryptionError");
    expect(JSON.stringify(res.body)).not.toContain(value);
    expect(a.secretValue).toBe(value);
  });

  it("works in folders and across environments, and lists recursively", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "api");
    await makeFolder(p.id, "/api", "v2");
    await putSecret(p.id, "ROOT", "r");
    await putSecret(p.id, "API", "a", { secretPath: "/api/" });
    await putSecret(p.id, "V2", "b", { secretPath: "/api/v2" });
    await putSecret(p.id, "ROOT", "prod-r", { environment: "prod" });
    const api1 = await listSecrets(p.id, { secretPath: "/api" });
    expect(api1.secrets.map((s: any) => [s.secretKey, s.secretPath])).toEqual([["API", "/api"]]);
    const all = await listSecrets(p.id, { recursive: "true" });
    expect(all.secrets.map((s: any) => [s.secretKey, s.secretPath])).toEqual([["ROOT", "/"], ["API", "/api"], ["V2", "/api/v2"]]);
    const prod = await listSecrets(p.id, { environment: "prod" });
    expect(prod.secrets.map((s: any) => [s.secretKey, s.secretValue, s.environment])).toEqual([["ROOT", "prod-r", "prod"]]);
  });

  it("hides values with viewSecretValue=false and reads a secret by id", async () => {
    const p = await createProject();
    const s = await putSecret(p.id, "HIDDEN", "v");
    const list = await listSecrets(p.id, { viewSecretValue: "false" });
    expect(list.secrets[0]).toMatchObject({ secretValue: "<hidden-by-infisical>", secretValueHidden: true });
    const one = await api.get(`${V4}/HIDDEN`, { query: { projectId: p.id, environment: "dev", viewSecretValue: "false" } });
    expect(one.body.secret).toMatchObject({ secretValue: "<hidden-by-infisical>", secretValueHidden: true });
    for (const path of [`${V3}/id/${s.id}`, `${V4}/id/${s.id}`]) {
      const byId = await api.get(path);
      expect(byId.status).toBe(200);
      expect(byId.body.secret).toMatchObject({ id: s.id, secretKey: "HIDDEN", secretValue: "v", secretPath: "/" });
    }
    expect((await api.get(`${V4}/id/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });

  it("accepts the project by workspaceSlug, and answers a clear 400 when no project is named", async () => {
    const p = await createProject();
    await putSecret(p.id, "K", "v");
    const bySlug = await api.get(V3, { query: { workspaceSlug: p.slug, environment: "dev" } });
    expect(bySlug.body.secrets.map((s: any) => s.secretKey)).toEqual(["K"]);
    const none = await api.get(V3, { query: { environment: "dev" } });
    expect(none.status).toBe(400);
    expect(none.body.message).toMatch(/workspaceId/);
  });

  it("ignores unknown parameters and a JSON content type on GET", async () => {
    const p = await createProject();
    await putSecret(p.id, "K", "v");
    const res = await api.get(V3, { query: { workspaceId: p.id, environment: "dev", secretName: "K", somethingNew: "1" }, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(res.body.secrets).toHaveLength(1);
    const created = await api.post(`${V3}/EXTRA`, { workspaceId: p.id, environment: "dev", secretValue: "v", unknownField: { nested: true }, metadata: { a: 1 } });
    expect(created.status).toBe(200);
  });

  it("keeps metadata, filters by it, and matches no secret for tag filters (we keep no tags)", async () => {
    const p = await createProject();
    const res = await api.post(`${V4}/M`, { projectId: p.id, environment: "dev", secretValue: "v", secretMetadata: [{ key: "team", value: "core" }] });
    expect(res.status).toBe(200);
    await putSecret(p.id, "N", "v");
    expect((await listSecrets(p.id, { metadataFilter: "key=team,value=core" })).secrets.map((s: any) => s.secretKey)).toEqual(["M"]);
    expect((await listSecrets(p.id, { metadataFilter: "key=team,value=other" })).secrets).toEqual([]);
    expect((await listSecrets(p.id, { tagSlugs: "backend" })).secrets).toEqual([]);
    expect((await listSecrets(p.id, {})).secrets.find((s: any) => s.secretKey === "M").secretMetadata).toEqual([{ key: "team", value: "core", isEncrypted: false }]);
  });

  it("only keeps the current version", async () => {
    const p = await createProject();
    await putSecret(p.id, "K", "v1");
    await api.patch(`${V3}/K`, { workspaceId: p.id, environment: "dev", secretValue: "v2" });
    expect((await api.get(`${V3}/K`, { query: { workspaceId: p.id, environment: "dev", version: "2" } })).body.secret.secretValue).toBe("v2");
    const old = await api.get(`${V3}/K`, { query: { workspaceId: p.id, environment: "dev", version: "1" } });
    expect(old.status).toBe(404);
    expect(old.body.message).toMatch(/only the current version \(2\)/);
  });
});

describe("secrets: errors leave the store unchanged", () => {
  it("refuses a duplicate key with Infisical's 400", async () => {
    const p = await createProject();
    await putSecret(p.id, "DUP", "first");
    const res = await api.post(`${V4}/DUP`, { projectId: p.id, environment: "dev", secretValue: "second" });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Secret already exists");
    expect((await listSecrets(p.id)).secrets.map((s: any) => s.secretValue)).toEqual(["first"]);
  });

  it("names the path and environment when the folder or the environment does not exist", async () => {
    const p = await createProject();
    const create = await api.post(`${V3}/K`, { workspaceId: p.id, environment: "dev", secretPath: "/nope", secretValue: "v" });
    expect(create.status).toBe(404);
    expect(create.body).toMatchObject({ message: "Folder with path '/nope' in environment with slug 'dev' not found", error: "CreateSecret" });
    const list = await api.get(V4, { query: { projectId: p.id, environment: "dev", secretPath: "/nope" } });
    expect(list.status).toBe(404);
    expect(list.body).toMatchObject({ error: "SecretPathNotFound", message: "Folder with path '/nope' in environment 'dev' was not found. Please ensure the environment slug and secret path is correct." });
    const env = await api.post(`${V3}/K`, { workspaceId: p.id, environment: "qa", secretValue: "v" });
    expect(env.status).toBe(404);
    expect(env.body.message).toBe(`Environment with slug 'qa' in project with ID '${p.id}' not found`);
    for (const op of [api.patch(`${V3}/K`, { workspaceId: p.id, environment: "dev", secretValue: "x" }), api.get(`${V3}/K`, { query: { workspaceId: p.id, environment: "dev" } })]) {
      const res = await op;
      expect(res.status).toBe(404);
      expect(res.body.message).toMatch(/K/);
    }
    const del = await api.delete(`${V3}/K`, { workspaceId: p.id, environment: "dev" });
    expect(del.status).toBe(404);
    expect(del.body.message).toBe("Secret not found");
    expect(await storedSecretRows(p.id)).toEqual([]);
  });

  it.each([
    ["a colon", "A:B"],
    ["a slash (encoded)", "A%2FB"],
    ["only spaces", "%20%20"],
  ])("refuses a key with %s (422)", async (_, name) => {
    const p = await createProject();
    const res = await api.post(`${V3}/${name}`, { workspaceId: p.id, environment: "dev", secretValue: "v" });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("ValidationFailure");
    expect(await storedSecretRows(p.id)).toEqual([]);
  });

  it.each(["/a/../b", "/..", "//", "/a//b", "/a b", "/%2e%2e"])("refuses the traversal or malformed path %j (422)", async (secretPath) => {
    const p = await createProject();
    const res = await api.post(`${V3}/K`, { workspaceId: p.id, environment: "dev", secretPath: decodeURIComponent(secretPath), secretValue: "v" });
    expect(res.status).toBe(422);
    const list = await api.get(V3, { query: { workspaceId: p.id, environment: "dev", secretPath: decodeURIComponent(secretPath) } });
    expect(list.status).toBe(422);
    expect(await storedSecretRows(p.id)).toEqual([]);
  });

  it(`refuses values over ${MAX_SECRET_VALUE_BYTES} bytes with a clear 422`, async () => {
    const p = await createProject();
    const big = "x".repeat(MAX_SECRET_VALUE_BYTES + 1);
    const res = await api.post(`${V3}/BIG`, { workspaceId: p.id, environment: "dev", secretValue: big });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("64 KiB");
    expect(await storedSecretRows(p.id)).toEqual([]);
    await putSecret(p.id, "BIG", "small");
    const update = await api.patch(`${V4}/BIG`, { projectId: p.id, environment: "dev", secretValue: big });
    expect(update.status).toBe(422);
    expect((await listSecrets(p.id)).secrets[0]).toMatchObject({ secretValue: "small", version: 1 });
    const atLimit = await api.post(`${V3}/EXACT`, { workspaceId: p.id, environment: "dev", secretValue: "y".repeat(MAX_SECRET_VALUE_BYTES) });
    expect(atLimit.status).toBe(200);
  });

  it.each([
    ["include_imports", "yes"],
    ["includeImports", "1"],
    ["expandSecretReferences", "TRUE"],
    ["recursive", ""],
    ["viewSecretValue", "no"],
  ])("accepts only 'true'/'false' for %s (422 for %j)", async (name, value) => {
    const p = await createProject();
    const res = await api.get(V4, { query: { projectId: p.id, environment: "dev", [name]: value } });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain(name);
  });

  it("refuses personal secrets and tags with clear errors", async () => {
    const p = await createProject();
    const personal = await api.post(`${V3}/P`, { workspaceId: p.id, environment: "dev", secretValue: "v", type: "personal" });
    expect(personal.status).toBe(400);
    expect(personal.body.message).toMatch(/Personal secrets are not supported/);
    const tagged = await api.post(`${V3}/T`, { workspaceId: p.id, environment: "dev", secretValue: "v", tagIds: ["3f3a6c64-0000-4000-8000-000000000000"] });
    expect(tagged.status).toBe(404);
    expect(tagged.body.message).toMatch(/Tag not found/);
    await putSecret(p.id, "S", "v");
    expect((await api.patch(`${V3}/S`, { workspaceId: p.id, environment: "dev", secretValue: "x", type: "personal" })).status).toBe(400);
    expect((await api.delete(`${V3}/S`, { workspaceId: p.id, environment: "dev", type: "personal" })).status).toBe(400);
    expect((await api.get(`${V3}/S`, { query: { workspaceId: p.id, environment: "dev", type: "personal" } })).status).toBe(404);
    expect((await listSecrets(p.id, { includePersonalOverrides: "true" })).secrets.map((s: any) => [s.secretKey, s.type, s.secretValue])).toEqual([["S", "shared", "v"]]);
  });

  it("refuses renaming onto an existing key or to an empty name", async () => {
    const p = await createProject();
    await putSecret(p.id, "A", "a");
    await putSecret(p.id, "B", "b");
    const taken = await api.patch(`${V3}/A`, { workspaceId: p.id, environment: "dev", newSecretName: "B" });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toBe("Secret with the new name already exists");
    const empty = await api.patch(`${V3}/A`, { workspaceId: p.id, environment: "dev", newSecretName: "  " });
    expect(empty.status).toBe(400);
    const bad = await api.patch(`${V3}/A`, { workspaceId: p.id, environment: "dev", newSecretName: "A:B" });
    expect(bad.status).toBe(422);
    expect((await listSecrets(p.id)).secrets.map((s: any) => [s.secretKey, s.version])).toEqual([["A", 1], ["B", 1]]);
  });
});

describe("secrets: authentication and scopes", () => {
  it("answers 401 without a token", async () => {
    const p = await createProject();
    for (const res of [
      await api.get(V3, { token: null, query: { workspaceId: p.id, environment: "dev" } }),
      await api.post(`${V4}/K`, { projectId: p.id, environment: "dev", secretValue: "v" }, { token: null }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.message).toBe("Token missing");
    }
  });

  it("lets a read token read but not write, and keeps project tokens in their project", async () => {
    const p = await createProject();
    const other = await createProject();
    await putSecret(p.id, "K", "v");
    const reader = (await createToken(["secrets:read"], p.id)).token;
    expect((await api.get(V3, { token: reader, query: { workspaceId: p.id, environment: "dev" } })).status).toBe(200);
    const write = await api.post(`${V3}/NEW`, { workspaceId: p.id, environment: "dev", secretValue: "v" }, { token: reader });
    expect(write.status).toBe(403);
    expect((await api.patch(`${V3}/K`, { workspaceId: p.id, environment: "dev", secretValue: "x" }, { token: reader })).status).toBe(403);
    expect((await api.delete(`${V3}/K`, { workspaceId: p.id, environment: "dev" }, { token: reader })).status).toBe(403);

    const otherWriter = (await createToken(["secrets:write"], other.id)).token;
    expect((await api.get(V3, { token: otherWriter, query: { workspaceId: p.id, environment: "dev" } })).status).toBe(403);
    expect((await api.post(`${V3}/NEW`, { workspaceId: p.id, environment: "dev", secretValue: "v" }, { token: otherWriter })).status).toBe(403);
    const secretId = (await listSecrets(p.id)).secrets[0].id;
    expect((await api.get(`${V3}/id/${secretId}`, { token: otherWriter })).status).toBe(403);

    const noSecrets = (await createToken(["projects:read"], p.id)).token;
    expect((await api.get(V3, { token: noSecrets, query: { workspaceId: p.id, environment: "dev" } })).status).toBe(403);
    expect((await listSecrets(p.id)).secrets.map((s: any) => [s.secretKey, s.secretValue])).toEqual([["K", "v"]]);
  });
});
