/** Auto-sync: store changes reach Qovery through the debounce timer, the real queue and the real consumer. */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import type { JobQueue } from "../../src/queue/messages";
import { findSyncRecord } from "../../src/syncs/repository";
import { acquireLease } from "../../src/syncs/run-state";
import { requestRun } from "../../src/syncs/runs";
import { systemActor } from "../../src/access/actor";
import { api } from "../helpers/api";
import { createFolder, createSync, putSecrets, qoveryValues, syncFixture, waitForRun } from "../helpers/sync-fixtures";

const db = createDb(env.DB);

async function runsOf(syncId: string) {
  return (await api.get(`/api/v1/secret-syncs/qovery/${syncId}/runs`, { query: { limit: "100" } })).body.runs as { trigger: string; status: string }[];
}

async function untilValue(f: Awaited<ReturnType<typeof syncFixture>>, key: string, value: string) {
  await vi.waitUntil(async () => (await qoveryValues(f.tenant, f.tenant.environment.id))[key] === value, { timeout: 15_000, interval: 100 });
}

describe("auto-sync on change", () => {
  it("a changed secret reaches Qovery without any manual trigger", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f);
    await waitForRun(sync.id);
    await putSecrets(f.project.id, "dev", "/app", { A: "2" });
    await untilValue(f, "A", "2");
    expect((await runsOf(sync.id)).map((r) => r.trigger)).toEqual(["auto", "create"]);
  });

  it("a burst of 100 writes gives one run per affected sync, and unaffected syncs stay idle", async () => {
    const f = await syncFixture({ A: "0" });
    await createFolder(f.project.id, "dev", "/other");
    await putSecrets(f.project.id, "dev", "/other", { O: "x" });
    const sync = await createSync(f);
    const other = await createSync(f, { secretPath: "/other", keySchema: "O_{{secretKey}}" });
    await waitForRun(sync.id);
    await waitForRun(other.id);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let the set-up's own change timer fire first
    const autoRuns = async (id: string) => (await runsOf(id)).filter((r) => r.trigger === "auto").length;
    const [syncBefore, otherBefore] = [await autoRuns(sync.id), await autoRuns(other.id)];
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.patch("/api/v3/secrets/raw/A", { workspaceId: f.project.id, environment: "dev", secretPath: "/app", secretValue: `burst-${i}` }),
      ),
    );
    const final = (await api.get("/api/v3/secrets/raw/A", { query: { workspaceId: f.project.id, environment: "dev", secretPath: "/app" } })).body.secret.secretValue;
    await untilValue(f, "A", final);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a second timer would have fired by now
    expect(await autoRuns(sync.id)).toBe(syncBefore + 1);
    expect(await autoRuns(other.id)).toBe(otherBefore);
  }, 30_000);

  it("follows secret imports and references to dependent syncs", async () => {
    const f = await syncFixture({ URL: "postgres://${prod.shared.PASSWORD}@db" });
    await createFolder(f.project.id, "prod", "/shared");
    await putSecrets(f.project.id, "prod", "/shared", { PASSWORD: "first" });
    await createFolder(f.project.id, "staging", "/common");
    await putSecrets(f.project.id, "staging", "/common", { IMPORTED: "one" });
    const imported = await api.post("/api/v2/secret-imports", { projectId: f.project.id, environment: "dev", path: "/app", import: { environment: "staging", path: "/common" } });
    expect(imported.status).toBe(200);
    const sync = await createSync(f);
    await waitForRun(sync.id);
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ URL: "postgres://first@db", IMPORTED: "one" });

    await putSecrets(f.project.id, "prod", "/shared", { PASSWORD: "second" });
    await untilValue(f, "URL", "postgres://second@db");
    await putSecrets(f.project.id, "staging", "/common", { IMPORTED: "two" });
    await untilValue(f, "IMPORTED", "two");
  }, 30_000);

  it("a change arriving during a run produces exactly one follow-up run", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f);
    await waitForRun(sync.id);
    // A run is in flight: hold the sync's lease as it would.
    const record = (await findSyncRecord(db, sync.id))!;
    const lease = await acquireLease(db, record.sync, "in-flight-run", undefined, 30, 5);
    expect(lease).not.toBeNull();
    await putSecrets(f.project.id, "dev", "/app", { A: "2" });
    await vi.waitUntil(async () => (await runsOf(sync.id)).some((r) => r.trigger === "auto"), { timeout: 10_000, interval: 100 });
    await putSecrets(f.project.id, "dev", "/app", { A: "3" });
    await new Promise((resolve) => setTimeout(resolve, 2500)); // the second change's timer fires while the run waits
    expect((await runsOf(sync.id)).filter((r) => r.trigger === "auto")).toHaveLength(1);
    await env.DB.prepare("update secret_syncs set lease_run_id = null, lease_expires_at = null where id = ?").bind(sync.id).run();
    await untilValue(f, "A", "3");
    expect((await runsOf(sync.id)).filter((r) => r.trigger === "auto")).toHaveLength(1);
  }, 30_000);

  it("a manual trigger runs a waiting auto-sync run now instead of waiting out its delay", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const record = (await findSyncRecord(db, sync.id))!;
    const waiting = await requestRun(db, env.SYNC_QUEUE as JobQueue, record.sync, "sync", "auto", systemActor("auto-sync"), 600);
    expect(waiting.queued).toBe(true);
    expect(waiting.run).toMatchObject({ requestedByType: "system", requestedById: "system", requestedByName: "auto-sync" });
    const manual = await api.post(`/api/v1/secret-syncs/qovery/${sync.id}/sync-secrets`);
    expect(manual.body.runId).toBe(waiting.run.id);
    // The run is now the manual trigger's, and names who asked for it.
    const joined = await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs/${waiting.run.id}`);
    expect(joined.body.run).toMatchObject({ trigger: "manual", requestedBy: { type: "admin", id: "admin", name: "admin" } });
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ A: "1" });
  });
});
