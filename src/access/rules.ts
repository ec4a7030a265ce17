/**
 * Permission rules in Infisical's format, `{ subject, action, conditions?, inverted? }`, and the catalogue of subjects,
 * actions and condition fields they may name. Subject and action names are Infisical's wherever Infisical has the
 * concept (`workspace`, `identity`, `member`, `role`, `service-tokens` for our API tokens, and the `-app-connections`
 * suffix on project-level connection actions); `secret-syncs` also takes a `connectionId` condition, which Infisical
 * does not have.
 *
 * There are two levels, as in Infisical: project rules apply inside one project; organization rules cover what no
 * single project owns (creating projects, organization-wide connections, organization-wide credentials, the key ring).
 *
 * The schemas are stricter than Infisical's where Infisical silently drops or mis-reads input: unknown keys are
 * refused (Infisical strips them, so a misspelt `condition` or an `inverted` on some subjects turned a rule into an
 * unconditional allow), `inverted` is accepted on every subject, paths must be canonical (no trailing "/", no empty
 * segments), and glob patterns may only use `*`, `**` and `?`.
 */
import { z } from "zod";
import { MAX_GLOB_PATTERN_LENGTH, MAX_MATCHED_VALUE_LENGTH, MAX_MATCHED_VALUE_SEGMENTS } from "./glob";

/** Most rules one role, token, identity or membership may carry. */
export const MAX_RULES_PER_SET = 100;
/** Most values one `$in` may list. */
export const MAX_CONDITION_VALUES = 50;
/** Longest value an `$eq`, `$ne` or `$in` entry may hold (a full path at most). */
export const MAX_CONDITION_VALUE_LENGTH = MAX_MATCHED_VALUE_LENGTH;

export const CONDITION_OPERATORS = ["$eq", "$ne", "$in", "$glob"] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Which operators each condition field takes. */
export const CONDITION_FIELDS = {
  environment: ["$eq", "$ne", "$in", "$glob"],
  secretPath: ["$eq", "$ne", "$in", "$glob"],
  connectionId: ["$eq", "$ne", "$in"],
} as const satisfies Record<string, readonly ConditionOperator[]>;
export type ConditionField = keyof typeof CONDITION_FIELDS;

export interface ConditionOperators {
  $eq?: string;
  $ne?: string;
  $in?: string[];
  $glob?: string;
}
/** A plain string means `$eq`, as in Infisical. */
export type ConditionValue = string | ConditionOperators;
export type RuleConditions = Partial<Record<ConditionField, ConditionValue>>;

export interface PermissionRule {
  subject: string;
  action: readonly string[];
  conditions?: RuleConditions;
  inverted?: boolean;
}

interface SubjectDefinition {
  actions: readonly string[];
  fields: readonly ConditionField[];
}
type Catalogue = Record<string, SubjectDefinition>;

const CRUD = ["read", "create", "edit", "delete"] as const;
const FOLDER_FIELDS = ["environment", "secretPath"] as const;

export const PROJECT_PERMISSIONS = {
  secrets: { actions: ["describeSecret", "readValue", "create", "edit", "delete"], fields: FOLDER_FIELDS },
  "secret-folders": { actions: CRUD, fields: FOLDER_FIELDS },
  "secret-imports": { actions: CRUD, fields: FOLDER_FIELDS },
  "secret-syncs": {
    actions: ["read", "create", "edit", "delete", "sync-secrets", "import-secrets", "remove-secrets"],
    fields: ["environment", "secretPath", "connectionId"],
  },
  "app-connections": {
    actions: [
      "read-app-connections",
      "create-app-connections",
      "edit-app-connections",
      "delete-app-connections",
      "connect-app-connections",
    ],
    fields: ["connectionId"],
  },
  environments: { actions: CRUD, fields: [] },
  workspace: { actions: ["edit", "delete"], fields: [] },
  webhooks: { actions: CRUD, fields: [] },
  "audit-logs": { actions: ["read"], fields: [] },
  identity: { actions: CRUD, fields: [] },
  "service-tokens": { actions: CRUD, fields: [] },
  member: { actions: CRUD, fields: [] },
  role: { actions: CRUD, fields: [] },
} as const satisfies Catalogue;

export const ORGANIZATION_PERMISSIONS = {
  workspace: { actions: ["create"], fields: [] },
  "app-connections": { actions: ["read", "create", "edit", "delete", "connect"], fields: ["connectionId"] },
  "audit-logs": { actions: ["read"], fields: [] },
  identity: { actions: CRUD, fields: [] },
  "service-tokens": { actions: CRUD, fields: [] },
  member: { actions: CRUD, fields: [] },
  role: { actions: CRUD, fields: [] },
  kms: { actions: CRUD, fields: [] },
} as const satisfies Catalogue;

/**
 * Infisical's legacy secret action `read`, still accepted in rules: it grants both actions it was split into.
 * Checks never ask for it; a rule holding it counts for each of them, in the rule's own place in the order.
 */
export const LEGACY_SECRET_READ = "read";
export const LEGACY_SECRET_READ_COVERS: readonly string[] = ["describeSecret", "readValue"];

export type ProjectPermissions = typeof PROJECT_PERMISSIONS;
export type OrganizationPermissions = typeof ORGANIZATION_PERMISSIONS;
export type ProjectSubject = keyof ProjectPermissions;
export type OrganizationSubject = keyof OrganizationPermissions;
export type ProjectAction<S extends ProjectSubject> = ProjectPermissions[S]["actions"][number];
export type OrganizationAction<S extends OrganizationSubject> = OrganizationPermissions[S]["actions"][number];
/** The facts a check supplies about the resource: every condition field its subject defines. */
export type ProjectSubjectFields<S extends ProjectSubject> = Record<ProjectPermissions[S]["fields"][number], string>;
export type OrganizationSubjectFields<S extends OrganizationSubject> = Record<OrganizationPermissions[S]["fields"][number], string>;

// ---- validation -------------------------------------------------------------------------------------------------

const NAME_CHARACTERS = /^[A-Za-z0-9_-]+$/;
const PATTERN_CHARACTERS = /^[A-Za-z0-9_*?-]+$/;
const SECRET_PATH_MISSING_SLASH = "Invalid Secret Path; it must start with a '/'";

/** Why `value` is not a canonical folder path (or, with `wildcards`, a path pattern); null when it is one. */
function secretPathProblem(value: string, wildcards: boolean): string | null {
  if (!value.startsWith("/")) return SECRET_PATH_MISSING_SLASH;
  if (value === "/") return null;
  if (value.endsWith("/")) return "secretPath must not end with '/' (only the root path is '/')";
  const segments = value.slice(1).split("/");
  if (segments.some((s) => s === "")) return "secretPath must not contain empty segments ('//')";
  if (segments.length > MAX_MATCHED_VALUE_SEGMENTS) return `secretPath may have at most ${MAX_MATCHED_VALUE_SEGMENTS} segments`;
  const allowed = wildcards ? PATTERN_CHARACTERS : NAME_CHARACTERS;
  if (!segments.every((s) => allowed.test(s))) {
    return wildcards
      ? "secretPath patterns may only contain letters, digits, '_', '-', '/' and the wildcards '*', '**' and '?'"
      : "secretPath may only contain letters, digits, '_', '-' and '/'";
  }
  return null;
}

function environmentPatternProblem(value: string): string | null {
  if (PATTERN_CHARACTERS.test(value)) return null;
  return "environment patterns may only contain letters, digits, '_', '-' and the wildcards '*' and '?'";
}

function withProblem(schema: z.ZodString, problem: (value: string) => string | null) {
  return schema.superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message });
  });
}

function valueSchema(field: ConditionField) {
  const base = z
    .string({ error: `${field} values must be strings` })
    .min(1, `${field} values must not be empty`)
    .max(MAX_CONDITION_VALUE_LENGTH, `${field} values must be at most ${MAX_CONDITION_VALUE_LENGTH} characters`);
  return field === "secretPath" ? withProblem(base, (v) => secretPathProblem(v, false)) : base;
}

function patternSchema(field: ConditionField) {
  const base = z
    .string({ error: "$glob must be a string" })
    .min(1, "$glob must not be empty")
    .max(MAX_GLOB_PATTERN_LENGTH, `$glob patterns must be at most ${MAX_GLOB_PATTERN_LENGTH} characters`);
  return withProblem(base, field === "secretPath" ? (v) => secretPathProblem(v, true) : environmentPatternProblem);
}

function conditionSchema(field: ConditionField) {
  const operators: readonly ConditionOperator[] = CONDITION_FIELDS[field];
  const value = valueSchema(field);
  const shape = {
    $eq: value.optional(),
    $ne: value.optional(),
    $in: z
      .array(value, { error: "$in must be a list" })
      .min(1, "$in must list at least one value")
      .max(MAX_CONDITION_VALUES, `$in may list at most ${MAX_CONDITION_VALUES} values`)
      .optional(),
    $glob: patternSchema(field).optional(),
  };
  const allowed = Object.fromEntries(operators.map((op) => [op, shape[op]]));
  const expected = `${field} conditions take ${operators.join(", ")}`;
  const object = z
    .strictObject(allowed, { error: (issue) => (issue.code === "unrecognized_keys" ? expected : undefined) })
    .refine((o) => Object.keys(o).length > 0, { message: expected, when: (payload) => payload.issues.length === 0 });
  return byType(value, object, `${field} must be a string or an object of operators (${operators.join(", ")})`);
}

/**
 * A plain string or an operator object, each validated by its own schema so its messages come through (a zod union
 * would replace a nested failure, such as too many `$in` values, with a generic one).
 */
function byType(plain: z.ZodType<string>, operators: z.ZodType, typeMessage: string): z.ZodType<ConditionValue> {
  return z.unknown().transform((input, ctx) => {
    const isObject = typeof input === "object" && input !== null && !Array.isArray(input);
    const schema = typeof input === "string" ? plain : isObject ? operators : null;
    if (!schema) {
      ctx.addIssue({ code: "custom", message: typeMessage });
      return z.NEVER;
    }
    const result = schema.safeParse(input);
    if (result.success) return result.data as ConditionValue;
    for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    return z.NEVER;
  }) as unknown as z.ZodType<ConditionValue>;
}

function conditionsSchema(fields: readonly ConditionField[]) {
  const shape = Object.fromEntries(fields.map((f) => [f, conditionSchema(f).optional()]));
  const unknownField = `conditions may only name ${fields.join(", ")}`;
  return z
    .strictObject(shape, { error: (issue) => (issue.code === "unrecognized_keys" ? unknownField : undefined) })
    .transform((c) => (Object.keys(c).length ? (c as RuleConditions) : undefined));
}

function actionSchema(actions: readonly string[]) {
  const one = z.enum(actions as [string, ...string[]], { error: `action must be one of: ${actions.join(", ")}` });
  return z.preprocess(
    (v) => (typeof v === "string" ? [v] : v),
    z
      .array(one, { error: "action must be a string or a list of strings" })
      .min(1, "action must name at least one action")
      .transform((list) => [...new Set(list)]),
  );
}

function ruleSchema(subject: string, definition: SubjectDefinition) {
  const legacy = subject === "secrets" ? [LEGACY_SECRET_READ] : [];
  const shape = {
    subject: z.literal(subject),
    action: actionSchema([...definition.actions, ...legacy]),
    inverted: z.boolean({ error: "inverted must be true or false" }).optional(),
    ...(definition.fields.length ? { conditions: conditionsSchema(definition.fields).optional() } : {}),
  };
  const unknownKey = `a ${subject} rule may only have subject, action, inverted${definition.fields.length ? " and conditions" : ""}`;
  const rule = z.strictObject(shape, { error: (issue) => (issue.code === "unrecognized_keys" ? unknownKey : undefined) });
  if (!legacy.length) return rule;
  // Infisical refuses the same combination: "read" already means both of the actions it was split into.
  return rule.refine((r) => !(r.action.includes(LEGACY_SECRET_READ) && r.action.some((a) => LEGACY_SECRET_READ_COVERS.includes(a))), {
    message:
      "You cannot select Read Value or Describe Secret if you have selected Read. The Read permission is a legacy action which has been " +
      "replaced by Describe Secret and Read Value.",
    path: ["action"],
  });
}

function rulesSchema(catalogue: Catalogue) {
  const subjects = Object.keys(catalogue);
  const options = subjects.map((s) => ruleSchema(s, catalogue[s]!)) as unknown as [z.ZodObject, ...z.ZodObject[]];
  const rule = z.discriminatedUnion("subject", options, {
    error: (issue) => (issue.code === "invalid_union" ? `subject must be one of: ${subjects.join(", ")}` : undefined),
  }) as unknown as z.ZodType<PermissionRule>;
  return z
    .array(rule, { error: "permissions must be a list of rules" })
    .max(MAX_RULES_PER_SET, `at most ${MAX_RULES_PER_SET} permission rules are allowed`);
}

/** Rules a project role, token, identity or membership may carry. */
export const projectRulesSchema = rulesSchema(PROJECT_PERMISSIONS);
/** Rules an organization-wide grant may carry. */
export const organizationRulesSchema = rulesSchema(ORGANIZATION_PERMISSIONS);
