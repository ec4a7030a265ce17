/**
 * The queue consumer: each message is handled on its own (ack, or a follow-up message with a delay). An exception
 * retries the message; after `max_retries` it reaches the dead-letter queue, whose consumer marks the run failed.
 */
import { createDb } from "../db/client";
import { loadKeyRing } from "../lib/crypto";
import { createLogger } from "../lib/logger";
import { nowIso } from "../lib/time";
import { engineSettings } from "../syncs/engine-settings";
import { formatSyncMessage } from "../syncs/sync-message";
import { processSyncRun } from "../syncs/runner";
import * as repo from "../syncs/repository";
import type { QueueJob } from "./messages";

export const SYNC_QUEUE_NAME = "secret-sync-jobs";
export const DEAD_LETTER_QUEUE_NAME = "secret-sync-jobs-dlq";

export async function handleQueueBatch(batch: MessageBatch<QueueJob>, env: Env): Promise<void> {
  const log = createLogger({ queue: batch.queue }, env.LOG_LEVEL);
  const db = createDb(env.DB);
  if (batch.queue === DEAD_LETTER_QUEUE_NAME) {
    for (const message of batch.messages) {
      await markDeadLettered(db, message.body);
      log.error("sync_job_dead_lettered", { runId: message.body.runId, syncId: message.body.syncId });
      message.ack();
    }
    return;
  }
  const deps = { db, keyRing: () => loadKeyRing(env.ENCRYPTION_KEY), qoveryBaseUrl: env.QOVERY_API_URL, settings: engineSettings(env), log };
  for (const message of batch.messages) {
    try {
      const outcome = await processSyncRun(deps, message.body);
      if (outcome.kind === "requeue") await env.SYNC_QUEUE.send(message.body, outcome.delaySeconds ? { delaySeconds: outcome.delaySeconds } : undefined);
      message.ack();
    } catch (error) {
      log.error("sync_job_crashed", { runId: message.body.runId, name: (error as Error).name, message: (error as Error).message.slice(0, 300), attempts: message.attempts });
      message.retry({ delaySeconds: Math.min(2 ** message.attempts, 300) });
    }
  }
}

async function markDeadLettered(db: ReturnType<typeof createDb>, job: QueueJob) {
  const run = await repo.getRun(db, job.runId);
  if (!run || run.status === "succeeded" || run.status === "failed") return;
  const message = "The run could not be processed after repeated attempts (dead-lettered); trigger it again";
  const columns = repo.statusColumns(run.kind);
  await db.batch([
    db.update(repo.syncRunsTable).set({ status: "failed", message, finishedAt: nowIso() }).where(repo.runIdIs(run.id)),
    db
      .update(repo.secretSyncsTable)
      .set({ [columns.status]: "failed", [columns.message]: formatSyncMessage({ error: message }), leaseRunId: null, leaseExpiresAt: null })
      .where(repo.syncIdIs(run.syncId)),
  ]);
}
