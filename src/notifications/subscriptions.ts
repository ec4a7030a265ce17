/**
 * Webhook subscriptions: per-project URLs that receive sync events, each with its own Standard Webhooks signing
 * secret (returned once, stored encrypted). Managing subscriptions needs the project's `webhooks` permission;
 * changes are audited. The URL must pass the target policy when subscribed (and again before every delivery).
 */
import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import { assertCan, type Actor } from "../access/actor";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import type { ActingAs } from "../auth/context";
import type { WebhookSettings } from "../config";
import { runBatch, type Db } from "../db/client";
import { webhookSubscriptionSecretAad } from "../db/encrypted-columns";
import { webhookDeliveries, webhookSubscriptions } from "../db/schema";
import { encryptField, type KeyRing } from "../lib/crypto";
import { conflict, notFound, validationFailure } from "../lib/errors";
import { MAX_SUBSCRIPTIONS_PER_PROJECT } from "../lib/limits";
import { nowIso } from "../lib/time";
import { generateWebhookSecret } from "../lib/webhook-signature";
import { getProjectRow } from "../store/projects";
import { SYNC_EVENT_TYPES, type SyncEventType } from "../syncs/events";
import { notificationUrlProblem } from "./url-policy";

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
