/**
 * Cron reconciliation. The scheduled handler only fans work out to the queue (`fanOutReconciliation`); each sync's
 * drift check runs as its own job (`checkDrift`). Everything here is idempotent, so late or overlapping cron runs
 * are harmless: drift checks skip syncs checked moments ago, re-sent run jobs meet the lease and finished-run checks,
 * and retries join a waiting run.
 */
import { and, eq, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import { systemActor } from "../access/actor";
import { itemsPerStatement, selectInChunks } from "../db/chunks";
import { QoveryError } from "../qovery/errors";
import { secretSyncs, syncRuns } from "../db/schema";
import type { Logger } from "../lib/logger";
import { sendAll } from "../lib/jobs";
import { nowIso } from "../lib/time";
import { detectDrift } from "../syncs/drift";
import { engineQoveryClient } from "../syncs/engine-qovery";
import { emitSyncEvent } from "../syncs/events";
import { matchesFingerprint } from "../syncs/fingerprint";
import { isAtTarget } from "../syncs/plan";
import type { EngineQoveryDeps } from "../syncs/engine-qovery";
import { listDestination } from "../syncs/prepare";
import * as repo from "../syncs/repository";
import { recordDriftCheck } from "../syncs/run-state";
import { requestRun } from "../syncs/runs";
import { syncConfig } from "../syncs/sync-config";
import type { SyncRunJob } from "../syncs/jobs";
import type { DriftItem, DriftReport } from "../syncs/types";
import type { TriggerDeps } from "./auto-sync";
import type { DriftCheckJob } from "./jobs";

/** A drift check is skipped when the previous one is more recent than this (cron runs may overlap or bunch up). */
const DRIFT_CHECK_MIN_INTERVAL_MS = 60_000;
/** Runs left pending this long without being picked up get their job re-sent (a lost or failed send). */
const PENDING_RESEND_AFTER_MS = 10 * 60_000;

/** Who the run history names for the runs the cron queues. */
const CRON = systemActor("cron");

/** Waits before cron retries a failed auto-sync sync: 5, 15, 60 minutes, then hourly. */
export function failedRetryDelayMs(consecutiveFailures: number): number {
  const minutes = [5, 15, 60][consecutiveFailures - 1] ?? 60;
  return minutes * 60_000;
}

export interface FanOutReport {
  driftChecks: number;
  resentRuns: number;
  retries: number;
}

export async function fanOutReconciliation(deps: TriggerDeps, now = Date.now()): Promise<FanOutReport> {
  const { db, queue } = deps;
  const nowText = new Date(now).toISOString();

  const enabled = await db.select().from(secretSyncs).where(and(eq(secretSyncs.isEnabled, true), isNotNull(secretSyncs.folderId))).all();
  const dueForDriftCheck = enabled.filter((s) => !s.lastDriftCheckAt || now - Date.parse(s.lastDriftCheckAt) >= DRIFT_CHECK_MIN_INTERVAL_MS);

  // Runs whose worker died (running, lease expired or gone) or whose job never arrived (pending for long).
  const stuck = await db
    .select({ id: syncRuns.id, syncId: syncRuns.syncId })
    .from(syncRuns)
    .innerJoin(secretSyncs, eq(secretSyncs.id, syncRuns.syncId))
    .where(
      or(
        and(eq(syncRuns.status, "running"), or(sql`${secretSyncs.leaseRunId} is null`, lt(secretSyncs.leaseExpiresAt, nowText), sql`${secretSyncs.leaseRunId} <> ${syncRuns.id}`)),
        and(eq(syncRuns.status, "pending"), lt(syncRuns.createdAt, new Date(now - PENDING_RESEND_AFTER_MS).toISOString())),
      ),
    )
    .all();

  await sendAll<DriftCheckJob | SyncRunJob>(queue, [
    ...dueForDriftCheck.map((s) => ({ type: "drift-check" as const, syncId: s.id })),
    ...stuck.map((r) => ({ type: "sync-run" as const, syncId: r.syncId, runId: r.id })),
  ]);

  const failed = enabled.filter((s) => s.isAutoSyncEnabled && s.syncStatus === "failed" && s.consecutiveFailures > 0 && s.lastSyncJobId);
  const lastRuns = await selectInChunks(db, failed.map((s) => s.lastSyncJobId!), itemsPerStatement(0), (ids) =>
    db.select({ id: syncRuns.id, finishedAt: syncRuns.finishedAt }).from(syncRuns).where(inArray(syncRuns.id, ids)),
  );
  const finishedAt = new Map(lastRuns.map((r) => [r.id, r.finishedAt]));
  let retries = 0;
  for (const sync of failed) {
    const finished = finishedAt.get(sync.lastSyncJobId!);
    if (!finished || now - Date.parse(finished) < failedRetryDelayMs(sync.consecutiveFailures)) continue;
    await requestRun(db, queue, sync, "sync", "retry", CRON);
    retries++;
  }
  return { driftChecks: dueForDriftCheck.length, resentRuns: stuck.length, retries };
}

/** Notify once per distinct drift, not on every cron tick while a report-only sync stays drifted. */
function driftChanged(previousJson: string | null, items: DriftItem[]): boolean {
  const previous = previousJson ? (JSON.parse(previousJson) as DriftReport).items : [];
  return JSON.stringify(previous) !== JSON.stringify(items);
}

const countByKind = (items: DriftItem[]) => items.reduce<Record<string, number>>((counts, i) => ({ ...counts, [i.kind]: (counts[i.kind] ?? 0) + 1 }), {});

export interface DriftDeps extends TriggerDeps, EngineQoveryDeps {
  log: Logger;
}

/**
 * Lists the sync's Qovery rows (listing calls only) and compares them with its ledger. The report is recorded on the
 * sync; secrets edited elsewhere get their ledger fingerprint cleared so the next run rewrites them; a sync with
 * auto-sync on is then repaired by a normal run, the others are only reported.
 */
export async function checkDrift(deps: DriftDeps, syncId: string): Promise<DriftReport | null> {
  const { db } = deps;
  const record = await repo.findSyncRecord(db, syncId);
  if (!record || !record.sync.isEnabled || !record.environment) return null;
  const config = syncConfig(record);
  const ring = await deps.keyRing();
  const qovery = await engineQoveryClient(deps, record.sync.connectionId);
  let rows;
  try {
    rows = await listDestination(qovery, config.target);
  } catch (error) {
    // Not retried here: the next cron run checks again, and a failing token already fails the sync's runs.
    if (error instanceof QoveryError) {
      deps.log.warn("drift_check_failed", { syncId, kind: error.kind });
      return null;
    }
    throw error;
  }
  const [ownLedger, foreignLedger] = await Promise.all([repo.ledgerOfSync(db, syncId), repo.foreignLedgerAt(db, syncId, config.target)]);
  const ledger = ownLedger.filter((e) => isAtTarget(e, config.target));
  const matching = new Set<string>();
  if (config.target.kind === "variable") {
    for (const entry of ledger) {
      const row = rows.find((r) => r.key === entry.destinationKey && r.id === entry.qoveryId);
      if (row?.value != null && (await matchesFingerprint(ring, entry.fingerprint, entry.destinationKey, row.value))) {
        matching.add(entry.destinationKey);
      }
    }
  }
  const items = detectDrift({
    target: config.target,
    rows,
    ledger,
    foreignKeys: new Set(foreignLedger.map((e) => e.destinationKey)),
    keySchema: config.options.keySchema,
    environmentSlug: record.environment.slug,
    valueMatches: (entry) => matching.has(entry.destinationKey),
  });
  const report: DriftReport = { checkedAt: nowIso(), items };
  const edited = items.filter((i) => i.kind === "edited-elsewhere" || i.kind === "value-changed").map((i) => i.key);
  await recordDriftCheck(db, syncId, config.target, report, edited);
  if (items.length && driftChanged(record.sync.driftReportJson, items)) {
    await emitSyncEvent(deps.queue, {
      type: "sync.drift_detected",
      projectId: record.sync.projectId,
      syncId,
      syncName: record.sync.name,
      counts: countByKind(items),
      message: `${items.length} key(s) drifted: ${items.map((i) => `${i.key} (${i.kind})`).join(", ")}`,
      occurredAt: report.checkedAt,
    });
  }
  if (items.length && record.sync.isAutoSyncEnabled) await requestRun(db, deps.queue, record.sync, "sync", "cron", CRON);
  deps.log.info("drift_checked", { syncId, drifted: items.length });
  return report;
}
