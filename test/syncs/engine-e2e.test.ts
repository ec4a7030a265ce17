/**
 * The sync engine end to end: API → real queue → real consumer → Qovery simulator over HTTP semantics.
 * Each test has its own project and simulated Qovery organization.
 */
import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { describeCalls } from "../helpers/qovery-sim";
import {
  createSync,
  deleteSecret,
  getSync,
  latestRun,
  putSecrets,
  qoveryValues,
  syncFixture,
  triggerSync,
  waitForRun,
  type SyncFixture,
} from "../helpers/sync-fixtures";

const writesOf = <T extends { method: string }>(calls: T[]) => calls.filter((c) => c.method !== "GET");

async function seedQoveryRow(f: SyncFixture, scope: "project" | "environment", kind: "secret" | "variable", key: string, value: string) {
  const parent = scope === "project" ? f.tenant.project.id : f.tenant.environment.id;
  const family = kind === "secret" ? "secret" : "environmentVariable";
  const res = await f.tenant.api(`/${scope}/${parent}/${family}`, { method: "POST", body: { key, value } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

describe("matrix: scope × kind × key schema × deletion", () => {
  const cases = [];
  for (const scope of ["project", "environment"] as const)
    for (const kind of ["secret", "variable"] as const)
      for (const keySchema of [undefined, "APP_{{secretKey}}"])
        for (const deletion of [true, false]) cases.push({ scope, kind, keySchema, deletion });

  it.each(cases)("$scope / $kind / schema $keySchema / deletion $deletion", async ({ scope, kind, keySchema, deletion }) => {
    const f = await syncFixture({ DB_URL: "postgres://x", TOKEN: "t0k3n" });
    const prefix = keySchema ? "APP_" : "";
    const parentId = scope === "project" ? f.tenant.project.id : f.tenant.environment.id;
    // A leftover key matching the schema (deleted unless deletion is disabled) and one outside it (never touched).
    await seedQoveryRow(f, scope, kind, `${prefix}STALE`, "old");
    if (keySchema) await seedQoveryRow(f, scope, kind, "MANUAL", "hands-off");

    const sync = await createSync(f, { environmentId: scope === "project" ? null : undefined, variableType: kind, keySchema, disableSecretDeletion: !deletion });
    const done = await waitForRun(sync.id);
    expect(done.syncStatus, done.lastSyncMessage).toBe("succeeded");

    const expected: Record<string, string> = { [`${prefix}DB_URL`]: "postgres://x", [`${prefix}TOKEN`]: "t0k3n" };
    if (!deletion) expected[`${prefix}STALE`] = "old";
    if (keySchema) expected.MANUAL = "hands-off";
    expect(await qoveryValues(f.tenant, parentId)).toEqual(expected);
    const rows = (await f.tenant.variables()).filter((r) => r.parentId === parentId && r.variableType === "VALUE");
    expect(rows.filter((r) => r.key.endsWith("DB_URL")).every((r) => r.isSecret === (kind === "secret"))).toBe(true);
  });
});

describe("writes only what changed", () => {
  it("a no-op re-run makes only listing calls; changing 1 of 100 secrets makes exactly 1 write", async () => {
    const secrets = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`KEY_${i}`, `value-${i}`]));
    const f = await syncFixture(secrets);
    const sync = await createSync(f);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(Object.keys(await qoveryValues(f.tenant, f.tenant.environment.id))).toHaveLength(100);

    await f.tenant.clearCalls();
    await triggerSync(sync.id);
    await waitForRun(sync.id);
    const noop = await f.tenant.calls();
    expect(writesOf(noop)).toEqual([]);
    expect(describeCalls(noop).sort()).toEqual(["GET /environment/{environmentId}/environmentVariable 200", "GET /environment/{environmentId}/secret 200"]);
    expect((await latestRun(sync.id)).counts).toMatchObject({ unchanged: 100, created: 0, updated: 0, deleted: 0 });

    await f.tenant.clearCalls();
    await putSecrets(f.project.id, "dev", "/app", { KEY_42: "changed" });
    await triggerSync(sync.id);
    await waitForRun(sync.id);
    expect(describeCalls(writesOf(await f.tenant.calls()))).toEqual(["PUT /environment/{environmentId}/secret/{secretId} 200"]);
    expect((await qoveryValues(f.tenant, f.tenant.environment.id)).KEY_42).toBe("changed");
    const run = await latestRun(sync.id);
    expect(run.counts).toMatchObject({ updated: 1, unchanged: 99 });
    expect(run.results).toEqual([{ key: "KEY_42", action: "update", outcome: "done" }]);
  });
});

describe("safety", () => {
  it("never touches BUILT_IN, ALIAS, OVERRIDE or inherited rows, nor keys outside the schema", async () => {
    const f = await syncFixture({ A: "1" });
    const projectRow = await seedQoveryRow(f, "project", "variable", "SHARED_FROM_PROJECT", "p");
    const envFamily = `/environment/${f.tenant.environment.id}/environmentVariable/${projectRow.id}`;
    expect((await f.tenant.api(`${envFamily}/alias`, { method: "POST", body: { key: "ALIASED" } })).status).toBe(201);
    expect((await f.tenant.api(`${envFamily}/override`, { method: "POST", body: { value: "overridden" } })).status).toBe(201);
    const envRow = await seedQoveryRow(f, "environment", "secret", "PLAIN_ENV_SECRET", "s");
    const before = (await f.tenant.variables()).filter((r) => r.variableType !== "VALUE" || r.scope !== "ENVIRONMENT");

    const sync = await createSync(f); // environment scope, no key schema, deletion on
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    const after = await f.tenant.variables();
    for (const row of before) expect(after.find((r) => r.id === row.id), row.key).toEqual(row);
    // the environment's own VALUE secret matches the (empty) schema and is not in the source: deleted (overwrite)
    expect(after.find((r) => r.id === envRow.id)).toBeUndefined();
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ A: "1" });
  });

  it("two syncs with the same destination and schema keep each other's keys", async () => {
    const f = await syncFixture({ ONE: "1" });
    await putSecrets(f.project.id, "dev", "/", { TWO: "2" });
    const first = await createSync(f, { keySchema: "SVC_{{secretKey}}" });
    expect((await waitForRun(first.id)).syncStatus).toBe("succeeded");
    const second = await createSync(f, { keySchema: "SVC_{{secretKey}}", secretPath: "/" });
    expect((await waitForRun(second.id)).syncStatus).toBe("succeeded");
    await triggerSync(first.id);
    expect((await waitForRun(first.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ SVC_ONE: "1", SVC_TWO: "2" });
  });

  it("a broken reference holds back that key only, and never deletes it", async () => {
    const f = await syncFixture({ GOOD: "g", LINK: "postgres://${GOOD}" });
    const sync = await createSync(f);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ GOOD: "g", LINK: "postgres://g" });

    await putSecrets(f.project.id, "dev", "/app", { LINK: "postgres://${MISSING_KEY}", GOOD: "g2" });
    await triggerSync(sync.id);
    const failed = await waitForRun(sync.id);
    expect(failed.syncStatus).toBe("failed");
    expect(JSON.parse(failed.lastSyncMessage)).toMatchObject({ secretKey: "LINK" });
    expect(failed.lastSyncMessage).not.toContain("postgres://");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ GOOD: "g2", LINK: "postgres://g" });
    const run = await latestRun(sync.id);
    expect(run.results).toEqual(
      expect.arrayContaining([
        { key: "GOOD", action: "update", outcome: "done" },
        expect.objectContaining({ key: "LINK", action: "hold", outcome: "failed", errorClass: "held_back" }),
      ]),
    );
  });

  it("an empty source never wipes Qovery", async () => {
    const f = await syncFixture({ ONLY: "1" });
    const sync = await createSync(f);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    await deleteSecret(f.project.id, "dev", "/app", "ONLY");
    await triggerSync(sync.id);
    const refused = await waitForRun(sync.id);
    expect(refused.syncStatus).toBe("failed");
    expect(JSON.parse(refused.lastSyncMessage).error).toMatch(/no secrets/i);
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ ONLY: "1" });
  });
});

describe("configuration changes and removal", () => {
  it("moving the destination removes what the sync wrote at the old place (no orphans)", async () => {
    const f = await syncFixture({ K: "v" });
    const sync = await createSync(f);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    const res = await api.patch(`/api/v1/secret-syncs/qovery/${sync.id}`, {
      destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, variableType: "variable" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({});
    const projectRows = (await f.tenant.variables()).filter((r) => r.parentId === f.tenant.project.id && r.variableType === "VALUE");
    expect(projectRows.map((r) => [r.key, r.value, r.isSecret])).toEqual([["K", "v", false]]);
  });

  it("remove-secrets deletes only the keys the sync wrote; DELETE ?removeSecrets=true deletes the sync after", async () => {
    const f = await syncFixture({ MINE: "1" });
    await seedQoveryRow(f, "environment", "secret", "NOT_MINE_OUTSIDE_SCHEMA", "x");
    const sync = await createSync(f, { keySchema: "M_{{secretKey}}" });
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");

    const removed = await api.post(`/api/v1/secret-syncs/qovery/${sync.id}/remove-secrets`);
    expect(removed.status).toBe(200);
    expect(removed.body.secretSync.removeStatus).toBe("pending");
    expect((await waitForRun(sync.id, "remove")).removeStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ NOT_MINE_OUTSIDE_SCHEMA: "x" });

    await triggerSync(sync.id);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    const deleting = await api.delete(`/api/v1/secret-syncs/qovery/${sync.id}`, undefined, { query: { removeSecrets: "true" } });
    expect(deleting.status).toBe(200);
    expect(deleting.body.secretSync.removeStatus).toBe("pending");
    await expect
      .poll(async () => (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}`)).status, { timeout: 10_000, interval: 50 })
      .toBe(404);
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ NOT_MINE_OUTSIDE_SCHEMA: "x" });
  });

  it("a deleted source folder nulls folderId and runs fail with a clear message", async () => {
    const f = await syncFixture({ K: "v" });
    const sync = await createSync(f);
    await waitForRun(sync.id);
    const del = await api.delete("/api/v2/folders/app", { projectId: f.project.id, environment: "dev", path: "/", forceDelete: true });
    expect(del.status, JSON.stringify(del.body)).toBe(200);
    const after = await getSync(sync.id);
    expect(after.folderId).toBeNull();
    expect(after.folder).toBeNull();
    const trigger = await api.post(`/api/v1/secret-syncs/qovery/${sync.id}/sync-secrets`);
    expect(trigger.status).toBe(400);
    expect(trigger.body.message).toBe("Invalid source configuration: folder no longer exists. Please configure a valid source and try again.");
    const plan = await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/plan`);
    expect(plan.status).toBe(400);
    expect(plan.body).toMatchObject({ error: "BadRequest", message: trigger.body.message });
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ K: "v" });
  });
});

describe("Qovery failures", () => {
  it("rides out a 429 storm and 500s, and reports the calls", async () => {
    const f = await syncFixture({ A: "1", B: "2" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    await f.tenant.clearCalls();
    await f.tenant.injectFault({ type: "status", status: 429, retryAfterSeconds: 0, count: 3 });
    await f.tenant.injectFault({ type: "status", status: 500, count: 2 });
    await triggerSync(sync.id);
    const done = await waitForRun(sync.id, "sync", 30_000);
    expect(done.syncStatus, done.lastSyncMessage).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ A: "1", B: "2" });
    const statuses = (await f.tenant.calls()).map((c) => c.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(statuses.filter((s) => s === 500)).toHaveLength(2);
    const run = await latestRun(sync.id);
    expect(run.attempts).toBeGreaterThan(1);
  }, 30_000);

  it("a timeout after commit on create leaves exactly one variable", async () => {
    const f = await syncFixture({ ONCE: "1" });
    await f.tenant.injectFault({ type: "timeout-after-commit", method: "POST" });
    const sync = await createSync(f);
    const done = await waitForRun(sync.id, "sync", 30_000);
    expect(done.syncStatus, done.lastSyncMessage).toBe("succeeded");
    const rows = (await f.tenant.variables()).filter((r) => r.key === "ONCE");
    expect(rows).toHaveLength(1);
  });

  it("a revoked token fails the run with an actionable message and no token in it", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    await f.tenant.revokeToken(f.tenant.token);
    await triggerSync(sync.id);
    const failed = await waitForRun(sync.id);
    expect(failed.syncStatus).toBe("failed");
    expect(JSON.parse(failed.lastSyncMessage).error).toMatch(/rejected the API token/);
    expect(failed.lastSyncMessage).not.toContain(f.tenant.token);
  });
});

describe("triggers", () => {
  it("concurrent triggers join one pending run and one writer applies it", async () => {
    const f = await syncFixture({ A: "1", B: "2", C: "3" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const triggers = await Promise.all(Array.from({ length: 5 }, () => api.post(`/api/v1/secret-syncs/qovery/${sync.id}/sync-secrets`)));
    expect(triggers.every((t) => t.status === 200)).toBe(true);
    expect(new Set(triggers.map((t) => t.body.runId)).size).toBeLessThanOrEqual(2);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    const creates = (await f.tenant.calls()).filter((c) => c.method === "POST");
    expect(creates).toHaveLength(3);
  });

  it("a paused sync runs nothing and refuses manual triggers; auto-sync off means manual only", async () => {
    const f = await syncFixture({ A: "1" });
    const paused = await createSync(f, { isEnabled: false });
    expect(paused.syncStatus).toBeNull();
    const refused = await api.post(`/api/v1/secret-syncs/qovery/${paused.id}/sync-secrets`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain("is disabled");

    const manual = await createSync(f, { autoSyncEnabled: false });
    expect(manual.syncStatus).toBeNull();
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({});
    await triggerSync(manual.id);
    expect((await waitForRun(manual.id)).syncStatus).toBe("succeeded");
  });
});
