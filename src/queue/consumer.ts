/**
 * The queue consumer: each message is handled on its own (ack, or the same job again after a delay). An exception
 * retries the message; after `max_retries` it reaches the dead-letter queue, whose consumer records the failure.
 * It dispatches every kind of job to its module: runs to the engine, drift checks to the cron's reconciliation, the
 * engine's events and their deliveries to notifications.
 */
import { ConfigurationError, logLevelOf, readConfig, type Config } from "../config";
import { createDb, type Db } from "../db/client";
import { backoffDelay } from "../lib/backoff";
import { loadKeyRing } from "../lib/crypto";
import { DONE, type JobOutcome } from "../lib/jobs";
import { createLogger, type Logger } from "../lib/logger";
import { checkDrift } from "../triggers/reconcile";
import { getRun } from "../syncs/repository";
import { deadLetter } from "../syncs/run-state";
import { processSyncRun } from "../syncs/runner";
import { deliverNotification, publishSyncEvent, recordDeadLetteredDelivery } from "../notifications/delivery";
import type { JobQueue, QueueJob } from "./messages";

export const DEAD_LETTER_QUEUE_NAME = "secret-sync-jobs-dlq";

/** A job that crashed is tried again after 2, 4, 8 … seconds (`attempts` starts at 1), at most five minutes. */
export const crashRetryDelaySeconds = (attempts: number) => backoffDelay(attempts + 1, { base: 1, cap: 300 });

async function handleJob(job: QueueJob, env: Env, config: Config, log: Logger): Promise<JobOutcome<QueueJob>> {
  const db = createDb(env.DB);
  const queue = env.SYNC_QUEUE as JobQueue;
  const keyRing = () => loadKeyRing(config.encryptionKey);
  switch (job.type) {
    case "sync-run":
      return processSyncRun({ db, queue, keyRing, qoveryBaseUrl: config.qoveryApiUrl, settings: config.engine, log }, job);
    case "drift-check":
      await checkDrift({ db, queue, keyRing, qoveryBaseUrl: config.qoveryApiUrl, settings: config.engine, log }, job.syncId);
      return DONE;
    case "sync-event":
      await publishSyncEvent({ db, queue }, job.event);
      return DONE;
    case "notification":
      return deliverNotification({ db, keyRing, settings: config.webhooks, log }, job);
  }
}

export async function handleQueueBatch(batch: MessageBatch<QueueJob>, env: Env): Promise<void> {
  const config = readConfig(env);
  if (config instanceof ConfigurationError) {
    // Nothing runs on a bad configuration; the messages come back later, as after a crash, in case it is fixed by then.
    createLogger({ queue: batch.queue }, logLevelOf(env)).error("configuration_invalid", { message: config.message });
    for (const message of batch.messages) message.retry({ delaySeconds: crashRetryDelaySeconds(message.attempts) });
    return;
  }
  const log = createLogger({ queue: batch.queue }, config.logLevel);
  for (const message of batch.messages) {
    const job = message.body;
    if (batch.queue === DEAD_LETTER_QUEUE_NAME) {
      await recordDeadLetter(createDb(env.DB), job, log);
      message.ack();
      continue;
    }
    try {
      const outcome = await handleJob(job, env, config, log);
      if (outcome.kind === "requeue") await env.SYNC_QUEUE.send(outcome.job ?? job, outcome.delaySeconds ? { delaySeconds: outcome.delaySeconds } : undefined);
      message.ack();
    } catch (error) {
      log.error("queue_job_crashed", { type: job.type, name: (error as Error).name, message: (error as Error).message.slice(0, 300), attempts: message.attempts });
      message.retry({ delaySeconds: crashRetryDelaySeconds(message.attempts) });
    }
  }
}

/** A job that kept crashing: a sync run or a delivery is marked failed so its status never stays open forever. */
async function recordDeadLetter(db: Db, job: QueueJob, log: Logger) {
  log.error("queue_job_dead_lettered", { type: job.type });
  if (job.type === "notification") return recordDeadLetteredDelivery(db, job.deliveryId);
  if (job.type !== "sync-run") return;
  const run = await getRun(db, job.runId);
  if (run) await deadLetter(db, run);
}
