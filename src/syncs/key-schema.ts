/**
 * Key schemas: how a source key becomes a Qovery key (`APP_{{environment}}_{{secretKey}}`), and which Qovery keys a
 * sync may consider its own when deleting. Pure functions, shared by validation, the plan and the dry run.
 */
import { MAX_KEY_SCHEMA_LENGTH } from "../lib/limits";

const SECRET_KEY = "{{secretKey}}";
const ENVIRONMENT = "{{environment}}";
const PLACEHOLDER = /\{\{(.*?)\}\}/g;
const SUPPORTED_PLACEHOLDER = /\{\{(secretKey|environment)\}\}/g;
const LITERAL_CHARACTER = /[A-Za-z0-9_]/;
const QOVERY_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Stands in for a source key when checking what a schema can produce: the shortest key Qovery always accepts. */
const REPRESENTATIVE_KEY = "A";

const countOf = (text: string, part: string) => text.split(part).length - 1;

/** Why a key schema is malformed, or null when it is well formed. Does not depend on the environment. */
export function keySchemaSyntaxProblem(schema: string): string | null {
  if (schema !== schema.trim()) return "Key schema cannot start or end with whitespace";
  if (schema.length > MAX_KEY_SCHEMA_LENGTH) return `Key schema cannot exceed ${MAX_KEY_SCHEMA_LENGTH} characters`;

  const secretKeyCount = countOf(schema, SECRET_KEY);
  if (secretKeyCount === 0) return `Key schema must contain ${SECRET_KEY}, the place where each secret's key goes`;
  // Infisical only checks presence; two copies would make the prefix/suffix used for deletion ambiguous.
  if (secretKeyCount > 1) return `Key schema must contain ${SECRET_KEY} exactly once (found ${secretKeyCount} times)`;

  const unknown = [...schema.matchAll(PLACEHOLDER)].map((m) => m[0]).filter((p) => p !== SECRET_KEY && p !== ENVIRONMENT);
  if (unknown.length) {
    return `Key schema contains unsupported placeholder ${unknown[0]}: only ${SECRET_KEY} and ${ENVIRONMENT} are supported`;
  }

  const invalid = [...new Set(schema.replace(SUPPORTED_PLACEHOLDER, "").split(""))].filter((c) => !LITERAL_CHARACTER.test(c));
  if (invalid.length) {
    const listed = invalid.map((c) => JSON.stringify(c)).join(", ");
    return `Key schema contains ${listed}: Qovery keys allow only letters, digits and underscores`;
  }
  return null;
}

/**
 * The destination key of `secretKey`. Placeholders are replaced verbatim: unlike Infisical (Handlebars), nothing is
 * HTML-escaped, so a key never turns into `&#x3D;`-style entities (W10). One pass, so text coming from the key or the
 * slug is never itself read as a placeholder.
 */
export function renderKey(schema: string | undefined, secretKey: string, environmentSlug: string): string {
  if (!schema) return secretKey;
  return schema.replace(SUPPORTED_PLACEHOLDER, (_, name: string) => (name === "secretKey" ? secretKey : environmentSlug));
}

/** Why Qovery would refuse `key`, or null when it accepts it. */
export function qoveryKeyProblem(key: string): string | null {
  if (!key) return "Qovery keys cannot be empty";
  if (!QOVERY_KEY.test(key)) {
    return `"${key}" is not a valid Qovery key: keys must start with a letter or an underscore and contain only letters, digits and underscores`;
  }
  if (/^qovery/i.test(key)) return `"${key}" is not a valid Qovery key: keys starting with "QOVERY" are reserved for Qovery's built-in variables`;
  return null;
}

/**
 * Why a schema cannot be used for a sync of environment `environmentSlug`: malformed, or producing keys Qovery refuses
 * whatever the secret (a slug with `-`, a prefix starting with a digit or with `QOVERY`). Checked at create/update time
 * so such a sync never exists rather than failing on every run. Problems that depend on one secret's key are left to
 * the plan, which skips that key alone.
 */
export function keySchemaProblemFor(schema: string, environmentSlug: string): string | null {
  const syntax = keySchemaSyntaxProblem(schema);
  if (syntax) return syntax;
  const sample = renderKey(schema, REPRESENTATIVE_KEY, environmentSlug);
  const problem = qoveryKeyProblem(sample);
  if (!problem) return null;
  return `Key schema "${schema}" cannot produce valid Qovery keys for environment "${environmentSlug}": ${problem}`;
}

/**
 * Whether `destinationKey` falls under the schema, i.e. the sync may delete it when the source no longer has it.
 * Infisical's rule: the key must carry the schema's prefix and suffix (rendered for the environment) around a
 * non-empty middle; a schema that is only `{{secretKey}}` (or none) covers every key. Infisical also forbids `/` in
 * the middle when the prefix or suffix has one; our schemas and Qovery keys cannot contain `/`, so that case is moot.
 */
export function matchesKeySchema(schema: string | undefined, destinationKey: string, environmentSlug: string): boolean {
  if (!schema) return true;
  const pattern = renderKey(schema, SECRET_KEY, environmentSlug);
  const start = pattern.indexOf(SECRET_KEY);
  if (start === -1) return destinationKey === pattern;
  const prefix = pattern.slice(0, start);
  const suffix = pattern.slice(pattern.lastIndexOf(SECRET_KEY) + SECRET_KEY.length);
  if (!prefix && !suffix) return true;
  return (
    destinationKey.length > prefix.length + suffix.length && destinationKey.startsWith(prefix) && destinationKey.endsWith(suffix)
  );
}
