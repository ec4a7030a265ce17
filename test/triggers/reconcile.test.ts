/** Cron reconciliation: the scheduled handler fans out, drift checks run on the real queue, repairs are normal runs. */
import { env } from "cloudflare:workers";
import { createScheduledController } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { failedRetryDelayMs } from "../../src/triggers/reconcile";
import { api } from "../helpers/api";
import { ReceiverInbox } from "../helpers/receiver";
import { createSync, getSync, qoveryValues, syncFixture, waitForRun, type SyncFixture } from "../helpers/sync-fixtures";

async function runCron(at = Date.now()) {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "*/10 * * * *" }), env);
}

/** Runs the cron and waits until this sync's drift check has been recorded. */
async function driftCheck(syncId: string) {
  const before = (await getSync(syncId)).lastDriftCheckAt;
  await env.DB.prepare("update secret_syncs set last_drift_check_at = null where id = ?").bind(syncId).run();
  await runCron();
  await vi.waitUntil(async () => {
    const at = (await getSync(syncId)).lastDriftCheckAt;
    return at && at !== before;
  }, { timeout: 10_000, interval: 50 });
  return (await api.get(`/api/v1/secret-syncs/qovery/${syncId}/drift`)).body.drift;
}

async function rowOf(f: SyncFixture, key: string) {
  return (await f.tenant.variables()).find((r) => r.key === key && r.parentId === f.tenant.environment.id)!;
}

async function syncedFixture(options: { variableType?: "secret" | "variable"; autoSyncEnabled?: boolean } = {}) {
  const f = await syncFixture({ KEEP: "k", OWNED: "source-value" });
  const sync = await createSync(f, { variableType: options.variableType, keySchema: "APP_{{secretKey}}" });
  expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
  if (options.autoSyncEnabled === false) {
    const res = await api.patch(`/api/v1/secret-syncs/qovery/${sync.id}`, { isAutoSyncEnabled: false });
    expect(res.status).toBe(200);
  }
  return { f, sync };
}

const family = (kind: "secret" | "variable") => (kind === "secret" ? "secret" : "environmentVariable");

describe("drift detection", () => {
  it("a deleted owned key is detected and restored, with listing calls only for the check", async () => {
    const { f, sync } = await syncedFixture();
    const owned = await rowOf(f, "APP_OWNED");
    expect((await f.tenant.api(`/environment/${f.tenant.environment.id}/secret/${owned.id}`, { method: "DELETE" })).status).toBe(204);
    await f.tenant.clearCalls();
    const drift = await driftCheck(sync.id);
    expect(drift.driftStatus).toBe("drifted");
    expect(drift.report.items).toEqual([{ key: "APP_OWNED", kind: "missing" }]);
    await vi.waitUntil(async () => (await qoveryValues(f.tenant, f.tenant.environment.id)).APP_OWNED === "source-value", { timeout: 10_000, interval: 100 });
    const calls = await f.tenant.calls();
    const checkCalls = calls.slice(0, 2);
    expect(checkCalls.every((c) => c.method === "GET")).toBe(true);
    expect(calls.filter((c) => c.method !== "GET").map((c) => c.method)).toEqual(["POST"]);
    expect((await getSync(sync.id)).driftStatus).toBe("drifted");
    expect((await driftCheck(sync.id)).driftStatus).toBe("in-sync");
  });

  it("an edited variable value is restored", async () => {
    const { f, sync } = await syncedFixture({ variableType: "variable" });
    const owned = await rowOf(f, "APP_OWNED");
    const edit = await f.tenant.api(`/environment/${f.tenant.environment.id}/environmentVariable/${owned.id}`, { method: "PUT", body: { key: "APP_OWNED", value: "hand-edited" } });
    expect(edit.status).toBe(200);
    const drift = await driftCheck(sync.id);
    expect(drift.report.items).toEqual([{ key: "APP_OWNED", kind: "value-changed" }]);
    await vi.waitUntil(async () => (await qoveryValues(f.tenant, f.tenant.environment.id)).APP_OWNED === "source-value", { timeout: 10_000, interval: 100 });
  });

  it("a variable sync the run just wrote is in sync: the check fingerprints Qovery's values as the run fingerprinted its own", async () => {
    const { f, sync } = await syncedFixture({ variableType: "variable" });
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ APP_KEEP: "k", APP_OWNED: "source-value" });
    expect(await driftCheck(sync.id)).toMatchObject({ driftStatus: "in-sync", report: { items: [] } });
  });

  it("a secret edited elsewhere (updated_at moved) is restored", async () => {
    const { f, sync } = await syncedFixture();
    const owned = await rowOf(f, "APP_OWNED");
    const edit = await f.tenant.api(`/environment/${f.tenant.environment.id}/secret/${owned.id}`, { method: "PUT", body: { key: "APP_OWNED", value: "hand-edited" } });
    expect(edit.status).toBe(200);
    const drift = await driftCheck(sync.id);
    expect(drift.report.items).toEqual([{ key: "APP_OWNED", kind: "edited-elsewhere" }]);
    await vi.waitUntil(async () => (await qoveryValues(f.tenant, f.tenant.environment.id)).APP_OWNED === "source-value", { timeout: 10_000, interval: 100 });
    expect((await rowOf(f, "APP_KEEP")).value).toBe("k");
  });

  it("a report-only sync (auto-sync off) reports drift and leaves Qovery alone", async () => {
    const { f, sync } = await syncedFixture({ autoSyncEnabled: false });
    const owned = await rowOf(f, "APP_OWNED");
    await f.tenant.api(`/environment/${f.tenant.environment.id}/secret/${owned.id}`, { method: "DELETE" });
    const stranger = await f.tenant.api(`/environment/${f.tenant.environment.id}/${family("secret")}`, { method: "POST", body: { key: "APP_STRANGER", value: "x" } });
    expect(stranger.status).toBe(201);
    await f.tenant.clearCalls();
    const drift = await driftCheck(sync.id);
    expect(drift.report.items).toEqual([
      { key: "APP_OWNED", kind: "missing" },
      { key: "APP_STRANGER", kind: "unmanaged" },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await f.tenant.calls()).filter((c) => c.method !== "GET")).toEqual([]);
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ APP_KEEP: "k", APP_STRANGER: "x" });
    expect(JSON.stringify(drift)).not.toMatch(/source-value|"x"/);
  });
});

describe("recovery", () => {
  it("re-queues a run stuck in running after its lease expired", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const runId = crypto.randomUUID();
    const past = new Date(Date.now() - 60_000).toISOString();
    await env.DB.batch([
      env.DB.prepare("insert into sync_runs (id, sync_id, kind, trigger, status, attempts, created_at, started_at) values (?, ?, 'sync', 'manual', 'running', 1, ?, ?)").bind(runId, sync.id, past, past),
      env.DB.prepare("update secret_syncs set sync_status = 'running', last_sync_job_id = ?, lease_run_id = ?, lease_expires_at = ? where id = ?").bind(runId, runId, past, sync.id),
    ]);
    await runCron();
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ A: "1" });
  });

  it("retries a failed auto-sync sync after a growing delay", async () => {
    expect([1, 2, 3, 4, 9].map(failedRetryDelayMs)).toEqual([5, 15, 60, 60, 60].map((m) => m * 60_000));
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f);
    await waitForRun(sync.id);
    const run = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs`)).body.runs[0];
    const markFailed = (minutesAgo: number) =>
      env.DB.batch([
        env.DB.prepare("update sync_runs set status = 'failed', finished_at = ? where id = ?").bind(new Date(Date.now() - minutesAgo * 60_000).toISOString(), run.id),
        env.DB.prepare("update secret_syncs set sync_status = 'failed', consecutive_failures = 2, last_sync_job_id = ? where id = ?").bind(run.id, sync.id),
      ]);
    await markFailed(10); // 15 minutes are due after a second failure
    await runCron();
    expect((await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs`)).body.runs.filter((r: { trigger: string }) => r.trigger === "retry")).toHaveLength(0);
    await markFailed(16);
    await runCron();
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    const runs = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs`)).body.runs;
    expect(runs.filter((r: { trigger: string }) => r.trigger === "retry")).toHaveLength(1);
    expect(await env.DB.prepare("select consecutive_failures as n from secret_syncs where id = ?").bind(sync.id).first()).toEqual({ n: 0 });
  });

  it("overlapping cron runs are harmless", async () => {
    const { f, sync } = await syncedFixture();
    await env.DB.prepare("update secret_syncs set last_drift_check_at = null where id = ?").bind(sync.id).run();
    await f.tenant.clearCalls();
    await Promise.all([runCron(), runCron(), runCron()]);
    await vi.waitUntil(async () => !!(await getSync(sync.id)).lastDriftCheckAt, { timeout: 10_000, interval: 50 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await f.tenant.calls()).filter((c) => c.method !== "GET")).toEqual([]);
    expect((await getSync(sync.id)).driftStatus).toBe("in-sync");
  });
});

describe("notifications from the engine", () => {
  it("a finished run and newly detected drift notify subscribers, without values", async () => {
    const { f, sync } = await syncedFixture({ autoSyncEnabled: false });
    const inbox = new ReceiverInbox();
    const sub = await api.post("/api/v1/webhooks/subscriptions", { projectId: f.project.id, url: inbox.url, events: ["sync.succeeded", "sync.drift_detected"] });
    expect(sub.status).toBe(200);

    await api.post(`/api/v1/secret-syncs/qovery/${sync.id}/sync-secrets`);
    await vi.waitUntil(async () => (await inbox.requests()).length >= 1, { timeout: 10_000, interval: 100 });
    const owned = await rowOf(f, "APP_OWNED");
    await f.tenant.api(`/environment/${f.tenant.environment.id}/secret/${owned.id}`, { method: "DELETE" });
    await driftCheck(sync.id);
    await driftCheck(sync.id); // the same drift again: no second notification
    await vi.waitUntil(async () => (await inbox.requests()).length >= 2, { timeout: 10_000, interval: 100 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = (await inbox.requests()).map((r) => JSON.parse(r.body) as { type: string; data: { syncId: string; message: string | null } });
    expect(events.map((e) => e.type)).toEqual(["sync.succeeded", "sync.drift_detected"]);
    expect(events.every((e) => e.data.syncId === sync.id)).toBe(true);
    expect(events[1]!.data.message).toContain("APP_OWNED (missing)");
    expect(JSON.stringify(events)).not.toContain("source-value");
  });
});
