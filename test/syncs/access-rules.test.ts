/**
 * Secret-sync rules, action by action, against the real services: an actor holding exactly the rule can, one without
 * it gets Infisical's 403, and conditions on environment, secret path (globs) and connection decide on the sync's real
 * fields. Also the audit entries the services write, and who the run history names.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Actor } from "../../src/access/actor";
import { PROJECT_PERMISSIONS } from "../../src/access/rules";
import * as syncs from "../../src/syncs/service";
import { api, createToken } from "../helpers/api";
import { createSyncInput, expectDenied, failure, ruleActor, servicesAs } from "../helpers/sync-access";
import { createConnection, createFolder, createSync, getSync, putSecrets, syncFixture, waitForRun, type SyncFixture } from "../helpers/sync-fixtures";

const SYNC_ACTIONS = PROJECT_PERMISSIONS["secret-syncs"].actions;
type SyncAction = (typeof SYNC_ACTIONS)[number];

/** What creating a sync needs besides `secret-syncs:create`: reading the source, using the connection. */
const CAN_SET_UP = [
  { subject: "secrets", action: ["readValue"] },
  { subject: "app-connections", action: ["connect-app-connections"] },
];

const syncRule = (action: readonly string[], conditions?: Record<string, unknown>, inverted?: boolean) => ({
  subject: "secret-syncs",
  action: [...action],
  ...(conditions ? { conditions } : {}),
  ...(inverted ? { inverted } : {}),
});

const createInput = (f: SyncFixture, name: string, secretPath = "/app") => createSyncInput(f, { name, secretPath });

/** Does `action` on the sync as `actor`; resolves when allowed (import-secrets then answers its documented 400). */
async function act(actor: Actor, f: SyncFixture, syncId: string, action: SyncAction): Promise<unknown> {
  const deps = servicesAs(actor);
  switch (action) {
    case "read":
      return syncs.loadSync(deps, syncId, "read");
    case "create":
      return syncs.createSync(deps, createInput(f, `made-${crypto.randomUUID().slice(0, 8)}`));
    case "edit":
      return syncs.updateSync(deps, syncId, { description: "edited" });
    case "delete":
      return syncs.deleteSync(deps, syncId, false);
    case "sync-secrets":
      return syncs.triggerSync(deps, syncId, "sync");
    case "remove-secrets":
      return syncs.triggerSync(deps, syncId, "remove");
    case "import-secrets": {
      const error = await failure(syncs.importSecrets(deps, syncId));
      if (error.statusCode !== 400) throw error;
      expect(error.message).toBe("Qovery does not support importing secrets.");
      return null;
    }
  }
}

describe("secret-syncs, action by action", () => {
  it.each(SYNC_ACTIONS)("%s: exactly the rule allows it, every other sync action does not", async (action) => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const extra = action === "create" ? CAN_SET_UP : [];
    const others = SYNC_ACTIONS.filter((a) => a !== action);

    const without = ruleActor(f.project.id, [syncRule(others), ...extra, { subject: "secrets", action: ["describeSecret", "readValue", "edit"] }]);
    const denied = await expectDenied(act(without, f, sync.id, action), action, "secret-syncs");
    expect(denied.details).toEqual([]);
    expect((await getSync(sync.id)).description).toBeNull();

    const holder = ruleActor(f.project.id, [syncRule([action]), ...extra]);
    await act(holder, f, sync.id, action);
  });

  it("a credential bound to another project gets 403 for every action, and a missing sync is 404", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const elsewhere = ruleActor(crypto.randomUUID(), [syncRule(SYNC_ACTIONS), ...CAN_SET_UP]);
    for (const action of SYNC_ACTIONS) await expectDenied(act(elsewhere, f, sync.id, action), action, "secret-syncs");
    await expectDenied(syncs.listSyncs(servicesAs(elsewhere), f.project.id), "read", "secret-syncs");
    const missing = await failure(syncs.loadSync(servicesAs(ruleActor(f.project.id, [syncRule(["read"])])), crypto.randomUUID(), "read"));
    expect(missing.statusCode).toBe(404);
  });

  it("deleting with removeSecrets also needs remove-secrets", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const deleter = servicesAs(ruleActor(f.project.id, [syncRule(["delete"])]));
    await expectDenied(syncs.deleteSync(deleter, sync.id, true), "remove-secrets", "secret-syncs");
    expect((await getSync(sync.id)).removeStatus).toBeNull();
    const both = servicesAs(ruleActor(f.project.id, [syncRule(["delete", "remove-secrets"])]));
    expect((await syncs.deleteSync(both, sync.id, true)).removalQueued).toBe(true);
  });
});

describe("conditions are the sync's real fields", () => {
  async function twoSources() {
    const f = await syncFixture({ A: "1" });
    await createFolder(f.project.id, "dev", "/app/api");
    await createFolder(f.project.id, "dev", "/other");
    await putSecrets(f.project.id, "dev", "/app/api", { B: "2" });
    await putSecrets(f.project.id, "dev", "/other", { C: "3" });
    const inApp = await createSync(f, { secretPath: "/app/api", autoSyncEnabled: false });
    const outside = await createSync(f, { secretPath: "/other", autoSyncEnabled: false });
    return { f, inApp, outside };
  }

  const visibleTo = async (actor: Actor, projectId: string) => (await syncs.listSyncs(servicesAs(actor), projectId)).map((r) => r.sync.id).sort();

  it("secretPath globs and environments decide reads, and lists are filtered by them", async () => {
    const { f, inApp, outside } = await twoSources();
    const underApp = ruleActor(f.project.id, [syncRule(["read"], { environment: { $in: ["dev", "staging"] }, secretPath: { $glob: "/app/**" } })]);
    await syncs.loadSync(servicesAs(underApp), inApp.id, "read");
    await expectDenied(syncs.loadSync(servicesAs(underApp), outside.id, "read"), "read", "secret-syncs");
    expect(await visibleTo(underApp, f.project.id)).toEqual([inApp.id]);
    await syncs.getSyncByName(servicesAs(underApp), f.project.id, inApp.name);
    await expectDenied(syncs.getSyncByName(servicesAs(underApp), f.project.id, outside.name), "read", "secret-syncs");

    const prodOnly = ruleActor(f.project.id, [syncRule(["read"], { environment: "prod" })]);
    await expectDenied(syncs.loadSync(servicesAs(prodOnly), inApp.id, "read"), "read", "secret-syncs");
    expect(await visibleTo(prodOnly, f.project.id)).toEqual([]);
  });

  it("an inverted rule forbids what an earlier rule allowed", async () => {
    const { f, inApp, outside } = await twoSources();
    const actor = ruleActor(f.project.id, [syncRule(["read", "sync-secrets"]), syncRule(["sync-secrets"], { secretPath: { $glob: "/app/**" } }, true)]);
    await expectDenied(syncs.triggerSync(servicesAs(actor), inApp.id, "sync"), "sync-secrets", "secret-syncs");
    await syncs.triggerSync(servicesAs(actor), outside.id, "sync");
    expect(await visibleTo(actor, f.project.id)).toEqual([inApp.id, outside.id].sort());
  });

  it("connectionId conditions: rules for one connection reach only its syncs, and moving a sync re-checks edit on the new one", async () => {
    const f = await syncFixture({ A: "1" });
    const otherConnection = await createConnection(f.project.id, f.tenant.token);
    const mine = await createSync(f, { autoSyncEnabled: false });
    const theirs = await createSync({ ...f, connectionId: otherConnection }, { autoSyncEnabled: false, keySchema: "OTHER_{{secretKey}}" });
    const actor = ruleActor(f.project.id, [
      syncRule(["read", "edit"], { connectionId: f.connectionId }),
      ...CAN_SET_UP,
    ]);
    await syncs.loadSync(servicesAs(actor), mine.id, "read");
    await expectDenied(syncs.loadSync(servicesAs(actor), theirs.id, "read"), "read", "secret-syncs");
    expect(await visibleTo(actor, f.project.id)).toEqual([mine.id]);

    await expectDenied(syncs.updateSync(servicesAs(actor), mine.id, { connectionId: otherConnection }), "edit", "secret-syncs");
    expect((await getSync(mine.id)).connectionId).toBe(f.connectionId);
    const both = ruleActor(f.project.id, [syncRule(["read", "edit"], { connectionId: { $in: [f.connectionId, otherConnection] } }), ...CAN_SET_UP]);
    const moved = await syncs.updateSync(servicesAs(both), mine.id, { connectionId: otherConnection });
    expect(moved.sync.connectionId).toBe(otherConnection);
  });

  it("changing the source re-checks edit on the new environment and path", async () => {
    const { f, inApp } = await twoSources();
    const actor = ruleActor(f.project.id, [syncRule(["edit"], { secretPath: { $glob: "/app/**" } }), ...CAN_SET_UP]);
    await expectDenied(syncs.updateSync(servicesAs(actor), inApp.id, { secretPath: "/other" }), "edit", "secret-syncs");
    expect((await getSync(inApp.id)).secretPath).toBe("/app/api");
    const moved = await syncs.updateSync(servicesAs(actor), inApp.id, { secretPath: "/app" });
    expect(moved.sync.secretPath).toBe("/app");
  });

  it("create checks the requested environment, path and connection", async () => {
    const { f } = await twoSources();
    const actor = ruleActor(f.project.id, [syncRule(["create"], { secretPath: { $glob: "/app/**" }, connectionId: f.connectionId }), ...CAN_SET_UP]);
    await expectDenied(syncs.createSync(servicesAs(actor), createInput(f, "outside", "/other")), "create", "secret-syncs");
    const created = await syncs.createSync(servicesAs(actor), createInput(f, "inside", "/app/api"));
    expect(created.sync.secretPath).toBe("/app/api");
  });
});

describe("the services audit what they change, and runs name who asked", () => {
  it("records the actor and request id in the same write, and nothing for a refusal", async () => {
    const f = await syncFixture({ A: "1" });
    const actor = ruleActor(f.project.id, [syncRule(SYNC_ACTIONS), ...CAN_SET_UP]);
    const deps = servicesAs(actor);
    const created = await syncs.createSync(deps, createInput(f, "audited"));
    const rows = async () =>
      (await env.DB.prepare("select action, actor_type, actor_id, actor_name, request_id from audit_logs where target_id = ? order by created_at, rowid").bind(created.sync.id).all())
        .results;
    expect(await rows()).toEqual([{ action: "secret-sync.create", actor_type: "api-token", actor_id: actor.id, actor_name: actor.name, request_id: deps.requestId }]);

    const reader = ruleActor(f.project.id, [syncRule(["read"])]);
    await expectDenied(syncs.updateSync(servicesAs(reader), created.sync.id, { description: "no" }), "edit", "secret-syncs");
    await syncs.triggerSync(deps, created.sync.id, "sync");
    await syncs.deleteSync(deps, created.sync.id, false);
    expect((await rows()).map((r) => r.action)).toEqual(["secret-sync.create", "secret-sync.sync-secrets", "secret-sync.delete"]);
  });

  it("the run history names the credential that triggered a run, and the system for auto-sync", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const trigger = await createToken(["syncs:trigger"], f.project.id);
    const queued = await api.post(`/api/v1/secret-syncs/qovery/${sync.id}/sync-secrets`, undefined, { token: trigger.token });
    expect(queued.status).toBe(200);
    await waitForRun(sync.id);
    const run = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs/${queued.body.runId}`)).body.run;
    expect(run.requestedBy).toEqual({ type: "api-token", id: trigger.apiToken.id, name: expect.any(String) });
    const listed = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs`)).body.runs[0];
    expect(listed.requestedBy).toEqual(run.requestedBy);

    expect((await api.patch(`/api/v1/secret-syncs/qovery/${sync.id}`, { isAutoSyncEnabled: true })).status).toBe(200);
    await waitForRun(sync.id);
    await putSecrets(f.project.id, "dev", "/app", { A: "2" });
    let auto: any;
    await vi.waitUntil(
      async () => (auto = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs`)).body.runs.find((r: { trigger: string }) => r.trigger === "auto")),
      { timeout: 10_000, interval: 100 },
    );
    expect(auto.requestedBy).toEqual({ type: "system", id: "system", name: "auto-sync" });
    const byUpdate = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs`)).body.runs.find((r: { trigger: string }) => r.trigger === "update");
    expect(byUpdate.requestedBy).toEqual({ type: "admin", id: "admin", name: "admin" });
  });
});
