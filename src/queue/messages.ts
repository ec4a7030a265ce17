/** Messages on the `secret-sync-jobs` queue. They carry ids only, never secret values. */
export interface SyncRunJob {
  type: "sync-run";
  syncId: string;
  runId: string;
}

export type QueueJob = SyncRunJob;

export type JobQueue = Queue<QueueJob>;
