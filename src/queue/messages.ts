/** Messages on the `secret-sync-jobs` queue. They carry ids only, never secret values. */
import type { SyncEvent } from "../triggers/notifications";

export interface SyncRunJob {
  type: "sync-run";
  syncId: string;
  runId: string;
  /** set on a continuation: the fence of the lease the previous invocation hands over to this one */
  fence?: number;
}

/** Cron asked for one sync's drift check. */
export interface DriftCheckJob {
  type: "drift-check";
  syncId: string;
}

/** One sync event for one webhook subscription (ids, names, counts and the run message; never values). */
export interface NotificationJob {
  type: "notification";
  subscriptionId: string;
  /** the delivery row, whose id is the `webhook-id` reused by every retry */
  deliveryId: string;
  event: SyncEvent;
}

export type QueueJob = SyncRunJob | DriftCheckJob | NotificationJob;

export type JobQueue = Queue<QueueJob>;

/**
 * What handling a job decided: done, or the job again after a delay (busy, continuation, transient failure) —
 * `job` when it changed (e.g. a continuation carrying its lease's fence).
 */
export type JobOutcome = { kind: "done" } | { kind: "requeue"; delaySeconds: number; job?: QueueJob };
