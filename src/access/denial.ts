/**
 * Refusals in Infisical's words and shapes.
 *
 * A failed rule check is Infisical's CASL denial: 403 `PermissionDenied`, "You are not allowed to <action> on
 * <subject>", with `details` listing the caller's rules that concern that action and subject (the same list CASL's
 * `rulesFor` gives Infisical's error handler: latest rule first, as `{action, inverted, subject, conditions}`). Those
 * are the caller's own grants: environment slugs, paths and connection ids, never values.
 *
 * `PermissionDeniedError` is an `ApiError`, so services throw it and the existing error handler renders the envelope;
 * it also keeps the check that failed, for logs and audit. The other refusals are Infisical's `ForbiddenError`s with
 * fixed wording that its clients and tests look for.
 */
import { ApiError } from "../lib/errors";
import { rulesConcerning, type SubjectFields } from "./evaluate";
import type { PermissionRule, RuleConditions } from "./rules";

export interface DeniedRule {
  action: readonly string[];
  inverted: boolean;
  subject: string;
  conditions?: RuleConditions;
}

export class PermissionDeniedError extends ApiError {
  constructor(
    readonly action: string,
    readonly subject: string,
    readonly fields: SubjectFields,
    details: DeniedRule[],
  ) {
    super(403, "PermissionDenied", permissionDeniedMessage(action, subject), details);
    this.name = "PermissionDeniedError";
  }
}

export const permissionDeniedMessage = (action: string, subject: string) => `You are not allowed to ${action} on ${subject}`;

/** The refusal for a failed check of (action, subject, fields) against `rules`. */
export function permissionDenied(rules: readonly PermissionRule[], action: string, subject: string, fields: SubjectFields = {}) {
  const details = rulesConcerning(rules, action, subject).map((rule) => ({
    action: rule.action,
    inverted: rule.inverted === true,
    subject: rule.subject,
    ...(rule.conditions ? { conditions: rule.conditions } : {}),
  }));
  return new PermissionDeniedError(action, subject, fields, details);
}

/** Where a secret lives, as the reference messages name it. */
export interface SecretLocation {
  key: string;
  environment: string;
  path: string;
}

const FORBIDDEN = "ForbiddenError";
const where = (s: SecretLocation) => `secret '${s.key}' in environment '${s.environment}' at path '${s.path}'`;

/** Getting one secret whose value references a secret the caller may not read. */
export function referenceDenied(referenced: SecretLocation, referencing: SecretLocation) {
  return new ApiError(403, FORBIDDEN, `You do not have permission to read ${where(referenced)}, which is referenced by ${where(referencing)}.`);
}

/** Listing secrets when some reference points at a secret the caller may not read; one line per refused reference. */
export function referencesDenied(refusals: readonly { referenced: SecretLocation; referencing: SecretLocation }[]) {
  const details = refusals.map((r) => referenceDenied(r.referenced, r.referencing).message);
  return new ApiError(403, FORBIDDEN, "Failed to expand one or more secret references", details);
}

/** A sync whose source (or a folder it reads through the source) the caller may not read. */
export function syncSourceDenied(environment: string, path: string) {
  return new ApiError(403, FORBIDDEN, `You do not have permission to read secrets at path "${path}" in environment "${environment}".`);
}
