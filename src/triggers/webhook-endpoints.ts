/**
 * Inbound webhook endpoints: who may send signed secret-change notices for a project. Each has a Standard Webhooks
 * signing secret (`whsec_…`), shown once; it is stored encrypted (HMACs need the key itself, so it cannot be hashed),
 * bound to its row and column by the associated data. A rotation keeps the replaced secret valid for a grace period;
 * rotating again during that period replaces the previous secret (at most two secrets are valid at any time).
 * Managing endpoints needs the project's `webhooks` permission; each change is recorded in the audit log.
 */
import { and, asc, count, eq } from "drizzle-orm";
import { assertCan, type Actor } from "../access/actor";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import type { ActingAs } from "../auth/context";
import { runBatch, type Db } from "../db/client";
import { webhookEndpointPreviousSecretAad, webhookEndpointSecretAad } from "../db/encrypted-columns";
import { webhookEndpoints } from "../db/schema";
import { decryptField, encryptField, type KeyRing } from "../lib/crypto";
import { conflict, notFound } from "../lib/errors";
import { MAX_ENDPOINTS_PER_PROJECT } from "../lib/limits";
import { addSeconds, nowIso } from "../lib/time";
import { generateWebhookSecret } from "../lib/webhook-signature";
import { getProjectRow } from "../store/projects";

export const RECEIVER_PATH = "/api/v1/webhooks/secret-changes";
/** the receiver finds the endpoint by this query parameter (the secret alone does not name it) */
export const ENDPOINT_QUERY_PARAM = "endpointId";

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;

const previousValid = (row: WebhookEndpointRow, now: string) =>
  row.previousSecretCiphertext !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;

export function publicEndpoint(row: WebhookEndpointRow, now = nowIso()) {
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    /** where the sender posts, relative to the API's origin */
    receiverPath: `${RECEIVER_PATH}?${ENDPOINT_QUERY_PARAM}=${encodeURIComponent(row.id)}`,
    rotatedAt: row.rotatedAt,
    /** until when the secret replaced by the last rotation is still accepted (null: none is) */
    previousSecretExpiresAt: previousValid(row, now) ? row.previousSecretExpiresAt : null,
    lastReceivedAt: row.lastReceivedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export type PublicWebhookEndpoint = ReturnType<typeof publicEndpoint>;

async function assertNameFree(db: Db, projectId: string, name: string) {
  const taken = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.name, name)))
    .get();
  if (taken) throw conflict(`A webhook endpoint named '${name}' already exists in this project`);
}

const endpointAudit = (action: string, row: WebhookEndpointRow, metadata: Record<string, unknown> = {}): AuditEntry => ({
  action,
  projectId: row.projectId,
  targetType: "webhook-endpoint",
  targetId: row.id,
  metadata: { name: row.name, ...metadata },
});

export async function createEndpoint({ db, actor, requestId }: ActingAs, ring: KeyRing, input: { projectId: string; name: string }) {
  assertCan(actor, input.projectId, "create", "webhooks");
  await getProjectRow(db, input.projectId);
  await assertNameFree(db, input.projectId, input.name);
  const [existing] = await db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.projectId, input.projectId));
  if ((existing?.n ?? 0) >= MAX_ENDPOINTS_PER_PROJECT) throw conflict(`A project can have at most ${MAX_ENDPOINTS_PER_PROJECT} webhook endpoints`);
  const id = crypto.randomUUID();
  const secret = generateWebhookSecret();
  const now = nowIso();
  const row: WebhookEndpointRow = {
    id,
    projectId: input.projectId,
    name: input.name,
    secretCiphertext: await encryptField(ring, secret, webhookEndpointSecretAad(id)),
    previousSecretCiphertext: null,
    previousSecretExpiresAt: null,
    rotatedAt: null,
    lastReceivedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  // the unique (project, name) index settles a concurrent duplicate
  const inserted = await db.insert(webhookEndpoints).values(row).onConflictDoNothing().run();
  if (!inserted.meta.changes) throw conflict(`A webhook endpoint named '${input.name}' already exists in this project`);
  await auditInsert(db, actor, requestId, endpointAudit("webhook-endpoint.create", row)).run();
  return { endpoint: publicEndpoint(row, now), secret };
}

export async function listEndpoints({ db, actor }: ActingAs, projectId: string) {
  assertCan(actor, projectId, "read", "webhooks");
  await getProjectRow(db, projectId);
  const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.projectId, projectId)).orderBy(asc(webhookEndpoints.createdAt)).all();
  const now = nowIso();
  return rows.map((row) => publicEndpoint(row, now));
}

export async function findEndpointRow(db: Db, endpointId: string): Promise<WebhookEndpointRow | undefined> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId)).get();
}

/** The endpoint, once the actor may `action` webhooks in its project. */
async function endpointFor(db: Db, actor: Actor, endpointId: string, action: "read" | "edit" | "delete"): Promise<WebhookEndpointRow> {
  const row = await findEndpointRow(db, endpointId);
  if (!row) throw notFound(`Webhook endpoint with ID '${endpointId}' not found`);
  assertCan(actor, row.projectId, action, "webhooks");
  return row;
}

export async function getEndpoint({ db, actor }: ActingAs, endpointId: string) {
  return publicEndpoint(await endpointFor(db, actor, endpointId, "read"));
}

/**
 * A new current secret; the replaced one stays valid for `graceSeconds` (0: revoked at once). The update is
 * conditional on the ciphertext read, so two concurrent rotations cannot both think they replaced the same secret.
 */
export async function rotateEndpointSecret({ db, actor, requestId }: ActingAs, ring: KeyRing, endpointId: string, graceSeconds: number) {
  const row = await endpointFor(db, actor, endpointId, "edit");
  const current = await decryptField(ring, row.secretCiphertext, webhookEndpointSecretAad(row.id));
  const secret = generateWebhookSecret();
  const now = nowIso();
  const patch = {
    secretCiphertext: await encryptField(ring, secret, webhookEndpointSecretAad(row.id)),
    previousSecretCiphertext: graceSeconds > 0 ? await encryptField(ring, current, webhookEndpointPreviousSecretAad(row.id)) : null,
    previousSecretExpiresAt: graceSeconds > 0 ? addSeconds(now, graceSeconds) : null,
    rotatedAt: now,
    updatedAt: now,
  };
  const updated = await db
    .update(webhookEndpoints)
    .set(patch)
    .where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.secretCiphertext, row.secretCiphertext)))
    .run();
  if (!updated.meta.changes) throw conflict("The webhook endpoint was rotated or deleted concurrently; try again");
  await auditInsert(db, actor, requestId, endpointAudit("webhook-endpoint.rotate", row, { gracePeriodSeconds: graceSeconds })).run();
  return { endpoint: publicEndpoint({ ...row, ...patch }, now), secret };
}

export async function deleteEndpoint({ db, actor, requestId }: ActingAs, endpointId: string) {
  const row = await endpointFor(db, actor, endpointId, "delete");
  await runBatch(db, [
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, row.id)),
    auditInsert(db, actor, requestId, endpointAudit("webhook-endpoint.delete", row)),
  ]);
  return publicEndpoint(row);
}

/** The secrets a received message may be signed with: the current one, then the previous one during its grace period. */
export async function candidateSecrets(ring: KeyRing, row: WebhookEndpointRow, now = nowIso()): Promise<string[]> {
  const secrets = [await decryptField(ring, row.secretCiphertext, webhookEndpointSecretAad(row.id))];
  if (previousValid(row, now)) secrets.push(await decryptField(ring, row.previousSecretCiphertext!, webhookEndpointPreviousSecretAad(row.id)));
  return secrets;
}
