/** Secret keys and values as Infisical accepts them, plus our value size limit. */
import { utf8 } from "../lib/encoding";

/**
 * Values are capped so a single secret cannot blow past D1's row and statement limits or a sync target's limits;
 * Infisical has no cap, 64 KiB comfortably covers certificates and JSON service-account keys.
 */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
export const SECRET_VALUE_TOO_LARGE = `Secret value exceeds the ${MAX_SECRET_VALUE_BYTES / 1024} KiB limit (${MAX_SECRET_VALUE_BYTES} bytes of UTF-8)`;

export const INVALID_SECRET_NAME = "Secret name cannot contain colon or forward slash.";

/** Why Infisical would refuse this (already trimmed) key, or null when it is acceptable. Case is preserved. */
export function secretKeyProblem(key: string): string | null {
  if (!key) return "Secret name cannot be empty";
  if (key.includes(":") || key.includes("/")) return INVALID_SECRET_NAME;
  return null;
}

/** Trimmed at both ends; a value that ended in a newline keeps exactly one (PEM files and the like). */
export function normalizeSecretValue(raw: string): string {
  const trimmed = raw.trim();
  return raw.endsWith("\n") ? `${trimmed}\n` : trimmed;
}

export function isSecretValueTooLarge(value: string): boolean {
  // Cheap bound first: a UTF-16 code unit never encodes to more than 3 UTF-8 bytes.
  if (value.length * 3 <= MAX_SECRET_VALUE_BYTES) return false;
  return utf8(value).byteLength > MAX_SECRET_VALUE_BYTES;
}
