/** Secret keys, values and comments as Infisical accepts them, plus our size limits. */
import { unsafeCharacterProblem } from "../lib/characters";
import { utf8 } from "../lib/encoding";
import { MAX_SECRET_COMMENT_LENGTH, MAX_SECRET_KEY_LENGTH, MAX_SECRET_VALUE_BYTES } from "../lib/limits";

export const SECRET_VALUE_TOO_LARGE = `Secret value exceeds the ${MAX_SECRET_VALUE_BYTES / 1024} KiB limit (${MAX_SECRET_VALUE_BYTES} bytes of UTF-8)`;
export const SECRET_COMMENT_TOO_LONG = `Secret comment must be at most ${MAX_SECRET_COMMENT_LENGTH} characters`;
export const SECRET_KEY_TOO_LONG = `Secret name must be at most ${MAX_SECRET_KEY_LENGTH} characters`;

export const INVALID_SECRET_NAME = "Secret name cannot contain colon or forward slash.";

/**
 * Why this (already trimmed) key would be refused, or null when it is acceptable. Case is preserved. Infisical's
 * rules (not empty, no ':' or '/', its column's length) plus no control or bidi characters; the length comes first.
 */
export function secretKeyProblem(key: string): string | null {
  if (!key) return "Secret name cannot be empty";
  if (key.length > MAX_SECRET_KEY_LENGTH) return SECRET_KEY_TOO_LONG;
  const unsafe = unsafeCharacterProblem("Secret name", key);
  if (unsafe) return unsafe;
  if (key.includes(":") || key.includes("/")) return INVALID_SECRET_NAME;
  return null;
}

export function isSecretCommentTooLong(comment: string): boolean {
  return comment.length > MAX_SECRET_COMMENT_LENGTH;
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
