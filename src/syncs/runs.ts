/** Asking for a run: one pending run per sync and kind; triggers that arrive while it waits join it. */
import type { Db } from "../db/client";
import type { SyncRunJob } from "./jobs";
import { findOpenRun, type RunRequester, type RunRow, type SyncRow } from "./repository";
import { claimPendingRun, markPending, newRun } from "./run-state";
import type { RunKind, RunTrigger } from "./types";

export interface RunRequest {
  run: RunRow;
  /** false when the trigger joined a run that was already waiting */
  queued: boolean;
}

export async function requestRun(
  db: Db,
  queue: Queue<SyncRunJob>,
  sync: SyncRow,
  kind: RunKind,
  trigger: RunTrigger,
  requestedBy: RunRequester,
  delaySeconds = 0,
): Promise<RunRequest> {
  const waiting = await findOpenRun(db, sync.id, kind);
  if (waiting) return joinWaitingRun(db, queue, waiting, trigger, requestedBy, delaySeconds);
  const run = newRun(sync.id, kind, trigger, requestedBy);
  if (!(await markPending(db, sync, run))) {
    const joined = await findOpenRun(db, sync.id, kind);
    if (joined) return joinWaitingRun(db, queue, joined, trigger, requestedBy, delaySeconds);
  }
  await queue.send({ type: "sync-run", syncId: sync.id, runId: run.id }, delaySeconds ? { delaySeconds } : undefined);
  return { run, queued: true };
}

/**
 * A trigger that wants the run now (manual, webhook, cron) must not wait out a debounce delay the waiting run may
 * have: it sends the job again without delay, and the run is recorded as that trigger's and that requester's (what
 * a person asked for). The extra delivery is harmless: a finished run's job is a no-op, and one arriving mid-run
 * waits for the lease.
 */
async function joinWaitingRun(
  db: Db,
  queue: Queue<SyncRunJob>,
  run: RunRow,
  trigger: RunTrigger,
  requestedBy: RunRequester,
  delaySeconds: number,
): Promise<RunRequest> {
  if (delaySeconds) return { run, queued: false };
  const claimed = await claimPendingRun(db, run, trigger, requestedBy);
  await queue.send({ type: "sync-run", syncId: run.syncId, runId: run.id });
  return { run: claimed, queued: false };
}
