/**
 * Outbound notifications: sync events delivered to the project's webhook subscriptions, signed the Standard Webhooks
 * way, through the queue, with retries.
 *
 * `publishSyncEvent` records one delivery per matching subscription and queues it; the delivery's id is the
 * message's `webhook-id`, reused by every retry, so receivers can deduplicate. Each attempt is signed with its own
 * `webhook-timestamp` (a retry an hour later is still fresh). Events carry ids, names, counts and the run message:
 * never secret values.
 */
import { and, eq, inArray, lt } from "drizzle-orm";
import type { WebhookSettings } from "../config";
import { chunk, rowsPerInsert } from "../db/chunks";
import { runBatch, type Db } from "../db/client";
import { webhookSubscriptionSecretAad } from "../db/encrypted-columns";
import { webhookDeliveries, webhookSubscriptions } from "../db/schema";
import { backoffDelay } from "../lib/backoff";
import { decryptField, type KeyRing } from "../lib/crypto";
import { DONE, sendAll, type JobOutcome } from "../lib/jobs";
import type { Logger } from "../lib/logger";
import { addSeconds, nowIso } from "../lib/time";
import { webhookHeaders } from "../lib/webhook-signature";
import type { SyncEvent } from "../syncs/events";
import type { WebhookDeliveryRow } from "./subscriptions";
import { notificationUrlProblem } from "./url-policy";

const MAX_RETRY_DELAY_SECONDS = 3600;
const DELIVERY_RETENTION_DAYS = 30;
/**
 * What the delivery log records of a request that got no answer. A fixed category, never the runtime's error text:
 * that text (resolver, connection and TLS details) would make the log an oracle for probing what the Worker reaches.
 */
export const NO_ANSWER_ERROR = "request failed before an answer (connection, DNS or TLS error)";

/** One sync event for one webhook subscription (ids, names, counts and the run message; never values). */
export interface NotificationJob {
  type: "notification";
  subscriptionId: string;
  /** the delivery row, whose id is the `webhook-id` reused by every retry */
  deliveryId: string;
  event: SyncEvent;
}

/**
 * Queues the event for every subscription of its project that listens to its type and existed when it occurred (the
 * event reaches here through the queue, a moment later). Returns how many deliveries were queued. Called by the
 * queue consumer for each event the engine emits; never throws for a project without subscriptions.
 */
export async function publishSyncEvent(deps: { db: Db; queue: Queue<NotificationJob> }, event: SyncEvent): Promise<number> {
  const subscriptions = await deps.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.projectId, event.projectId)).all();
  const listens = (s: (typeof subscriptions)[number]) => (JSON.parse(s.eventsJson) as string[]).includes(event.type);
  const listening = subscriptions.filter((s) => s.createdAt <= event.occurredAt && listens(s));
  if (!listening.length) return 0;
  const now = nowIso();
  const rows: WebhookDeliveryRow[] = listening.map((s) => ({
    id: `msg_${crypto.randomUUID().replace(/-/g, "")}`,
    subscriptionId: s.id,
    eventType: event.type,
    syncId: event.syncId,
    runId: event.runId ?? null,
    status: "pending",
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  }));
  // deliveries are kept for a while for GET …/deliveries, then forgotten (index on subscription, created_at); the
  // subscriptions are named by a subquery, not a list, so the statement binds two parameters however many there are
  const forgetBefore = addSeconds(now, -DELIVERY_RETENTION_DAYS * 86400);
  const projectSubscriptionIds = deps.db
    .select({ id: webhookSubscriptions.id })
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.projectId, event.projectId));
  await runBatch(deps.db, [
    ...chunk(rows, rowsPerInsert(webhookDeliveries)).map((part) => deps.db.insert(webhookDeliveries).values(part)),
    deps.db
      .delete(webhookDeliveries)
      .where(and(inArray(webhookDeliveries.subscriptionId, projectSubscriptionIds), lt(webhookDeliveries.createdAt, forgetBefore))),
  ]);
  const jobs: NotificationJob[] = rows.map((r) => ({ type: "notification", subscriptionId: r.subscriptionId, deliveryId: r.id, event }));
  await sendAll(deps.queue, jobs);
  return jobs.length;
}

/** The JSON body of an event, Standard Webhooks style: `{type, timestamp, data}`. Same bytes on every retry. */
export function notificationBody(event: SyncEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    data: {
      projectId: event.projectId,
      syncId: event.syncId,
      syncName: event.syncName,
      runId: event.runId ?? null,
      counts: event.counts ?? null,
      message: event.message ?? null,
    },
  });
}

export interface DeliveryDeps {
  db: Db;
  keyRing: () => Promise<KeyRing>;
  settings: WebhookSettings;
  log: Logger;
  fetch?: (request: Request) => Promise<Response>;
}

export const retryDelaySeconds = (settings: WebhookSettings, attempt: number) =>
  backoffDelay(attempt, { base: settings.retryBaseSeconds, cap: MAX_RETRY_DELAY_SECONDS });

/** A delivery whose job kept crashing: recorded as failed so it never stays pending. */
export async function recordDeadLetteredDelivery(db: Db, deliveryId: string): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: "failed", lastError: "the delivery job could not be processed (dead-lettered)", nextAttemptAt: null, updatedAt: nowIso() })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
}

/**
 * One delivery attempt: POST, record the outcome, and ask for a later retry while attempts remain. A URL the target
 * rules refuse (stored before them, or written around the API) is never requested: the delivery fails at once.
 */
export async function deliverNotification(deps: DeliveryDeps, job: NotificationJob): Promise<JobOutcome<NotificationJob>> {
  const { db, settings } = deps;
  const delivery = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, job.deliveryId)).get();
  if (!delivery || delivery.status !== "pending") return DONE;
  const subscription = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, job.subscriptionId)).get();
  if (!subscription) return DONE;

  const attempt = delivery.attempts + 1;
  const stillCurrent = and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.attempts, delivery.attempts));
  const refused = notificationUrlProblem(subscription.url, settings.allowHttpLocalhost);
  if (refused) {
    const lastError = `not sent: the subscription url ${refused}`;
    await db
      .update(webhookDeliveries)
      .set({ status: "failed", attempts: attempt, lastStatusCode: null, lastError, nextAttemptAt: null, updatedAt: nowIso() })
      .where(stillCurrent);
    deps.log.warn("webhook_target_refused", { deliveryId: delivery.id, subscriptionId: subscription.id, rule: refused });
    return DONE;
  }

  const secret = await decryptField(await deps.keyRing(), subscription.secretCiphertext, webhookSubscriptionSecretAad(subscription.id));
  const body = notificationBody(job.event);
  const headers = await webhookHeaders(secret, delivery.id, body);
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const request = new Request(subscription.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "qovery-secret-sync-webhooks/1" },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(settings.deliveryTimeoutMs),
    });
    const response = await (deps.fetch ?? fetch)(request);
    statusCode = response.status;
    await response.body?.cancel().catch(() => undefined);
    if (statusCode < 200 || statusCode > 299) error = `receiver answered ${statusCode}`;
  } catch (err) {
    const name = (err as Error).name;
    error = name === "TimeoutError" || name === "AbortError" ? `no answer within ${settings.deliveryTimeoutMs} ms` : NO_ANSWER_ERROR;
  }

  const now = nowIso();
  if (!error) {
    await db.update(webhookDeliveries).set({ status: "succeeded", attempts: attempt, lastStatusCode: statusCode, lastError: null, nextAttemptAt: null, updatedAt: now }).where(stillCurrent);
    return DONE;
  }
  const log = { deliveryId: delivery.id, subscriptionId: subscription.id, event: job.event.type, attempt, statusCode };
  if (attempt >= settings.maxAttempts) {
    await db.update(webhookDeliveries).set({ status: "failed", attempts: attempt, lastStatusCode: statusCode, lastError: error, nextAttemptAt: null, updatedAt: now }).where(stillCurrent);
    deps.log.warn("webhook_delivery_failed", log);
    return DONE;
  }
  const delaySeconds = retryDelaySeconds(settings, attempt);
  const recorded = await db
    .update(webhookDeliveries)
    .set({ attempts: attempt, lastStatusCode: statusCode, lastError: error, nextAttemptAt: addSeconds(now, delaySeconds), updatedAt: now })
    .where(stillCurrent)
    .run();
  // a duplicate queue delivery of the same job already recorded this attempt and scheduled the retry
  if (!recorded.meta.changes) return DONE;
  deps.log.info("webhook_delivery_retry", { ...log, delaySeconds });
  return { kind: "requeue", delaySeconds };
}
