/** Plumbing shared by every kind of queued job: what handling one decided, and sending many at once. */

/**
 * What handling a job decided: done, or the job again after a delay (busy, continuation, transient failure) —
 * `job` when it changed (e.g. a continuation carrying its lease's fence).
 */
export type JobOutcome<Job> = { kind: "done" } | { kind: "requeue"; delaySeconds: number; job?: Job };

export const DONE = { kind: "done" } as const satisfies JobOutcome<never>;

/** The most messages one `sendBatch` takes. */
export const MAX_MESSAGES_PER_SEND = 100;

/** Sends every job, in as few batches as the queue accepts. */
export async function sendAll<Job>(queue: Queue<Job>, jobs: readonly Job[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += MAX_MESSAGES_PER_SEND) {
    await queue.sendBatch(jobs.slice(i, i + MAX_MESSAGES_PER_SEND).map((body) => ({ body })));
  }
}
