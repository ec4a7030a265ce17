/**
 * Outbound notifications: per-project webhook subscriptions receive sync events (`sync.succeeded`, `sync.failed`,
 * `sync.drift_detected`, `sync.removed`) signed the Standard Webhooks way, through the queue, with retries.
 *
 * `publishSyncEvent` records one delivery per matching subscription and queues it; the delivery's id is the
 * message's `webhook-id`, reused by every retry, so receivers can deduplicate. Each attempt is signed with its own
 * `webhook-timestamp` (a retry an hour later is still fresh). Events carry ids, names, counts and the run message:
 * never secret values. Managing subscriptions needs the project's `webhooks` permission; changes are audited.
 */
import { and, desc, eq, inArray, lt } from "drizzle-orm";
import { z } from "zod";
import { assertCan, type Actor } from "../access/actor";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import type { ActingAs } from "../auth/context";
import { chunk, rowsPerInsert } from "../db/chunks";
import { runBatch, type Db } from "../db/client";
import { webhookSubscriptionSecretAad } from "../db/encrypted-columns";
import { webhookDeliveries, webhookSubscriptions } from "../db/schema";
import { backoffDelay } from "../lib/backoff";
import { decryptField, encryptField, type KeyRing } from "../lib/crypto";
import { conflict, notFound, validationFailure } from "../lib/errors";
import { MAX_SUBSCRIPTIONS_PER_PROJECT } from "../lib/limits";
import type { Logger } from "../lib/logger";
import { addSeconds, nowIso } from "../lib/time";
import type { JobOutcome, JobQueue, NotificationJob } from "../queue/messages";
import { getProjectRow } from "../store/projects";
import { notificationUrlProblem } from "./notification-targets";
import type { WebhookSettings } from "./webhook-settings";
import { generateWebhookSecret, webhookHeaders } from "./webhook-signature";

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

const MAX_MESSAGE_LENGTH = 2000;
const MAX_RETRY_DELAY_SECONDS = 3600;
const DELIVERY_RETENTION_DAYS = 30;
/**
 * What the delivery log records of a request that got no answer. A fixed category, never the runtime's error text:
 * that text (resolver, connection and TLS details) would make the log an oracle for probing what the Worker reaches.
 */
export const NO_ANSWER_ERROR = "request failed before an answer (connection, DNS or TLS error)";

export const eventsSchema = z
  .array(z.enum(SYNC_EVENT_TYPES, { error: `event must be one of: ${SYNC_EVENT_TYPES.join(", ")}` }), { error: "events is required" })
  .min(1, "at least one event is required")
  .max(SYNC_EVENT_TYPES.length, `events can list at most ${SYNC_EVENT_TYPES.length} events`)
  .transform((events) => [...new Set(events)].sort() as SyncEventType[]);

export type WebhookSubscriptionRow = typeof webhookSubscriptions.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

export function publicSubscription(row: WebhookSubscriptionRow) {
  return { id: row.id, projectId: row.projectId, url: row.url, events: JSON.parse(row.eventsJson) as SyncEventType[], createdAt: row.createdAt, updatedAt: row.updatedAt };
}

export function publicDelivery(row: WebhookDeliveryRow) {
  const { subscriptionId, ...rest } = row;
  return { ...rest, webhookId: row.id, subscriptionId };
}

const subscriptionAudit = (action: string, row: WebhookSubscriptionRow, metadata: Record<string, unknown> = {}): AuditEntry => ({
  action,
  projectId: row.projectId,
  targetType: "webhook-subscription",
  targetId: row.id,
  metadata: { host: new URL(row.url).host, ...metadata },
});

export async function createSubscription(
  { db, actor, requestId }: ActingAs,
  ring: KeyRing,
  settings: WebhookSettings,
  input: { projectId: string; url: string; events: SyncEventType[] },
) {
  assertCan(actor, input.projectId, "create", "webhooks");
  const problem = notificationUrlProblem(input.url, settings.allowHttpLocalhost);
  if (problem) throw validationFailure([{ code: "custom", path: ["url"], message: problem }]);
  await getProjectRow(db, input.projectId);
  const existing = await db.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(eq(webhookSubscriptions.projectId, input.projectId)).all();
  if (existing.length >= MAX_SUBSCRIPTIONS_PER_PROJECT) throw conflict(`A project can have at most ${MAX_SUBSCRIPTIONS_PER_PROJECT} webhook subscriptions`);
  const id = crypto.randomUUID();
  const secret = generateWebhookSecret();
  const now = nowIso();
  const row: WebhookSubscriptionRow = {
    id,
    projectId: input.projectId,
    url: new URL(input.url).toString(),
    eventsJson: JSON.stringify(input.events),
    secretCiphertext: await encryptField(ring, secret, webhookSubscriptionSecretAad(id)),
    createdAt: now,
    updatedAt: now,
  };
  await runBatch(db, [
    db.insert(webhookSubscriptions).values(row),
    auditInsert(db, actor, requestId, subscriptionAudit("webhook-subscription.create", row, { events: input.events })),
  ]);
  return { subscription: publicSubscription(row), secret };
}

export async function listSubscriptions({ db, actor }: ActingAs, projectId: string) {
  assertCan(actor, projectId, "read", "webhooks");
  await getProjectRow(db, projectId);
  const rows = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.projectId, projectId)).orderBy(webhookSubscriptions.createdAt).all();
  return rows.map(publicSubscription);
}

/** The subscription, once the actor may `action` webhooks in its project. */
async function subscriptionFor(db: Db, actor: Actor, subscriptionId: string, action: "read" | "delete") {
  const row = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, subscriptionId)).get();
  if (!row) throw notFound(`Webhook subscription with ID '${subscriptionId}' not found`);
  assertCan(actor, row.projectId, action, "webhooks");
  return row;
}

export async function deleteSubscription({ db, actor, requestId }: ActingAs, subscriptionId: string) {
  const row = await subscriptionFor(db, actor, subscriptionId, "delete");
  // pending deliveries go with it (cascade); their queued jobs find nothing and stop
  await runBatch(db, [
    db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, row.id)),
    auditInsert(db, actor, requestId, subscriptionAudit("webhook-subscription.delete", row)),
  ]);
  return publicSubscription(row);
}

export async function listDeliveries({ db, actor }: ActingAs, subscriptionId: string, limit = 50) {
  const subscription = await subscriptionFor(db, actor, subscriptionId, "read");
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.subscriptionId, subscription.id))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit)
    .all();
  return rows.map(publicDelivery);
}

/**
 * Queues the event for every subscription of its project that listens to its type. Returns how many deliveries
 * were queued. Called by the sync runner and the drift check; never throws for a project without subscriptions.
 */
export async function publishSyncEvent(deps: { db: Db; queue: JobQueue }, event: SyncEvent): Promise<number> {
  const subscriptions = await deps.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.projectId, event.projectId)).all();
  const listening = subscriptions.filter((s) => (JSON.parse(s.eventsJson) as string[]).includes(event.type));
  if (!listening.length) return 0;
  const trimmed: SyncEvent = { ...event, message: event.message == null ? event.message : event.message.slice(0, MAX_MESSAGE_LENGTH) };
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
  const jobs: NotificationJob[] = rows.map((r) => ({ type: "notification", subscriptionId: r.subscriptionId, deliveryId: r.id, event: trimmed }));
  for (let i = 0; i < jobs.length; i += 100) await deps.queue.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body })));
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
export async function deliverNotification(deps: DeliveryDeps, job: NotificationJob): Promise<JobOutcome> {
  const { db, settings } = deps;
  const delivery = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, job.deliveryId)).get();
  if (!delivery || delivery.status !== "pending") return { kind: "done" };
  const subscription = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, job.subscriptionId)).get();
  if (!subscription) return { kind: "done" };

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
    return { kind: "done" };
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
    return { kind: "done" };
  }
  const log = { deliveryId: delivery.id, subscriptionId: subscription.id, event: job.event.type, attempt, statusCode };
  if (attempt >= settings.maxAttempts) {
    await db.update(webhookDeliveries).set({ status: "failed", attempts: attempt, lastStatusCode: statusCode, lastError: error, nextAttemptAt: null, updatedAt: now }).where(stillCurrent);
    deps.log.warn("webhook_delivery_failed", log);
    return { kind: "done" };
  }
  const delaySeconds = retryDelaySeconds(settings, attempt);
  const recorded = await db
    .update(webhookDeliveries)
    .set({ attempts: attempt, lastStatusCode: statusCode, lastError: error, nextAttemptAt: addSeconds(now, delaySeconds), updatedAt: now })
    .where(stillCurrent)
    .run();
  // a duplicate queue delivery of the same job already recorded this attempt and scheduled the retry
  if (!recorded.meta.changes) return { kind: "done" };
  deps.log.info("webhook_delivery_retry", { ...log, delaySeconds });
  return { kind: "requeue", delaySeconds };
}
