/**
 * A run's lifecycle, and the only module that writes it: the run's row, the sync's status fields (its sync, remove
 * and drift status, the last run's id, message and time, consecutive failures) and the sync's lease. Each step that
 * touches both the run and its sync is one D1 batch, so the two never disagree.
 *
 *   markPending ─► markRunning ─► finish (succeeded or failed; the lease is released with it)
 *                       │ ▲
 *                       ▼ │  scheduleRetry (transient Qovery failures: wait, keep the lease)
 *                          recordProgress (the call budget is spent: a follow-up continues at once)
 *   deadLetter: a run whose job kept crashing ends failed · abandonRun: its sync was deleted under it
 *
 * D1 has no interactive transactions: the lease is one conditional UPDATE with a fencing token, and a pending run is
 * unique per sync and kind by a partial index.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { secretSyncs, syncRuns } from "../db/schema";
import { nowIso } from "../lib/time";
import { invalidateFingerprint, type RunRequester, type RunRow, type SyncRow } from "./repository";
import { formatSyncMessage } from "./sync-message";
import type { DestinationTarget, DriftReport, KeyResult, RunKind, RunTrigger } from "./types";

/** Where a run of each kind records its status on the sync (Infisical's field names). */
const statusColumns = (kind: RunKind) =>
  kind === "sync"
    ? ({ status: "syncStatus", jobId: "lastSyncJobId", message: "lastSyncMessage", at: "lastSyncedAt" } as const)
    : ({ status: "removeStatus", jobId: "lastRemoveJobId", message: "lastRemoveMessage", at: "lastRemovedAt" } as const);

const runIs = (runId: string) => eq(syncRuns.id, runId);
const syncIs = (syncId: string) => eq(secretSyncs.id, syncId);

const requestedByColumns = (requester: RunRequester) => ({
  requestedByType: requester.kind,
  requestedById: requester.id,
  requestedByName: requester.name,
});

// ===== Requests

export function newRun(syncId: string, kind: RunKind, trigger: RunTrigger, requestedBy: RunRequester): RunRow {
  return {
    id: crypto.randomUUID(),
    syncId,
    kind,
    trigger,
    status: "pending",
    attempts: 0,
    invocations: 0,
    message: null,
    countsJson: "{}",
    resultsJson: "[]",
    qoveryCalls: 0,
    ...requestedByColumns(requestedBy),
    createdAt: nowIso(),
    startedAt: null,
    finishedAt: null,
  };
}

/**
 * Records `run` (from `newRun`) as the sync's pending run of its kind. False when the sync already has one: the
 * partial unique index on pending runs turns a concurrent duplicate into a no-op, and the sync is left as it was.
 */
export async function markPending(db: Db, sync: SyncRow, run: RunRow): Promise<boolean> {
  const columns = statusColumns(run.kind);
  const [inserted] = await db.batch([
    db.insert(syncRuns).values(run).onConflictDoNothing(),
    db
      .update(secretSyncs)
      .set({ [columns.status]: "pending", [columns.jobId]: run.id })
      .where(and(syncIs(sync.id), sql`exists (select 1 from sync_runs where id = ${run.id})`)),
  ]);
  return inserted.meta.changes > 0;
}

/** A trigger joining a waiting run makes it its own: the run history names that trigger and requester. */
export async function claimPendingRun(db: Db, run: RunRow, trigger: RunTrigger, requestedBy: RunRequester): Promise<RunRow> {
  const claimed = { trigger, ...requestedByColumns(requestedBy) };
  await db.update(syncRuns).set(claimed).where(and(runIs(run.id), eq(syncRuns.status, "pending")));
  return { ...run, ...claimed };
}

// ===== The lease (one writer per sync, capped writers per connection)

export interface Lease {
  syncId: string;
  runId: string;
  fence: number;
}

/**
 * Takes the sync's lease for `runId` with one conditional UPDATE: when it is free or expired, or when `handoverFence`
 * is the fence of this run's own live lease (a continuation the previous invocation asked for). A duplicate delivery
 * of the run's job carries no such fence and waits like any other. Refused while `maxPerConnection` other syncs of the
 * same connection hold a live lease. Each take-over increments the fencing token, so a writer that lost its lease can
 * tell.
 */
export async function acquireLease(
  db: Db,
  sync: SyncRow,
  runId: string,
  handoverFence: number | undefined,
  ttlSeconds: number,
  maxPerConnection: number,
): Promise<Lease | null> {
  const now = nowIso();
  const until = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  const row = await db.get<{ lease_fence: number }>(sql`
    update secret_syncs
       set lease_run_id = ${runId}, lease_expires_at = ${until}, lease_fence = lease_fence + 1
     where id = ${sync.id}
       and (lease_run_id is null or lease_expires_at < ${now} or (lease_run_id = ${runId} and lease_fence = ${handoverFence ?? -1}))
       and (select count(*) from secret_syncs other
             where other.connection_id = ${sync.connectionId} and other.id <> ${sync.id}
               and other.lease_run_id is not null and other.lease_expires_at >= ${now}) < ${maxPerConnection}
    returning lease_fence`);
  return row ? { syncId: sync.id, runId, fence: row.lease_fence } : null;
}

/** Extends the lease; false when another writer has taken it over (the caller must stop writing). */
export async function renewLease(db: Db, lease: Lease, ttlSeconds: number): Promise<boolean> {
  const until = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  const result = await db
    .update(secretSyncs)
    .set({ leaseExpiresAt: until })
    .where(and(syncIs(lease.syncId), eq(secretSyncs.leaseFence, lease.fence), eq(secretSyncs.leaseRunId, lease.runId)))
    .run();
  return result.meta.changes > 0;
}

function releaseLease(db: Db, lease: Lease) {
  return db
    .update(secretSyncs)
    .set({ leaseRunId: null, leaseExpiresAt: null })
    .where(and(syncIs(lease.syncId), eq(secretSyncs.leaseFence, lease.fence)));
}

// ===== Running

/** The run starts another delivery (its lease taken): running, one more attempt and invocation. Returns the attempt. */
export async function markRunning(db: Db, run: RunRow): Promise<number> {
  const attempt = run.attempts + 1;
  await db.batch([
    db
      .update(syncRuns)
      .set({ status: "running", attempts: attempt, invocations: sql`${syncRuns.invocations} + 1`, startedAt: run.startedAt ?? nowIso() })
      .where(runIs(run.id)),
    db.update(secretSyncs).set({ [statusColumns(run.kind).status]: "running" }).where(syncIs(run.syncId)),
  ]);
  return attempt;
}

/** What a run has done so far, kept across its deliveries. */
export interface RunResults {
  results: KeyResult[];
  qoveryCalls: number;
}

/** The call budget ran out: the results so far are kept and a follow-up delivery continues (`attempts` as counted). */
export async function recordProgress(db: Db, run: RunRow, progress: RunResults & { attempts: number }): Promise<void> {
  await db
    .update(syncRuns)
    .set({ resultsJson: JSON.stringify(progress.results), qoveryCalls: progress.qoveryCalls, attempts: progress.attempts })
    .where(runIs(run.id));
}

/**
 * Transient failures: the run waits for a later delivery, the sync shows it pending with `syncMessage`. The lease is
 * kept through the wait (for `holdLeaseSeconds`): other runs would meet the same Qovery trouble, and the cron must
 * not mistake the waiting run for a crashed one.
 */
export async function scheduleRetry(
  db: Db,
  run: RunRow,
  lease: Lease,
  progress: RunResults & { reason: string; syncMessage: string; holdLeaseSeconds: number },
): Promise<void> {
  const columns = statusColumns(run.kind);
  await db.batch([
    db
      .update(syncRuns)
      .set({ resultsJson: JSON.stringify(progress.results), qoveryCalls: progress.qoveryCalls, message: progress.reason })
      .where(runIs(run.id)),
    db
      .update(secretSyncs)
      .set({ [columns.status]: "pending", [columns.message]: progress.syncMessage })
      .where(syncIs(run.syncId)),
  ]);
  await renewLease(db, lease, progress.holdLeaseSeconds);
}

export interface RunEnd extends RunResults {
  status: "succeeded" | "failed";
  /** Infisical's `lastSyncMessage` format (see sync-message.ts), or null for a full success */
  message: string | null;
  counts: Record<string, number>;
}

/**
 * The run ends: its row, the sync's status fields (a successful run also dates the sync; a sync run counts
 * consecutive failures; a removal clears the request to delete the sync after it) and the lease, together. Returns
 * when it ended.
 */
export async function finish(db: Db, run: RunRow, sync: SyncRow, lease: Lease, end: RunEnd): Promise<string> {
  const finishedAt = nowIso();
  const columns = statusColumns(run.kind);
  await db.batch([
    db
      .update(syncRuns)
      .set({
        status: end.status,
        message: end.message,
        finishedAt,
        resultsJson: JSON.stringify(end.results),
        countsJson: JSON.stringify(end.counts),
        qoveryCalls: end.qoveryCalls,
      })
      .where(runIs(run.id)),
    db
      .update(secretSyncs)
      .set({
        [columns.status]: end.status,
        [columns.message]: end.message,
        [columns.jobId]: run.id,
        ...(end.status === "succeeded" ? { [columns.at]: finishedAt } : {}),
        ...(run.kind === "remove" ? { deleteAfterRemove: false } : {}),
        ...(run.kind === "sync" ? { consecutiveFailures: end.status === "succeeded" ? 0 : sync.consecutiveFailures + 1 } : {}),
      })
      .where(syncIs(run.syncId)),
    releaseLease(db, lease),
  ]);
  return finishedAt;
}

/** The sync was deleted before its run could finish: only the run is left to close. */
export async function abandonRun(db: Db, run: RunRow): Promise<void> {
  await db
    .update(syncRuns)
    .set({ status: "failed", message: "The sync was deleted before this run could finish", finishedAt: nowIso() })
    .where(runIs(run.id));
}

const DEAD_LETTERED = "The run could not be processed after repeated attempts (dead-lettered); trigger it again";

/** A run whose job kept crashing ends failed, its sync with it, and the lease is let go, so nothing stays running. */
export async function deadLetter(db: Db, run: RunRow): Promise<void> {
  if (run.status === "succeeded" || run.status === "failed") return;
  const columns = statusColumns(run.kind);
  await db.batch([
    db.update(syncRuns).set({ status: "failed", message: DEAD_LETTERED, finishedAt: nowIso() }).where(runIs(run.id)),
    db
      .update(secretSyncs)
      .set({
        [columns.status]: "failed",
        [columns.message]: formatSyncMessage({ error: DEAD_LETTERED }),
        leaseRunId: null,
        leaseExpiresAt: null,
      })
      .where(syncIs(run.syncId)),
  ]);
}

// ===== Drift

/** A drift check's report on the sync, and the ledger entries of keys edited elsewhere invalidated (rewritten next run). */
export async function recordDriftCheck(
  db: Db,
  syncId: string,
  target: DestinationTarget,
  report: DriftReport,
  editedKeys: string[],
): Promise<void> {
  const driftStatus = report.items.length ? "drifted" : "in-sync";
  await db.batch([
    db
      .update(secretSyncs)
      .set({ driftStatus, lastDriftCheckAt: report.checkedAt, driftReportJson: JSON.stringify(report) })
      .where(syncIs(syncId)),
    ...editedKeys.map((key) => invalidateFingerprint(db, syncId, target, key)),
  ]);
}
