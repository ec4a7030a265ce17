/**
 * The runner called directly (as the queue consumer would), to control deliveries: call budgets and continuations,
 * redelivered messages, a crash mid-run, and the single-writer lease.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { secretSyncs, syncRuns } from "../../src/db/schema";
import { loadKeyRing } from "../../src/lib/crypto";
import { createLogger } from "../../src/lib/logger";
import { systemActor } from "../../src/access/actor";
import { configOf, type EngineSettings } from "../../src/config";
import { findSyncRecord, getRun } from "../../src/syncs/repository";
import { acquireLease, newRun } from "../../src/syncs/run-state";
import type { JobOutcome } from "../../src/lib/jobs";
import type { JobQueue } from "../../src/queue/messages";
import type { SyncRunJob } from "../../src/syncs/jobs";
import { FOLDER_MISSING } from "../../src/syncs/errors";
import { processSyncRun, retryDelaySeconds } from "../../src/syncs/runner";
import { createSync, qoveryValues, syncFixture } from "../helpers/sync-fixtures";

const db = createDb(env.DB);

function deps(settings: Partial<EngineSettings> = {}, onFetch?: () => void) {
  return {
    db,
    queue: env.SYNC_QUEUE as JobQueue,
    keyRing: () => loadKeyRing(env.ENCRYPTION_KEY),
    qoveryBaseUrl: "http://qovery.sim",
    settings: { ...configOf(env).engine, ...settings },
    log: createLogger({}, "error"),
    fetch: (request: Request) => {
      onFetch?.();
      return fetch(request);
    },
  };
}

async function pendingRun(syncId: string) {
  const run = newRun(syncId, "sync", "manual", systemActor("test"));
  await db.insert(syncRuns).values(run);
  return run;
}

async function manualSync(secretCount: number) {
  const secrets = Object.fromEntries(Array.from({ length: secretCount }, (_, i) => [`K_${String(i).padStart(3, "0")}`, `v${i}`]));
  const f = await syncFixture(secrets);
  const sync = await createSync(f, { autoSyncEnabled: false });
  return { f, sync };
}

/** Delivers the job until the runner says done, counting Qovery calls per delivery. */
async function deliverUntilDone(syncId: string, runId: string, settings: Partial<EngineSettings>) {
  const perDelivery: number[] = [];
  let job: SyncRunJob = { type: "sync-run", syncId, runId };
  let outcome: JobOutcome<SyncRunJob>;
  do {
    let calls = 0;
    outcome = await processSyncRun(deps(settings, () => calls++), job);
    perDelivery.push(calls);
    if (outcome.kind === "requeue" && outcome.job?.type === "sync-run") job = outcome.job;
  } while (outcome.kind === "requeue" && perDelivery.length < 50);
  return perDelivery;
}

describe("call budget and continuations", () => {
  it("splits a large first sync into deliveries that each stay within the budget", async () => {
    const { f, sync } = await manualSync(60);
    const run = await pendingRun(sync.id);
    const perDelivery = await deliverUntilDone(sync.id, run.id, { subrequestBudget: 20 });
    expect(perDelivery.length).toBeGreaterThanOrEqual(4);
    for (const calls of perDelivery) expect(calls).toBeLessThanOrEqual(20);
    expect(Object.keys(await qoveryValues(f.tenant, f.tenant.environment.id))).toHaveLength(60);
    const finished = await getRun(db, run.id);
    expect(finished).toMatchObject({ status: "succeeded", attempts: 1, invocations: perDelivery.length });
    expect(JSON.parse(finished!.countsJson)).toMatchObject({ created: 60 });
    expect((await f.tenant.calls()).filter((c) => c.method === "POST")).toHaveLength(60);
  });
});

describe("a budget too small to make progress", () => {
  it("fails after the allowed attempts instead of continuing forever", async () => {
    const { sync } = await manualSync(3);
    const run = await pendingRun(sync.id);
    const perDelivery = await deliverUntilDone(sync.id, run.id, { subrequestBudget: 1, maxAttempts: 3 });
    expect(perDelivery).toHaveLength(3);
    const finished = await getRun(db, run.id);
    expect(finished).toMatchObject({ status: "failed", attempts: 3, invocations: 3 });
    const status = await env.DB.prepare("select last_sync_message as m from secret_syncs where id = ?").bind(sync.id).first<{ m: string }>();
    expect(JSON.parse(status!.m).error).toMatch(/SYNC_SUBREQUEST_BUDGET=1\) is too small/);
  });
});

describe("at-least-once delivery", () => {
  it("a redelivered message of a finished run does nothing", async () => {
    const { f, sync } = await manualSync(3);
    const run = await pendingRun(sync.id);
    expect(await processSyncRun(deps(), { type: "sync-run", syncId: sync.id, runId: run.id })).toEqual({ kind: "done" });
    await f.tenant.clearCalls();
    let calls = 0;
    expect(await processSyncRun(deps({}, () => calls++), { type: "sync-run", syncId: sync.id, runId: run.id })).toEqual({ kind: "done" });
    expect(calls).toBe(0);
    expect(await f.tenant.calls()).toEqual([]);
  });

  it("resumes after a crash mid-run without writing anything twice", async () => {
    const { f, sync } = await manualSync(30);
    const run = await pendingRun(sync.id);
    // The first delivery stops after part of the work, as a crashed invocation would: lease held, ledger half written.
    const first = await processSyncRun(deps({ subrequestBudget: 12 }), { type: "sync-run", syncId: sync.id, runId: run.id });
    expect(first).toMatchObject({ kind: "requeue", delaySeconds: 0, job: { runId: run.id, fence: expect.any(Number) } });
    // A duplicate delivery (no fence) while the lease is live must not start a second writer.
    expect((await processSyncRun(deps(), { type: "sync-run", syncId: sync.id, runId: run.id })).kind).toBe("requeue");
    const landed = Object.keys(await qoveryValues(f.tenant, f.tenant.environment.id)).length;
    expect(landed).toBeGreaterThan(0);
    expect(landed).toBeLessThan(30);
    // The invocation died; its lease expires and the redelivered message takes over.
    await env.DB.prepare("update secret_syncs set lease_expires_at = ? where id = ?").bind(new Date(Date.now() - 1000).toISOString(), sync.id).run();
    await deliverUntilDone(sync.id, run.id, {});
    expect(Object.keys(await qoveryValues(f.tenant, f.tenant.environment.id))).toHaveLength(30);
    const creates = (await f.tenant.calls()).filter((c) => c.method === "POST");
    expect(creates).toHaveLength(30);
    expect(new Set(creates.map((c) => c.path)).size).toBe(1);
    expect((await getRun(db, run.id))?.status).toBe("succeeded");
  });
});

describe("a source that cannot be read", () => {
  it("fails the run with Infisical's message before any call to Qovery", async () => {
    const { f, sync } = await manualSync(1);
    const run = await pendingRun(sync.id);
    await env.DB.prepare("update secret_syncs set folder_id = null where id = ?").bind(sync.id).run();
    await f.tenant.clearCalls();
    expect(await processSyncRun(deps(), { type: "sync-run", syncId: sync.id, runId: run.id })).toEqual({ kind: "done" });
    expect(await getRun(db, run.id)).toMatchObject({ status: "failed", message: JSON.stringify({ error: FOLDER_MISSING }) });
    expect(await f.tenant.calls()).toEqual([]);
  });
});

describe("single writer", () => {
  it("a run waits while another run holds the sync's lease, then proceeds", async () => {
    const { f, sync } = await manualSync(2);
    const record = (await findSyncRecord(db, sync.id))!;
    const holder = await acquireLease(db, record.sync, "another-run", undefined, 120, 5);
    expect(holder).not.toBeNull();
    await f.tenant.clearCalls();
    const run = await pendingRun(sync.id);
    const outcome = await processSyncRun(deps(), { type: "sync-run", syncId: sync.id, runId: run.id });
    expect(outcome.kind).toBe("requeue");
    expect(await f.tenant.calls()).toEqual([]);
    expect((await getRun(db, run.id))?.status).toBe("pending");

    await env.DB.prepare("update secret_syncs set lease_run_id = null, lease_expires_at = null where id = ?").bind(sync.id).run();
    expect(await processSyncRun(deps(), { type: "sync-run", syncId: sync.id, runId: run.id })).toEqual({ kind: "done" });
    expect(Object.keys(await qoveryValues(f.tenant, f.tenant.environment.id))).toHaveLength(2);
  });

  it("caps concurrent runs per connection", async () => {
    const { sync } = await manualSync(1);
    const record = (await findSyncRecord(db, sync.id))!;
    // Two other syncs of the same connection are busy: simulate them with live leases on sibling rows.
    for (let i = 0; i < 2; i++) {
      const sibling = { ...record.sync, id: crypto.randomUUID(), name: `${record.sync.name}-${i}`, leaseRunId: `busy-${i}`, leaseExpiresAt: new Date(Date.now() + 60_000).toISOString() };
      await db.insert(secretSyncs).values(sibling);
    }
    expect(await acquireLease(db, record.sync, "r1", undefined, 120, 2)).toBeNull();
    expect(await acquireLease(db, record.sync, "r1", undefined, 120, 3)).not.toBeNull();
  });
});

describe("retry backoff", () => {
  it("grows exponentially with jitter and honours a longer wait asked by Qovery", () => {
    expect(retryDelaySeconds(1, null, 10, 0.5)).toBe(10);
    expect(retryDelaySeconds(2, null, 10, 0.5)).toBe(20);
    expect(retryDelaySeconds(3, null, 10, 0)).toBe(32);
    expect(retryDelaySeconds(10, null, 10, 0.5)).toBe(300);
    expect(retryDelaySeconds(1, 90_000, 10, 0.5)).toBe(90);
  });
});
