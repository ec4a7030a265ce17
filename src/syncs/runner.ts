/**
 * Executes one queued run of a sync: take the sync's lease (one writer per sync), plan, apply within the call budget,
 * then record the outcome on the run and on the sync's Infisical-style status fields, and emit the run's event.
 * Everything it decides is returned as a `JobOutcome`; the queue consumer turns that into ack / follow-up messages.
 */
import { destinationRefusal } from "../connections/allowed-destinations";
import { loadQoveryConnection } from "../connections/service";
import { backoffDelay } from "../lib/backoff";
import { DONE, type JobOutcome } from "../lib/jobs";
import { ApiError } from "../lib/errors";
import type { Logger } from "../lib/logger";
import { QoveryAuthError, QoveryError, QoveryForbiddenError, QoveryNotFoundError, QoveryRateLimitError, QoveryValidationError } from "../qovery/errors";
import { applyPlan, type ApplyResult } from "./apply";
import { engineQoveryClient, type EngineQoveryDeps } from "./engine-qovery";
import type { EngineSettings } from "../config";
import { SyncSourceError } from "./errors";
import { emitSyncEvent } from "./events";
import type { EngineQueue, SyncRunJob } from "./jobs";
import { prepareSyncPlan } from "./prepare";
import * as repo from "./repository";
import * as runState from "./run-state";
import { syncConfig } from "./sync-config";
import { formatSyncMessage, summarizeFailures } from "./sync-message";
import type { KeyResult, Plan, RunKind } from "./types";

export interface RunnerDeps extends EngineQoveryDeps {
  /** for the events a finished run emits */
  queue: EngineQueue;
  settings: EngineSettings;
  log: Logger;
}

/** Waiting for a busy sync: soon at first, then less often (`attempts`: the run's attempts so far). */
const busyDelaySeconds = (attempts: number) => backoffDelay(attempts + 1, { base: 5, cap: 60 });
/** Backoff between attempts after transient Qovery failures, with jitter; Qovery's requested wait wins if longer. */
export function retryDelaySeconds(attempt: number, requestedMs: number | null, baseSeconds = 10, random = Math.random()): number {
  const backoff = backoffDelay(attempt, { base: baseSeconds, cap: 300, jitter: 0.2 }, random);
  return Math.ceil(Math.max(backoff, (requestedMs ?? 0) / 1000));
}

/** Failures that a later attempt cannot fix: the user must act (token, permissions, ids, input). */
const isPermanent = (error: unknown): boolean =>
  error instanceof QoveryAuthError || error instanceof QoveryForbiddenError || error instanceof QoveryNotFoundError || error instanceof QoveryValidationError;

const TRANSIENT_CLASSES = new Set(["qovery_rate_limited", "qovery_upstream", "qovery_network", "qovery_timeout"]);

function mergeResults(previous: KeyResult[], latest: KeyResult[]): KeyResult[] {
  const latestKeys = new Set(latest.map((r) => `${r.action}:${r.key}`));
  return [...previous.filter((r) => !latestKeys.has(`${r.action}:${r.key}`) && r.outcome === "done"), ...latest];
}

function countResults(results: KeyResult[], plan: Plan | null): Record<string, number> {
  const counts: Record<string, number> = { created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, heldBack: 0, conflicts: 0, skipped: 0, notAttempted: 0 };
  const done: Record<string, string> = { create: "created", update: "updated", delete: "deleted" };
  const reported = new Set(results.map((r) => r.key));
  for (const r of results) {
    if (r.outcome === "done") counts[done[r.action]!]! += 1;
    else if (r.outcome === "not-attempted") counts.notAttempted! += 1;
    else if (r.action === "hold") counts.heldBack! += 1;
    else if (r.action === "conflict") counts.conflicts! += 1;
    else if (r.action === "skip") counts.skipped! += 1;
    else counts.failed! += 1;
  }
  counts.unchanged = plan ? plan.actions.filter((a) => a.type === "unchanged" && !reported.has(a.destinationKey)).length : 0;
  return counts;
}

export async function processSyncRun(deps: RunnerDeps, job: SyncRunJob): Promise<JobOutcome<SyncRunJob>> {
  const { db, settings } = deps;
  const run = await repo.getRun(db, job.runId);
  if (!run || run.status === "succeeded" || run.status === "failed") return DONE; // a redelivered message of a finished run
  const record = await repo.findSyncRecord(db, job.syncId);
  if (!record) {
    await runState.abandonRun(db, run);
    return DONE;
  }
  const lease = await runState.acquireLease(db, record.sync, run.id, job.fence, settings.leaseSeconds, settings.connectionConcurrency);
  if (!lease) return { kind: "requeue", delaySeconds: busyDelaySeconds(run.attempts) };

  const log = deps.log.child({ syncId: run.syncId, runId: run.id, kind: run.kind });
  const attempt = await runState.markRunning(db, run);

  let calls = 0;
  const previous = repo.runProgress(run);
  const finish = async (status: "succeeded" | "failed", message: string | null, results: KeyResult[], plan: Plan | null) => {
    const removeAndDelete = run.kind === "remove" && record.sync.deleteAfterRemove;
    const counts = countResults(results, plan);
    const qoveryCalls = previous.qoveryCalls + calls;
    const finishedAt = await runState.finish(db, run, record.sync, lease, { status, message, results, counts, qoveryCalls });
    if (removeAndDelete && status === "succeeded") await repo.deleteSync(db, run.syncId);
    log.info("sync_run_finished", { status, calls: qoveryCalls, attempt });
    await emitSyncEvent(deps.queue, {
      type: status === "failed" ? "sync.failed" : run.kind === "remove" ? "sync.removed" : "sync.succeeded",
      projectId: record.sync.projectId,
      syncId: run.syncId,
      syncName: record.sync.name,
      runId: run.id,
      counts,
      message,
      occurredAt: finishedAt,
    });
    return DONE;
  };
  const retryLater = async (reason: string, requestedMs: number | null, results: KeyResult[]) => {
    const delaySeconds = retryDelaySeconds(attempt, requestedMs, settings.retryBaseSeconds);
    await runState.scheduleRetry(db, run, lease, {
      results,
      qoveryCalls: previous.qoveryCalls + calls,
      reason,
      syncMessage: formatSyncMessage({
        message: `Retrying in ${delaySeconds} s (attempt ${attempt} of ${settings.maxAttempts})`,
        error: reason,
      }),
      holdLeaseSeconds: delaySeconds + settings.leaseSeconds,
    });
    log.warn("sync_run_retry", { delaySeconds, attempt });
    return { kind: "requeue", delaySeconds, job: { ...job, fence: lease.fence } } satisfies JobOutcome<SyncRunJob>;
  };

  // The connection's allowlist may have changed since the sync was set up: refuse before any call to Qovery.
  const refusal = destinationRefusal(await loadQoveryConnection(db, record.sync.connectionId), syncConfig(record).destination);
  if (refusal) return finish("failed", formatSyncMessage({ error: refusal }), previous.results, null);
  const qovery = await engineQoveryClient(deps, record.sync.connectionId, () => void calls++);
  let prepared;
  try {
    prepared = await prepareSyncPlan(db, await deps.keyRing(), qovery, record, run.kind as RunKind);
  } catch (error) {
    if (error instanceof QoveryError && !isPermanent(error) && attempt < settings.maxAttempts) {
      return retryLater(error.message, error instanceof QoveryRateLimitError ? error.retryAfterMs : null, previous.results);
    }
    // ApiError: the store refused to read the source (e.g. its imports reach too many folders)
    if (error instanceof QoveryError || error instanceof SyncSourceError || error instanceof ApiError) {
      return finish("failed", formatSyncMessage({ error: error.message }), previous.results, null);
    }
    throw error;
  }
  const { plan } = prepared;
  const dependencies = prepared.dependencies && JSON.stringify(prepared.dependencies);
  if (dependencies && dependencies !== record.sync.sourceDependenciesJson) {
    await repo.updateSync(db, run.syncId, { sourceDependenciesJson: dependencies });
  }
  if (plan.refusal) return finish("failed", summarizeFailures(previous.results, plan.refusal), previous.results, plan);

  const applied: ApplyResult = await applyPlan(
    {
      db,
      qovery,
      syncId: run.syncId,
      budget: { used: () => calls, limit: settings.subrequestBudget },
      concurrency: settings.writeConcurrency,
      stillOwner: () => runState.renewLease(db, lease, settings.leaseSeconds),
    },
    plan,
  );
  const results = mergeResults(previous.results, applied.results);
  if (applied.leaseLost) {
    log.warn("sync_run_lease_lost", {});
    return DONE;
  }
  if (applied.fatal) return finish("failed", formatSyncMessage({ error: applied.fatal.message }), results, plan);
  if (applied.exhausted) {
    // An invocation that got nothing done would continue forever: it counts as an attempt, the others do not.
    const progressed = applied.results.some((r) => r.outcome === "done");
    if (!progressed && attempt >= settings.maxAttempts) {
      const message = `The call budget (SYNC_SUBREQUEST_BUDGET=${settings.subrequestBudget}) is too small to list the destination and write to it; raise it`;
      return finish("failed", formatSyncMessage({ error: message }), results, plan);
    }
    // Keep the lease: the follow-up message continues this run right away.
    const attempts = progressed ? attempt - 1 : attempt;
    await runState.recordProgress(db, run, { results, qoveryCalls: previous.qoveryCalls + calls, attempts });
    log.info("sync_run_continues", { calls });
    return { kind: "requeue", delaySeconds: 0, job: { ...job, fence: lease.fence } };
  }
  const transient = applied.results.filter((r) => r.outcome === "failed" && TRANSIENT_CLASSES.has(r.errorClass ?? ""));
  if (transient.length && attempt < settings.maxAttempts) {
    return retryLater(`${transient.length} Qovery write(s) failed transiently (${transient[0]!.errorClass})`, null, results);
  }
  const message = summarizeFailures(results, plan.refusal);
  return finish(message ? "failed" : "succeeded", message, results, plan);
}
