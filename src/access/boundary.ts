/**
 * The privilege boundary: nobody grants rules they do not hold. Whoever gives a token, identity, person or role some
 * rules must themselves be allowed everything those rules allow, so no credential can mint a stronger one.
 *
 * The check is conservative (sound, not complete): a granted rule counts as held only when some held rule for the same
 * action covers every resource the granted rule can match, with no held forbidding rule after it that might take some
 * of them away. "Covers" is decided field by field: a held rule without a condition on a field covers anything there;
 * finite grants (`$eq`, `$in`, a plain string) are covered when each of their values passes the held condition; an
 * open grant (`$ne`, `$glob`) is covered only by the same `$ne` or by a `$glob` whose literal segments are a prefix of
 * the granted pattern's, ending in `**` (or the same number of segments, `*` covering any one). Forbidding rules in a
 * grant only take rights away, so they never need covering. When in doubt the grant is refused, which at worst means
 * an organization administrator has to make it.
 */
import type { Actor } from "./actor";
import { can, conditionHolds, rulesConcerning } from "./evaluate";
import { ApiError } from "../lib/errors";
import {
  LEGACY_SECRET_READ,
  LEGACY_SECRET_READ_COVERS,
  ORGANIZATION_PERMISSIONS,
  type ConditionField,
  type ConditionValue,
  type PermissionRule,
  type RuleConditions,
} from "./rules";

/** One action of one granted rule that the granter does not hold. */
export interface MissingPermission {
  subject: string;
  action: string;
  conditions?: RuleConditions;
}

/** The values a condition allows when there are finitely many (a plain string, `$eq`, `$in`), else null. */
function finiteValues(condition: ConditionValue): string[] | null {
  if (typeof condition === "string") return [condition];
  let values: string[] | null = condition.$eq === undefined ? null : [condition.$eq];
  if (condition.$in !== undefined) values = values ? values.filter((v) => condition.$in!.includes(v)) : [...condition.$in];
  return values && values.filter((v) => conditionHolds(condition, v) === true);
}

const segmentsOf = (pattern: string) => (pattern === "/" ? [] : (pattern.startsWith("/") ? pattern.slice(1) : pattern).split("/"));

/**
 * Whether every value `inner` matches is matched by `outer`: equal patterns, or segment by segment equal (or `*` over
 * a one-segment pattern) up to a final `**` of `outer` that takes whatever follows.
 */
export function globCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  const o = segmentsOf(outer);
  const i = segmentsOf(inner);
  for (let k = 0; k < o.length; k++) {
    const segment = o[k]!;
    if (segment === "**") return k === o.length - 1;
    const other = i[k];
    if (other === undefined || other === "**") return false;
    if (segment !== "*" && segment !== other) return false;
  }
  return o.length === i.length;
}

/** Whether the `held` condition on one field allows every value the `granted` one does. */
function fieldCovered(held: ConditionValue | undefined, granted: ConditionValue | undefined): boolean {
  if (held === undefined) return true;
  if (granted === undefined) return false;
  const values = finiteValues(granted);
  if (values) return values.every((v) => conditionHolds(held, v) === true);
  // `granted` is open: only `$ne` and/or `$glob`.
  if (typeof held === "string" || held.$eq !== undefined || held.$in !== undefined) return false;
  const open = granted as Exclude<ConditionValue, string>;
  if (held.$ne !== undefined) {
    const excluded = open.$ne === held.$ne || (open.$glob !== undefined && conditionHolds({ $glob: open.$glob }, held.$ne) === false);
    if (!excluded) return false;
  }
  return held.$glob === undefined || (open.$glob !== undefined && globCovers(held.$glob, open.$glob));
}

function ruleCovers(held: PermissionRule, granted: PermissionRule): boolean {
  const fields = Object.keys(held.conditions ?? {}) as ConditionField[];
  return fields.every((field) => fieldCovered(held.conditions![field], granted.conditions?.[field]));
}

/** Whether a forbidding rule provably matches nothing the granted rule can: some field's finite values all miss it. */
function disjoint(forbidding: PermissionRule, granted: PermissionRule): boolean {
  const fields = Object.keys(forbidding.conditions ?? {}) as ConditionField[];
  return fields.some((field) => {
    const values = granted.conditions?.[field] === undefined ? null : finiteValues(granted.conditions[field]!);
    return values !== null && values.every((v) => conditionHolds(forbidding.conditions![field]!, v) === false);
  });
}

function holds(held: readonly PermissionRule[], granted: PermissionRule, action: string): boolean {
  for (const rule of rulesConcerning(held, action, granted.subject)) {
    if (rule.inverted) {
      if (disjoint(rule, granted)) continue;
      return false;
    }
    if (ruleCovers(rule, granted)) return true;
  }
  return false;
}

/** The granted rules' actions that `held` does not provably allow wherever the grant does; empty when all are held. */
export function ungrantedBy(held: readonly PermissionRule[], granted: readonly PermissionRule[]): MissingPermission[] {
  const missing: MissingPermission[] = [];
  for (const rule of granted) {
    if (rule.inverted) continue;
    const actions = rule.action.flatMap((a) => (rule.subject === "secrets" && a === LEGACY_SECRET_READ ? LEGACY_SECRET_READ_COVERS : [a]));
    for (const action of new Set(actions)) {
      if (holds(held, rule, action)) continue;
      missing.push({ subject: rule.subject, action, ...(rule.conditions ? { conditions: rule.conditions } : {}) });
    }
  }
  return missing;
}

/**
 * An organization administrator holds every organization permission without conditions: the admin token, an
 * `ADMIN_EMAILS` person, or a credential bound to no project with the `admin` scope.
 */
export function isOrganizationAdmin(actor: Actor): boolean {
  return Object.entries(ORGANIZATION_PERMISSIONS).every(([subject, { actions }]) =>
    actions.every((action) => can(actor.organizationRules, action, subject)),
  );
}

/** Refusing a grant beyond the granter's own rights, in Infisical's shape for it (403 `PermissionBoundaryError`). */
export function permissionBoundaryError(message: string, missingPermissions: MissingPermission[]) {
  return new ApiError(403, "PermissionBoundaryError", message, { missingPermissions });
}
