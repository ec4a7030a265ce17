/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing and verification, pure and shared by the inbound
 * receiver (triggers) and outbound notifications.
 *
 * - headers `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
 *   `v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">`;
 * - a secret is `whsec_<base64 key>`: the HMAC key is the base64-decoded part after the prefix;
 * - verification accepts any of several candidate secrets (rotation grace), any of the listed v1 signatures, and a
 *   timestamp within the tolerance in both directions; comparisons are constant-time.
 *
 * Failures carry a reason for logs and tests only; the HTTP layer answers every one of them with the same 401.
 */
import { fromBase64, toBase64 } from "./encoding";
import { hmacSha256, timingSafeEqualBytes } from "./crypto";

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** five minutes, both ways (stale and future) */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export const WEBHOOK_ID_HEADER = "webhook-id";
export const WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp";
export const WEBHOOK_SIGNATURE_HEADER = "webhook-signature";

const SECRET_BYTES = 32;
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 64;
/** printable ASCII without spaces, as message ids are in practice (`msg_…`, UUIDs) */
const MESSAGE_ID = /^[\x21-\x7e]{1,256}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const SIGNATURE_ENTRY = /^(v[0-9a-z]+),([A-Za-z0-9+/=_-]+)$/;
const MAX_SIGNATURES = 16;
const MAX_SIGNATURE_HEADER = 4096;

export class WebhookSecretError extends Error {
  override name = "WebhookSecretError";
}

/** A fresh `whsec_<base64 of 32 random bytes>` secret. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

/** The HMAC key of a `whsec_…` secret; throws WebhookSecretError on anything else. */
export function webhookSecretKey(secret: string): Uint8Array {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new WebhookSecretError(`a webhook secret starts with "${WEBHOOK_SECRET_PREFIX}"`);
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  let key: Uint8Array;
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error("not base64");
    key = fromBase64(encoded);
  } catch {
    throw new WebhookSecretError("a webhook secret is base64 after its prefix");
  }
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) throw new WebhookSecretError(`a webhook secret key is ${MIN_KEY_BYTES}-${MAX_KEY_BYTES} bytes`);
  return key;
}

const signedContent = (id: string, timestamp: string | number, body: string) => `${id}.${timestamp}.${body}`;

/** The `v1,<base64>` signature of one message under one secret. */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  return `v1,${toBase64(await hmacSha256(webhookSecretKey(secret), signedContent(id, timestamp, body)))}`;
}

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The three headers of a message signed now (or at `nowSeconds`), with one signature per secret given. */
export async function webhookHeaders(secrets: string | readonly string[], id: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<WebhookHeaders> {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  const signatures = await Promise.all(list.map((secret) => signWebhook(secret, id, nowSeconds, body)));
  return { "webhook-id": id, "webhook-timestamp": String(nowSeconds), "webhook-signature": signatures.join(" ") };
}

export type WebhookFailure = "malformed" | "stale" | "future" | "mismatch";

export type WebhookVerification =
  | { ok: true; id: string; timestamp: number; /** index of the candidate secret that matched */ secretIndex: number }
  | { ok: false; reason: WebhookFailure };

export interface VerifyInput {
  id: string | null | undefined;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  body: string;
  /** candidates, e.g. the current secret then the previous one during its grace period */
  secrets: readonly string[];
  nowSeconds?: number;
  toleranceSeconds?: number;
}

interface ParsedHeaders {
  id: string;
  timestamp: number;
  /** decoded v1 signatures (other versions are ignored, as the spec allows) */
  v1: Uint8Array[];
}

/** Header syntax only: null when anything is malformed. */
export function parseWebhookHeaders(id: string | null | undefined, timestamp: string | null | undefined, signature: string | null | undefined): ParsedHeaders | null {
  if (!id || !timestamp || !signature) return null;
  if (!MESSAGE_ID.test(id) || !TIMESTAMP.test(timestamp) || signature.length > MAX_SIGNATURE_HEADER) return null;
  const entries = signature.trim().split(/ +/);
  if (!entries.length || entries.length > MAX_SIGNATURES) return null;
  const v1: Uint8Array[] = [];
  for (const entry of entries) {
    const match = SIGNATURE_ENTRY.exec(entry);
    if (!match) return null;
    if (match[1] !== "v1") continue;
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(match[2]!);
    } catch {
      return null;
    }
    if (bytes.length !== 32) return null;
    v1.push(bytes);
  }
  if (!v1.length) return null;
  return { id, timestamp: Number(timestamp), v1 };
}

/**
 * Verifies a received message. Every candidate secret is compared with every v1 signature (constant-time, no early
 * exit), so timing tells nothing about which signature or secret came close.
 */
export async function verifyWebhook(input: VerifyInput): Promise<WebhookVerification> {
  const parsed = parseWebhookHeaders(input.id, input.timestamp, input.signature);
  if (!parsed) return { ok: false, reason: "malformed" };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (parsed.timestamp < now - tolerance) return { ok: false, reason: "stale" };
  if (parsed.timestamp > now + tolerance) return { ok: false, reason: "future" };
  const content = signedContent(parsed.id, input.timestamp!, input.body);
  let matched = -1;
  for (let i = 0; i < input.secrets.length; i++) {
    let key: Uint8Array;
    try {
      key = webhookSecretKey(input.secrets[i]!);
    } catch {
      continue;
    }
    const expected = await hmacSha256(key, content);
    let hit = false;
    for (const candidate of parsed.v1) hit = timingSafeEqualBytes(expected, candidate) || hit;
    if (hit && matched < 0) matched = i;
  }
  if (matched < 0) return { ok: false, reason: "mismatch" };
  return { ok: true, id: parsed.id, timestamp: parsed.timestamp, secretIndex: matched };
}
