/**
 * What the engine announces about syncs: a run that finished, drift that was found. The engine only emits events, as
 * queue messages; it does not know who listens (outbound notifications do, from the queue consumer). Events carry
 * ids, names, counts and the run message: never secret values.
 */
export const SYNC_EVENT_TYPES = ["sync.succeeded", "sync.failed", "sync.drift_detected", "sync.removed"] as const;
export type SyncEventType = (typeof SYNC_EVENT_TYPES)[number];

export interface SyncEvent {
  type: SyncEventType;
  projectId: string;
  syncId: string;
  syncName: string;
  runId?: string;
  counts?: Record<string, number>;
  message?: string | null;
  occurredAt: string;
}

/** An event's message is cut to this many characters, so the messages that carry it stay small. */
export const MAX_EVENT_MESSAGE_LENGTH = 2000;

export interface SyncEventJob {
  type: "sync-event";
  event: SyncEvent;
}

export async function emitSyncEvent(queue: Queue<SyncEventJob>, event: SyncEvent): Promise<void> {
  const message = event.message == null ? event.message : event.message.slice(0, MAX_EVENT_MESSAGE_LENGTH);
  await queue.send({ type: "sync-event", event: { ...event, message } });
}
