/**
 * Messages on the `secret-sync-jobs` queue, each kind defined by the module that sends it. They carry ids only,
 * never secret values.
 */
import type { NotificationJob } from "../notifications/delivery";
import type { SyncEventJob } from "../syncs/events";
import type { SyncRunJob } from "../syncs/jobs";
import type { DriftCheckJob } from "../triggers/jobs";

export type QueueJob = SyncRunJob | SyncEventJob | DriftCheckJob | NotificationJob;

export type JobQueue = Queue<QueueJob>;
