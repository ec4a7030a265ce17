/** The queue messages the engine sends: runs to carry out and events to announce. Ids only, never secret values. */
import type { SyncEventJob } from "./events";

export interface SyncRunJob {
  type: "sync-run";
  syncId: string;
  runId: string;
  /** set on a continuation: the fence of the lease the previous invocation hands over to this one */
  fence?: number;
}

export type EngineQueue = Queue<SyncRunJob | SyncEventJob>;
