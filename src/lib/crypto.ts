/**
 * The one module that touches key material.
 *
 * Encryption at rest: AES-256-GCM (WebCrypto), a fresh 96-bit IV per write, and associated data that binds a
 * ciphertext to its row and column, so a ciphertext copied into another row fails to decrypt.
 * Stored form: `v1.<keyId>.<iv b64url>.<ciphertext+tag b64url>`.
 *
 * `ENCRYPTION_KEY` is either one base64 32-byte key (key id `default`) or a key ring
 * `id1:base64,id2:base64,...` whose first entry is the primary (used for new writes); the others stay readable,
 * so keys can be rotated and data re-encrypted in the background.
 */
import { fromBase64, fromUtf8, toBase64Url, toHex, utf8 } from "./encoding";

export class EncryptionConfigError extends Error {
  override name = "EncryptionConfigError";
}

export class DecryptionError extends Error {
  override name = "DecryptionError";
}

export interface KeyRing {
  primaryId: string;
  keys: ReadonlyMap<string, CryptoKey>;
  /** HMAC keys derived (HKDF) from each encryption key, for fingerprints of values that must not be stored */
  fingerprintKeys: ReadonlyMap<string, CryptoKey>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const ringCache = new Map<string, Promise<KeyRing>>();

export function loadKeyRing(raw: string | undefined): Promise<KeyRing> {
  const spec = raw?.trim();
  if (!spec) return Promise.reject(new EncryptionConfigError("ENCRYPTION_KEY is not set: refusing to store or read secrets without a key"));
  let ring = ringCache.get(spec);
  if (!ring) {
    ring = importRing(spec);
    ring.catch(() => ringCache.delete(spec));
    ringCache.set(spec, ring);
  }
  return ring;
}

async function importRing(spec: string): Promise<KeyRing> {
  const entries = spec.includes(":")
    ? spec.split(",").map((part) => {
        const [id, material, ...rest] = part.trim().split(":");
        if (!id || !material || rest.length) throw new EncryptionConfigError("ENCRYPTION_KEY key ring entries must look like <id>:<base64 key>");
        return { id, material };
      })
    : [{ id: "default", material: spec }];
  const keys = new Map<string, CryptoKey>();
  const fingerprintKeys = new Map<string, CryptoKey>();
  for (const { id, material } of entries) {
    if (!KEY_ID.test(id)) throw new EncryptionConfigError(`ENCRYPTION_KEY key id "${id}" must be 1-32 characters of [A-Za-z0-9_-]`);
    if (keys.has(id)) throw new EncryptionConfigError(`ENCRYPTION_KEY key id "${id}" appears twice`);
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(material);
    } catch {
      throw new EncryptionConfigError(`ENCRYPTION_KEY key "${id}" is not valid base64`);
    }
    if (bytes.length !== 32) throw new EncryptionConfigError(`ENCRYPTION_KEY key "${id}" must decode to 32 bytes (got ${bytes.length})`);
    keys.set(id, await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]));
    fingerprintKeys.set(id, await deriveFingerprintKey(bytes));
  }
  return { primaryId: entries[0]!.id, keys, fingerprintKeys };
}

async function deriveFingerprintKey(material: Uint8Array): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", material, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8("qovery-sync/value-fingerprint/v1") },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}

/**
 * A keyed fingerprint `<keyId>:<hex>` of a value, so the sync ledger can tell "unchanged" without storing the value
 * (an unkeyed hash of a short secret could be brute-forced from a database dump). Pass the key id of an existing
 * fingerprint to compare with it, so a key rotation does not make every value look changed.
 */
export async function fingerprint(ring: KeyRing, data: string, keyId = ring.primaryId): Promise<string> {
  const key = ring.fingerprintKeys.get(keyId);
  if (!key) throw new DecryptionError(`fingerprint key "${keyId}" is not in ENCRYPTION_KEY`);
  return `${keyId}:${toHex(await crypto.subtle.sign("HMAC", key, utf8(data)))}`;
}

/** How every ciphertext written with key `keyId` begins. */
export const ciphertextPrefix = (keyId: string) => `v1.${keyId}.`;

export async function encryptField(ring: KeyRing, plaintext: string, associatedData: string): Promise<string> {
  const key = ring.keys.get(ring.primaryId)!;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(associatedData) }, key, utf8(plaintext));
  return `${ciphertextPrefix(ring.primaryId)}${toBase64Url(iv)}.${toBase64Url(sealed)}`;
}

export async function decryptField(ring: KeyRing, stored: string, associatedData: string): Promise<string> {
  const parts = stored.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") throw new DecryptionError("ciphertext is not in the v1 format");
  const key = ring.keys.get(parts[1]!);
  if (!key) throw new DecryptionError(`ciphertext was written with key "${parts[1]}", which is not in ENCRYPTION_KEY`);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(parts[2]!), additionalData: utf8(associatedData) },
      key,
      fromBase64(parts[3]!),
    );
    return fromUtf8(plain);
  } catch {
    throw new DecryptionError("ciphertext failed authentication (tampered, or bound to another row)");
  }
}

export function keyIdOf(stored: string): string | undefined {
  return stored.split(".")[1];
}

export async function sha256Hex(input: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", utf8(input)));
}

export async function hmacSha256(key: string | Uint8Array, data: string): Promise<Uint8Array> {
  const raw = typeof key === "string" ? utf8(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, utf8(data)));
}

/**
 * Constant-time comparison. Both sides are hashed first so neither the content nor the length of a secret
 * influences timing.
 */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([crypto.subtle.digest("SHA-256", utf8(a)), crypto.subtle.digest("SHA-256", utf8(b))]);
  return timingSafeEqualBytes(new Uint8Array(da), new Uint8Array(db));
}

export function timingSafeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** An unguessable opaque token: `<prefix>_<43 base64url chars>` (256 bits). */
export function randomToken(prefix: string, bytes = 32): string {
  return `${prefix}_${toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)))}`;
}
