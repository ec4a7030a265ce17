/** Messages on the `secret-sync-jobs` queue. They carry ids only, never secret values. */
import type { SyncEvent } from "../triggers/notifications";

export interface SyncRunJob {
  type: "sync-run";
  syncId: string;
  runId: string;
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

/** What handling a job decided: done, or the same job again after a delay (busy, continuation, transient failure). */
export type JobOutcome = { kind: "done" } | { kind: "requeue"; delaySeconds: number };
