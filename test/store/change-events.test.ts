import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { systemActor } from "../../src/access/actor";
import { createDb } from "../../src/db/client";
import { loadKeyRing } from "../../src/lib/crypto";
import type { ChangeEvent } from "../../src/store/changes";
import { createSecret, updateSecret } from "../../src/store/secrets";
import { api, createProject, createToken, unique } from "../helpers/api";
import { changeEventRows, makeFolder, makeImport, putSecret } from "../helpers/store";

async function folderState(projectId: string, environment: string, path: string) {
  return env.DB.prepare(
    "SELECT f.id, f.change_counter, f.last_secret_modified FROM folders f JOIN environments e ON e.id = f.environment_id WHERE f.project_id = ? AND e.slug = ? AND f.path = ?",
  )
    .bind(projectId, environment, path)
    .first<{ id: string; change_counter: number; last_secret_modified: string | null }>();
}

const summary = (rows: Record<string, unknown>[]) => rows.map((r) => `${r.action} ${r.environment_slug}:${r.path}`);

describe("change events", () => {
  it("records one event per write and folder, and bumps that folder's change counter", async () => {
    const p = await createProject();
    const writer = await createToken(["secrets:write"], p.id);
    const root = await folderState(p.id, "dev", "/");
    expect(root).toMatchObject({ change_counter: 0, last_secret_modified: null });

    await putSecret(p.id, "A", "a", {}, { token: writer.token });
    await api.post("/api/v4/secrets/batch", { projectId: p.id, environment: "dev", secrets: [{ secretKey: "B", secretValue: "b" }, { secretKey: "C", secretValue: "c" }] });
    await api.patch("/api/v3/secrets/raw/A", { workspaceId: p.id, environment: "dev", secretValue: "a2" });
    await api.delete("/api/v3/secrets/batch/raw", { workspaceId: p.id, environment: "dev", secrets: [{ secretKey: "B" }, { secretKey: "C" }] });

    const events = await changeEventRows(p.id);
    expect(summary(events)).toEqual(["secret.create dev:/", "secret.create dev:/", "secret.update dev:/", "secret.delete dev:/"]);
    expect(events[0]).toMatchObject({ project_id: p.id, environment_id: p.environments[0]!.id, folder_id: root!.id, actor_type: "api-token", actor_id: writer.apiToken.id });
    expect(events[1]).toMatchObject({ actor_type: "admin", actor_id: "admin" });
    const after = await folderState(p.id, "dev", "/");
    expect(after!.change_counter).toBe(4);
    expect(after!.last_secret_modified).toBe(events[3]!.created_at);
  });

  it("records folder and import changes, including the path a rename or delete leaves behind", async () => {
    const p = await createProject();
    const folder = await makeFolder(p.id, "/a", "b");
    const imp = await makeImport(p.id, { environment: "prod", path: "/" }, { environment: "dev", path: "/a" });
    await api.patch(`/api/v2/secret-imports/${imp.id}`, { projectId: p.id, environment: "prod", path: "/", import: { path: "/a/b" } });
    await api.patch(`/api/v2/folders/${folder.id}`, { projectId: p.id, environment: "dev", path: "/a", name: "c" });
    await api.delete(`/api/v2/secret-imports/${imp.id}`, { projectId: p.id, environment: "prod", path: "/" });
    await api.delete(`/api/v2/folders/a`, { projectId: p.id, environment: "dev", path: "/", forceDelete: true });
    const events = await changeEventRows(p.id);
    expect(summary(events)).toEqual([
      "folder.create dev:/a",
      "folder.create dev:/a/b",
      "secret-import.create prod:/",
      "secret-import.update prod:/",
      "folder.update dev:/a/b",
      "folder.update dev:/a/c",
      "secret-import.delete prod:/",
      "folder.delete dev:/a",
    ]);
    expect(events.filter((e) => e.action === "folder.update").map((e) => [e.path, e.folder_id])).toEqual([["/a/b", null], ["/a/c", folder.id]]);
    expect(events.find((e) => e.action === "folder.delete")!.folder_id).toBeNull();
    expect((await folderState(p.id, "prod", "/"))!.change_counter).toBe(3);
  });

  it("records a rename's reference rewrites in every folder they touch", async () => {
    const p = await createProject();
    await putSecret(p.id, "OLD", "o");
    await putSecret(p.id, "REF", "${dev.OLD}", { environment: "staging" });
    const before = (await changeEventRows(p.id)).length;
    await api.patch("/api/v3/secrets/raw/OLD", { workspaceId: p.id, environment: "dev", newSecretName: "NEW" });
    expect(summary((await changeEventRows(p.id)).slice(before)).sort()).toEqual(["secret.update dev:/", "secret.update staging:/"]);
  });

  it("records nothing when a write is refused", async () => {
    const p = await createProject();
    await putSecret(p.id, "A", "a");
    const before = await changeEventRows(p.id);
    expect((await api.post("/api/v3/secrets/raw/A", { workspaceId: p.id, environment: "dev", secretValue: "dup" })).status).toBe(400);
    expect((await api.patch("/api/v4/secrets/batch", { projectId: p.id, environment: "dev", secrets: [{ secretKey: "A", secretValue: "x" }, { secretKey: "MISSING", secretValue: "y" }] })).status).toBe(404);
    expect((await api.post("/api/v2/secret-imports", { projectId: p.id, environment: "dev", import: { environment: "dev", path: "/" } })).status).toBe(400);
    expect(await changeEventRows(p.id)).toEqual(before);
    expect((await folderState(p.id, "dev", "/"))!.change_counter).toBe(1);
  });
});

describe("the onChanged hook", () => {
  it("receives each committed write's events once, after the commit, and nothing for a write that failed", async () => {
    const p = await createProject();
    const calls: { events: readonly ChangeEvent[]; committed: unknown }[] = [];
    const ctx = {
      db: createDb(env.DB),
      keyRing: () => loadKeyRing(env.ENCRYPTION_KEY),
      actor: systemActor("test"),
      requestId: unique("req"),
      onChanged: async (events: readonly ChangeEvent[]) => {
        // the write is already visible when the hook runs
        const query = env.DB.prepare("select count(*) as n from secrets where folder_id = ?");
        const committed = await query.bind(events[0]!.folderId).first("n");
        calls.push({ events, committed });
      },
    };
    const target = { projectId: p.id, environment: "dev", secretPath: "/" };
    const fields = { comment: "", skipMultilineEncoding: false, reminderNote: null, reminderRepeatDays: null, metadata: [] };
    await createSecret(ctx, target, { key: "HOOKED", value: "v1", ...fields });
    await updateSecret(ctx, target, { key: "HOOKED", value: "v2" });
    await expect(createSecret(ctx, target, { key: "HOOKED", value: "again", ...fields })).rejects.toThrow("already exists");
    const described = calls.map((c) => c.events.map((e) => `${e.action} ${e.environmentSlug}:${e.path}`));
    expect(described).toEqual([["secret.create dev:/"], ["secret.update dev:/"]]);
    expect(calls.map((c) => c.committed)).toEqual([1, 1]);
    expect(calls[0]!.events[0]).toMatchObject({ projectId: p.id, actorType: "system", folderId: expect.any(String) });
    expect(summary(await changeEventRows(p.id))).toEqual(["secret.create dev:/", "secret.update dev:/"]);
  });
});
