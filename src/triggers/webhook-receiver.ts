/**
 * The inbound webhook receiver: a system outside the API (CI, a script, another secret manager) says "secrets under
 * <environment>:<path> of <project> changed", and the affected syncs run exactly as after an internal change.
 *
 * Order matters: the body is read once as text (bounded), the signature is verified against the endpoint named by
 * the `endpointId` query parameter BEFORE anything is parsed, and only then is the JSON validated. Every
 * authentication failure (no/unknown endpoint, missing or malformed headers, stale or future timestamp, wrong
 * secret, tampered body) is the same 401, so a caller learns nothing about which part was wrong.
 */
import { and, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { auditInsert } from "../audit/audit-log";
import { webhookEndpointActor } from "../access/actor";
import { webhookEndpoints, webhookReceipts } from "../db/schema";
import { ApiError, badRequest, forbidden, unauthorized, validationFailure } from "../lib/errors";
import { MAX_WEBHOOK_SYNC_IDS, RECEIVER_MAX_BODY_BYTES } from "../lib/limits";
import type { Logger } from "../lib/logger";
import { nowIso } from "../lib/time";
import { generateWebhookSecret, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from "../lib/webhook-signature";
import { environmentField, requiredPathField } from "../store/path-fields";
import { findEnvironmentBySlug } from "../store/projects";
import { locationKey } from "../store/secret-reader";
import { triggerSyncsForChanges, type TriggerDeps } from "./auto-sync";
import { candidateSecrets, findEndpointRow } from "./webhook-endpoints";

export const INVALID_SIGNATURE_MESSAGE = "Invalid or missing webhook signature";

const ENDPOINT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** Stands in for an unknown endpoint's secret, so that case costs the same HMAC work as a wrong signature. */
let decoySecret: string | undefined;

const payloadSchema = z.object({
  projectId: z.string({ error: "projectId is required" }).trim().min(1, "projectId is required"),
  environment: environmentField,
  secretPath: requiredPathField("secretPath"),
  syncIds: z
    .array(z.string().trim().min(1, "syncIds must not contain empty ids"))
    .min(1, "syncIds, when given, lists at least one sync")
    .max(MAX_WEBHOOK_SYNC_IDS, `syncIds lists at most ${MAX_WEBHOOK_SYNC_IDS} syncs`)
    .optional(),
});

export type SecretChangeNotice = z.output<typeof payloadSchema>;

/** Reads a request body once, as text, refusing more than `limit` bytes (whether or not Content-Length is honest). */
export async function readBodyLimited(request: Request, limit = RECEIVER_MAX_BODY_BYTES): Promise<string> {
  const tooLarge = () => new ApiError(413, "PayloadTooLarge", `Webhook body exceeds the ${limit / 1024} KiB limit`);
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // not UTF-8: cannot match a signature computed over text; answered like any other bad signature
    throw unauthorized(INVALID_SIGNATURE_MESSAGE);
  }
}

export interface ReceivedWebhook {
  endpointId: string | undefined;
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  requestId: string | null;
}

export interface ReceiveResult {
  status: 200 | 202;
  body: { runs: { syncId: string; runId: string; queued: boolean }[]; replayed?: true };
}

export async function receiveSecretChange(deps: TriggerDeps & { log: Logger }, input: ReceivedWebhook): Promise<ReceiveResult> {
  const { db } = deps;
  const endpoint = input.endpointId && ENDPOINT_ID.test(input.endpointId) ? await findEndpointRow(db, input.endpointId) : undefined;
  const secrets = endpoint ? await candidateSecrets(await deps.keyRing(), endpoint) : [(decoySecret ??= generateWebhookSecret())];
  const verdict = await verifyWebhook({ id: input.id, timestamp: input.timestamp, signature: input.signature, body: input.body, secrets });
  if (!endpoint || !verdict.ok) {
    // the reason goes to the logs only
    deps.log.warn("webhook_rejected", { endpointKnown: !!endpoint, reason: verdict.ok ? "unknown-endpoint" : verdict.reason });
    throw unauthorized(INVALID_SIGNATURE_MESSAGE);
  }

  let json: unknown;
  try {
    json = JSON.parse(input.body);
  } catch {
    throw badRequest("Malformed JSON in request body");
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) throw validationFailure(parsed.error.issues);
  const notice = parsed.data;
  if (notice.projectId !== endpoint.projectId) throw forbidden("This webhook endpoint belongs to another project");
  await findEnvironmentBySlug(db, endpoint.projectId, notice.environment);

  // Replay protection: the (endpoint, webhook-id) receipt is the gate. Receipts whose timestamp fell out of the
  // tolerance are purged: such a message would be refused as stale anyway.
  const now = nowIso();
  const nowSeconds = Math.floor(Date.parse(now) / 1000);
  const [receipt] = await db.batch([
    db.insert(webhookReceipts).values({ endpointId: endpoint.id, messageId: verdict.id, timestamp: verdict.timestamp, receivedAt: now }).onConflictDoNothing(),
    db.delete(webhookReceipts).where(lt(webhookReceipts.timestamp, nowSeconds - WEBHOOK_TOLERANCE_SECONDS)),
    db.update(webhookEndpoints).set({ lastReceivedAt: now }).where(eq(webhookEndpoints.id, endpoint.id)),
  ]);
  if (!receipt.meta.changes) {
    deps.log.info("webhook_replayed", { endpointId: endpoint.id });
    return { status: 200, body: { runs: [], replayed: true } };
  }

  const actor = webhookEndpointActor({ id: endpoint.id, name: endpoint.name, projectId: endpoint.projectId });
  let requests;
  try {
    requests = await triggerSyncsForChanges(deps, endpoint.projectId, [locationKey(notice.environment, notice.secretPath)], {
      trigger: "webhook",
      requestedBy: actor,
      ...(notice.syncIds ? { syncIds: notice.syncIds } : {}),
    });
  } catch (err) {
    // nothing was accepted: let the sender's retry (same webhook-id) through
    await db.delete(webhookReceipts).where(and(eq(webhookReceipts.endpointId, endpoint.id), eq(webhookReceipts.messageId, verdict.id)));
    throw err;
  }
  const runs = requests.map(({ run, queued }) => ({ syncId: run.syncId, runId: run.id, queued }));

  await auditInsert(db, actor, input.requestId, {
    action: "webhook.secret-change.receive",
    projectId: endpoint.projectId,
    targetType: "webhook-endpoint",
    targetId: endpoint.id,
    metadata: { webhookId: verdict.id, environment: notice.environment, secretPath: notice.secretPath, syncIds: notice.syncIds ?? null, runIds: runs.map((r) => r.runId) },
  }).run();
  return { status: 202, body: { runs } };
}
