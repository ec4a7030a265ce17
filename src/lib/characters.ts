/**
 * Characters refused in keys, paths and names (never in secret values, where newlines and tabs are normal):
 * - control characters, Unicode category Cc: C0 (U+0000–U+001F, NUL included), DEL (U+007F) and C1 (U+0080–U+009F);
 * - bidirectional text controls, Unicode's Bidi_Control property: the embeddings and overrides U+202A–U+202E, the
 *   isolates U+2066–U+2069 and the invisible marks U+200E, U+200F and U+061C.
 * Controls break logs, headers and terminals; bidi controls make text display in another order than it is stored
 * ("Trojan Source"), and the marks, though they reorder nothing alone, make two keys that look identical differ.
 * An identifier never needs any of them. Callers cap the length first, so this scan is bounded.
 */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Bidi_Control}]/u;
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Why `text` cannot be used as `field` (e.g. "Secret name cannot contain control characters (found U+0000)"), or null. */
export function unsafeCharacterProblem(field: string, text: string): string | null {
  const found = UNSAFE_CHARACTER.exec(text)?.[0];
  if (found === undefined) return null;
  const codePoint = `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  const kind = CONTROL_CHARACTER.test(found) ? "control characters" : "bidirectional text controls";
  return `${field} cannot contain ${kind} (found ${codePoint})`;
}
