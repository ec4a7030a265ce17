/**
 * A sync must not carry values out of folders its creator may not read. Creating or re-pointing one needs readValue on
 * the source and on everything a run reads through it (imports, nested; references, transitively), whatever the
 * variable type; a refusal is decided before Qovery is asked anything, and stores nothing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import * as syncs from "../../src/syncs/service";
import { api, createToken } from "../helpers/api";
import { makeImport } from "../helpers/store";
import { createSyncInput, failure, ruleActor, servicesAs } from "../helpers/sync-access";
import { createConnection, createFolder, createSync, getSync, putSecrets, syncFixture, type SyncFixture } from "../helpers/sync-fixtures";

const BASE = "/api/v1/secret-syncs/qovery";
const denied = (path: string, environment = "dev") => `You do not have permission to read secrets at path "${path}" in environment "${environment}".`;

/** With auto-sync on (the default), as an exfiltrating client would ask. */
const createBody = (f: SyncFixture, variableType: "secret" | "variable") => createSyncInput(f, { isAutoSyncEnabled: true }, { variableType });

const syncCount = async (projectId: string) => (await env.DB.prepare("select count(*) as n from secret_syncs where project_id = ?").bind(projectId).first<{ n: number }>())!.n;

/** Sync rights and the connection, but values only where `readable` says. */
const syncerReading = (f: SyncFixture, readable: Record<string, unknown>) =>
  ruleActor(f.project.id, [
    { subject: "secret-syncs", action: ["read", "create", "edit", "delete", "sync-secrets", "remove-secrets"] },
    { subject: "app-connections", action: ["connect-app-connections"] },
    { subject: "secrets", action: ["describeSecret", "readValue"], conditions: readable },
  ]);

describe("creating a sync", () => {
  it.each(["secret", "variable"] as const)("as %s: a token with syncs:write but not secrets:read is refused, and Qovery hears nothing", async (variableType) => {
    const f = await syncFixture({ DB_PASSWORD: "hunter2" });
    await f.tenant.clearCalls();
    const { token } = await createToken(["syncs:write"], f.project.id);
    const res = await api.post(BASE, createBody(f, variableType), { token });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: "ForbiddenError", message: denied("/app") });
    expect(await f.tenant.calls()).toEqual([]);
    expect(await syncCount(f.project.id)).toBe(0);

    // The same token with secrets:read may.
    const reader = await createToken(["syncs:write", "secrets:read"], f.project.id);
    expect((await api.post(BASE, createBody(f, variableType), { token: reader.token })).status).toBe(200);
  });

  it("a folder the source imports counts, nested imports too", async () => {
    const f = await syncFixture({ OWN: "own" });
    await createFolder(f.project.id, "dev", "/shared");
    await createFolder(f.project.id, "prod", "/vault");
    await putSecrets(f.project.id, "prod", "/vault", { ROOT_KEY: "top-secret" });
    await makeImport(f.project.id, { environment: "dev", path: "/app" }, { environment: "dev", path: "/shared" });
    await makeImport(f.project.id, { environment: "dev", path: "/shared" }, { environment: "prod", path: "/vault" });
    await f.tenant.clearCalls();

    const onlyApp = syncerReading(f, { environment: "dev", secretPath: "/app" });
    expect((await failure(syncs.createSync(servicesAs(onlyApp), createBody(f, "variable")))).message).toBe(denied("/shared"));
    const devOnly = syncerReading(f, { environment: "dev" });
    const refused = await failure(syncs.createSync(servicesAs(devOnly), createBody(f, "secret")));
    expect({ status: refused.statusCode, error: refused.error, message: refused.message }).toEqual({ status: 403, error: "ForbiddenError", message: denied("/vault", "prod") });
    expect(await f.tenant.calls()).toEqual([]);
    expect(await syncCount(f.project.id)).toBe(0);

    const everywhere = syncerReading(f, { environment: { $in: ["dev", "prod"] } });
    const created = await syncs.createSync(servicesAs(everywhere), createBody(f, "secret"));
    expect(created.sync.secretPath).toBe("/app");
  });

  it("a folder the source's values reference counts, even one that does not exist yet", async () => {
    const f = await syncFixture({ DSN: "postgres://app:${prod.db.PASSWORD}@db" });
    await createFolder(f.project.id, "prod", "/db");
    await putSecrets(f.project.id, "prod", "/db", { PASSWORD: "from-prod" });
    const devOnly = syncerReading(f, { environment: "dev" });
    expect((await failure(syncs.createSync(servicesAs(devOnly), createBody(f, "variable")))).message).toBe(denied("/db", "prod"));

    const g = await syncFixture({ LATER: "${staging.future.KEY}" });
    const stagingAllowed = syncerReading(g, { environment: { $in: ["dev", "staging"] } });
    const created = await syncs.createSync(servicesAs(stagingAllowed), createBody(g, "variable"));
    expect(created.sync.folderId).not.toBeNull();
    await expect(syncs.createSync(servicesAs(syncerReading(g, { environment: "dev" })), createBody(g, "variable"))).rejects.toMatchObject({
      message: denied("/future", "staging"),
    });
  });
});

describe("re-pointing a sync", () => {
  it("changing the destination, the variable type or the connection needs readValue on the source; editing the rest does not", async () => {
    const f = await syncFixture({ DB_PASSWORD: "hunter2" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const before = await getSync(sync.id);
    const otherConnection = await createConnection(f.project.id, f.tenant.token);
    await f.tenant.clearCalls();
    const { token } = await createToken(["syncs:write"], f.project.id);

    const moves = [
      { destinationConfig: { ...before.destinationConfig, variableType: "variable" } },
      { destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, variableType: "secret" } },
      { connectionId: otherConnection },
    ];
    for (const move of moves) {
      const res = await api.patch(`${BASE}/${sync.id}`, move, { token });
      expect({ move, status: res.status, message: res.body.message }).toEqual({ move, status: 403, message: denied("/app") });
    }
    expect(await f.tenant.calls()).toEqual([]);
    const after = await getSync(sync.id);
    expect(after).toMatchObject({ destinationConfig: before.destinationConfig, connectionId: f.connectionId, version: before.version });

    const renamed = await api.patch(`${BASE}/${sync.id}`, { description: "only words", destinationConfig: before.destinationConfig }, { token });
    expect(renamed.status).toBe(200);
    expect(renamed.body.secretSync.description).toBe("only words");
  });

  it("moving the source re-checks it, imports included", async () => {
    const f = await syncFixture({ A: "1" });
    await createFolder(f.project.id, "dev", "/public");
    await createFolder(f.project.id, "dev", "/private");
    await makeImport(f.project.id, { environment: "dev", path: "/public" }, { environment: "dev", path: "/private" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const actor = syncerReading(f, { environment: "dev", secretPath: { $in: ["/app", "/public"] } });
    const refused = await failure(syncs.updateSync(servicesAs(actor), sync.id, { secretPath: "/public" }));
    expect(refused.message).toBe(denied("/private"));
    expect((await getSync(sync.id)).secretPath).toBe("/app");
  });
});
