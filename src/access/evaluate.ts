/**
 * Rule evaluation with CASL's semantics, as Infisical uses them: among the rules for the subject that name the action,
 * the one defined *last* whose conditions match the resource decides; it allows unless it is inverted. No matching
 * rule means no. So an inverted rule forbids only what comes before it: `[allow, forbid]` forbids,
 * `[forbid, allow]` allows where the allow matches.
 *
 * Conditions are ANDed across fields and across the operators of one field. A field the check does not supply (or a
 * value too long to match a glob against) never satisfies an allowing rule and always satisfies a forbidding one, so
 * a check that forgets a field fails closed.
 */
import { globMatches } from "./glob";
import {
  LEGACY_SECRET_READ,
  LEGACY_SECRET_READ_COVERS,
  type ConditionField,
  type ConditionValue,
  type PermissionRule,
} from "./rules";

/** Facts about the resource being checked, by condition field. */
export type SubjectFields = Partial<Record<ConditionField, string>>;

/** Whether `rule` names `action`, counting Infisical's legacy secret `read` as both actions it was split into. */
function namesAction(rule: PermissionRule, subject: string, action: string): boolean {
  if (rule.action.includes(action)) return true;
  return subject === "secrets" && LEGACY_SECRET_READ_COVERS.includes(action) && rule.action.includes(LEGACY_SECRET_READ);
}

/** true / false, or undefined when the value cannot be judged (absent, or beyond the glob limits). */
export function conditionHolds(condition: ConditionValue, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof condition === "string") return value === condition;
  let holds: boolean | undefined = true;
  if (condition.$eq !== undefined && value !== condition.$eq) return false;
  if (condition.$ne !== undefined && value === condition.$ne) return false;
  if (condition.$in !== undefined && !condition.$in.includes(value)) return false;
  if (condition.$glob !== undefined) {
    const matched = globMatches(condition.$glob, value);
    if (matched === false) return false;
    if (matched === undefined) holds = undefined;
  }
  return holds;
}

/**
 * Whether the rule's conditions match. `unknown` says how an undecidable field counts: checks pass "fail closed"
 * (false for allowing rules, true for forbidding ones); `canOnAny` passes "maybe" for fields it was not given.
 */
function conditionsMatch(rule: PermissionRule, fields: SubjectFields, unknown: (field: ConditionField) => boolean): boolean {
  if (!rule.conditions) return true;
  for (const field in rule.conditions) {
    const condition = rule.conditions[field as ConditionField];
    if (condition === undefined) continue;
    const holds = conditionHolds(condition, fields[field as ConditionField]);
    if (holds === false) return false;
    if (holds === undefined && !unknown(field as ConditionField)) return false;
  }
  return true;
}

/** The rule that decides (action, subject, fields), or null when none applies (which means "no"). */
export function decidingRule(
  rules: readonly PermissionRule[],
  action: string,
  subject: string,
  fields: SubjectFields = {},
): PermissionRule | null {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.subject !== subject || !namesAction(rule, subject, action)) continue;
    if (conditionsMatch(rule, fields, () => rule.inverted === true)) return rule;
  }
  return null;
}

/** Whether the rules allow `action` on the resource of `subject` described by `fields`. */
export function can(rules: readonly PermissionRule[], action: string, subject: string, fields: SubjectFields = {}): boolean {
  const rule = decidingRule(rules, action, subject, fields);
  return rule !== null && rule.inverted !== true;
}

/**
 * Whether the rules may allow `action` on *some* resource of `subject` with the given `known` fields, whatever its
 * other fields are: a list route uses it to choose between refusing outright (false) and filtering item by item.
 * False is exact: then no such resource is allowed. True can be optimistic (a later forbidding rule that depends on an
 * unknown field is assumed not to cover everything), which only means the filtered list may come out empty.
 * With no known fields this is CASL's check on a bare subject type.
 */
export function canOnAny(rules: readonly PermissionRule[], action: string, subject: string, known: SubjectFields = {}): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.subject !== subject || !namesAction(rule, subject, action)) continue;
    if (rule.inverted) {
      // Forbids every candidate only if it matches on the known fields and sets no condition on the others.
      if (conditionsMatch(rule, known, () => false)) return false;
    } else if (conditionsMatch(rule, known, (field) => known[field] === undefined)) {
      return true;
    }
  }
  return false;
}

function namesValue(condition: ConditionValue | undefined, value: string): boolean {
  if (condition === undefined) return false;
  if (typeof condition === "string") return condition === value;
  return condition.$eq === value || (condition.$in?.includes(value) ?? false);
}

/**
 * Like `can`, but the grant must name `fields[field]` itself with a plain value, `$eq` or `$in`: some allowing rule
 * that matches and names it, with no matching forbidding rule after it. A rule that allows every value (no condition,
 * `$ne`, a glob) does not count, wherever it stands. Used where a grant must be deliberate, such as connecting a
 * project to an organization-wide connection.
 */
export function canExplicitly(
  rules: readonly PermissionRule[],
  action: string,
  subject: string,
  fields: SubjectFields,
  field: ConditionField,
): boolean {
  const value = fields[field];
  if (value === undefined) return false;
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.subject !== subject || !namesAction(rule, subject, action)) continue;
    if (!conditionsMatch(rule, fields, () => rule.inverted === true)) continue;
    if (rule.inverted) return false;
    if (namesValue(rule.conditions?.[field], value)) return true;
  }
  return false;
}

/** The values of `field` that rules allowing `action` on `subject` name explicitly (see `canExplicitly`). */
export function explicitlyNamedValues(rules: readonly PermissionRule[], action: string, subject: string, field: ConditionField): string[] {
  const named = new Set<string>();
  for (const rule of rules) {
    if (rule.inverted || rule.subject !== subject || !namesAction(rule, subject, action)) continue;
    const condition = rule.conditions?.[field];
    if (typeof condition === "string") named.add(condition);
    else if (condition) [condition.$eq, ...(condition.$in ?? [])].forEach((v) => v !== undefined && named.add(v));
  }
  return [...named];
}

/** The rules that concern (action, subject), the one that would decide first, as CASL's `rulesFor` lists them. */
export function rulesConcerning(rules: readonly PermissionRule[], action: string, subject: string): PermissionRule[] {
  return rules.filter((rule) => rule.subject === subject && namesAction(rule, subject, action)).reverse();
}
