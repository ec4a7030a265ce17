/** The queue messages the triggers send: the engine's (runs, drift events) and the cron's drift checks. */
import type { SyncEventJob } from "../syncs/events";
import type { SyncRunJob } from "../syncs/jobs";

/** Cron asked for one sync's drift check. */
export interface DriftCheckJob {
  type: "drift-check";
  syncId: string;
}

export type TriggerQueue = Queue<SyncRunJob | SyncEventJob | DriftCheckJob>;
