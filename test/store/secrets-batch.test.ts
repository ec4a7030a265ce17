import { describe, expect, it } from "vitest";
import { MAX_SECRET_VALUE_BYTES } from "../../src/lib/limits";
import { api, createProject, createToken } from "../helpers/api";
import { listSecrets, makeFolder, putSecrets, storedSecretRows } from "../helpers/store";

const V3_BATCH = "/api/v3/secrets/batch/raw";
const V4_BATCH = "/api/v4/secrets/batch";

const keysAndValues = async (projectId: string, query: Record<string, string> = {}) =>
  (await listSecrets(projectId, query)).secrets.map((s: any) => [s.secretKey, s.secretValue, s.version]);

describe("batch create", () => {
  it("creates many secrets atomically on v3 and v4, beyond one statement's bound parameters", async () => {
    const p = await createProject();
    const secrets = Array.from({ length: 100 }, (_, i) => ({ secretKey: `K${String(i).padStart(3, "0")}`, secretValue: `v${i}` }));
    const res = await api.post(V3_BATCH, { workspaceId: p.id, environment: "dev", secrets });
    expect(res.status).toBe(200);
    expect(res.body.secrets).toHaveLength(100);
    expect(res.body.secrets[0]).toMatchObject({ secretKey: "K000", secretValue: "v0", version: 1, workspace: p.id });
    expect(await storedSecretRows(p.id)).toHaveLength(100);
    const v4 = await api.post(V4_BATCH, { projectId: p.id, environment: "prod", secrets: [{ secretKey: "P", secretValue: "p", secretComment: " c " }] });
    expect(v4.body.secrets[0]).toMatchObject({ environment: "prod", secretComment: "c" });
  });

  it("creates nothing when one key already exists, and names it", async () => {
    const p = await createProject();
    await putSecrets(p.id, { B: "old" });
    const res = await api.post(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "A", secretValue: "a" }, { secretKey: "B", secretValue: "b" }] });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Secret already exists: B");
    expect(await keysAndValues(p.id)).toEqual([["B", "old", 1]]);
  });

  it("refuses keys repeated in the request, invalid keys, oversized values and an empty list", async () => {
    const p = await createProject();
    const post = (secrets: unknown) => api.post(V4_BATCH, { projectId: p.id, environment: "dev", secrets });
    expect((await post([{ secretKey: "A", secretValue: "1" }, { secretKey: "A", secretValue: "2" }])).status).toBe(400);
    expect((await post([{ secretKey: "OK", secretValue: "1" }, { secretKey: "a/b", secretValue: "2" }])).status).toBe(422);
    expect((await post([{ secretKey: "OK", secretValue: "1" }, { secretKey: "BIG", secretValue: "x".repeat(MAX_SECRET_VALUE_BYTES + 1) }])).status).toBe(422);
    expect((await post([])).status).toBe(422);
    expect((await post([{ secretKey: "P", secretValue: "1", type: "personal" }])).status).toBe(400);
    expect(await storedSecretRows(p.id)).toEqual([]);
  });
});

describe("batch update", () => {
  it("updates atomically with failOnNotFound (the default) and names what is missing", async () => {
    const p = await createProject();
    await putSecrets(p.id, { A: "a", B: "b" });
    const ok = await api.patch(V3_BATCH, { workspaceId: p.id, environment: "dev", secrets: [{ secretKey: "A", secretValue: "a2" }, { secretKey: "B", secretComment: "note" }] });
    expect(ok.status).toBe(200);
    expect(ok.body.secrets.map((s: any) => [s.secretKey, s.secretValue, s.version, s.secretPath, s.secretComment])).toEqual([["A", "a2", 2, "/", ""], ["B", "b", 2, "/", "note"]]);
    const missing = await api.patch(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "A", secretValue: "a3" }, { secretKey: "X", secretValue: "x" }, { secretKey: "Y", secretValue: "y" }] });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe("Secret does not exist: X, Y in path /");
    expect(await keysAndValues(p.id)).toEqual([["A", "a2", 2], ["B", "b", 2]]);
  });

  it("creates missing keys in upsert mode and skips them in ignore mode", async () => {
    const p = await createProject();
    await putSecrets(p.id, { A: "a" });
    const upsert = await api.patch(V4_BATCH, { projectId: p.id, environment: "dev", mode: "upsert", secrets: [{ secretKey: "A", secretValue: "a2" }, { secretKey: "N", secretValue: "n" }] });
    expect(upsert.status).toBe(200);
    expect(await keysAndValues(p.id)).toEqual([["A", "a2", 2], ["N", "n", 1]]);
    const ignore = await api.patch(V4_BATCH, { projectId: p.id, environment: "dev", mode: "ignore", secrets: [{ secretKey: "A", secretValue: "a3" }, { secretKey: "Z", secretValue: "z" }] });
    expect(ignore.status).toBe(200);
    expect(ignore.body.secrets.map((s: any) => s.secretKey)).toEqual(["A"]);
    expect(await keysAndValues(p.id)).toEqual([["A", "a3", 3], ["N", "n", 1]]);
    expect((await api.patch(V4_BATCH, { projectId: p.id, environment: "dev", mode: "merge", secrets: [{ secretKey: "A" }] })).status).toBe(422);
  });

  it("takes a per-item secretPath and renames atomically", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "app");
    await putSecrets(p.id, { ROOT: "r" });
    await putSecrets(p.id, { APP: "a", OTHER: "o" }, { secretPath: "/app" });
    const res = await api.patch(V4_BATCH, {
      projectId: p.id,
      environment: "dev",
      secrets: [
        { secretKey: "ROOT", secretValue: "r2" },
        { secretKey: "APP", secretPath: "/app", newSecretName: "APP_RENAMED" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.secrets.map((s: any) => [s.secretKey, s.secretPath])).toEqual([["ROOT", "/"], ["APP_RENAMED", "/app"]]);
    const taken = await api.patch(V4_BATCH, { projectId: p.id, environment: "dev", secretPath: "/app", secrets: [{ secretKey: "APP_RENAMED", newSecretName: "OTHER" }] });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toBe("Secret with new name already exists: OTHER");
    const missingFolder = await api.patch(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "ROOT", secretValue: "r3" }, { secretKey: "Q", secretPath: "/nope", secretValue: "q" }] });
    expect(missingFolder.status).toBe(404);
    expect(missingFolder.body.message).toContain("'/nope'");
    expect(await keysAndValues(p.id, { recursive: "true" })).toEqual([["ROOT", "r2", 2], ["APP_RENAMED", "a", 2], ["OTHER", "o", 1]]);
  });
});

describe("batch delete", () => {
  it("deletes atomically, returning the last values, and deletes nothing when a key is missing", async () => {
    const p = await createProject();
    await putSecrets(p.id, { A: "a", B: "b", C: "c" });
    const missing = await api.delete(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "A" }, { secretKey: "NOPE" }] });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe("One or more secrets does not exist: NOPE");
    expect(await storedSecretRows(p.id)).toHaveLength(3);
    const res = await api.delete(V3_BATCH, { workspaceId: p.id, environment: "dev", secrets: [{ secretKey: "A" }, { secretKey: "B", type: "shared" }] });
    expect(res.status).toBe(200);
    expect(res.body.secrets.map((s: any) => [s.secretKey, s.secretValue])).toEqual([["A", "a"], ["B", "b"]]);
    expect(await keysAndValues(p.id)).toEqual([["C", "c", 1]]);
  });

  it("requires secrets:write on the project", async () => {
    const p = await createProject();
    await putSecrets(p.id, { A: "a" });
    const reader = (await createToken(["secrets:read"], p.id)).token;
    for (const res of [
      await api.post(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "B", secretValue: "b" }] }, { token: reader }),
      await api.patch(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "A", secretValue: "x" }] }, { token: reader }),
      await api.delete(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "A" }] }, { token: reader }),
    ]) {
      expect(res.status).toBe(403);
    }
    expect((await api.delete(V4_BATCH, { projectId: p.id, environment: "dev", secrets: [{ secretKey: "A" }] }, { token: null })).status).toBe(401);
    expect(await keysAndValues(p.id)).toEqual([["A", "a", 1]]);
  });
});
