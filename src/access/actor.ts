/**
 * Who is acting, and the checks services run against them.
 *
 * An actor carries its rules: organization rules for what no project owns, and project rules per project (null where
 * it has no access at all, which callers answer like a missing resource or a denial). Credentials bound to a project
 * have rules in that project only and no organization rules, which is how "bound" was enforced before rules existed.
 */
import { can as allows, canExplicitly, canOnAny, type SubjectFields } from "./evaluate";
import { permissionDenied } from "./denial";
import { BUILT_IN_ROLE_RULES, ORGANIZATION_ADMIN_RULES } from "./roles";
import type {
  OrganizationAction,
  OrganizationSubject,
  OrganizationSubjectFields,
  PermissionRule,
  ProjectAction,
  ProjectSubject,
  ProjectSubjectFields,
} from "./rules";

export type ActorKind = "admin" | "api-token" | "identity" | "person" | "webhook-endpoint" | "system";

export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
  /** What the audit log and run history show: the token's or identity's name, a person's email. */
  readonly name: string;
  readonly email: string | null;
  /** The one project a credential is bound to; null for organization-wide credentials, people and the system. */
  readonly projectId: string | null;
  readonly organizationRules: readonly PermissionRule[];
  /** The actor's rules in `projectId`, or null when it has no access to that project at all. */
  projectRules(projectId: string): readonly PermissionRule[] | null;
}

export interface GrantedRules {
  project: readonly PermissionRule[];
  organization: readonly PermissionRule[];
}

/** The admin token, an API token or a machine identity, with the rules its scopes, role or permissions give. */
export function credentialActor(input: {
  kind: "admin" | "api-token" | "identity";
  id: string;
  name: string;
  projectId: string | null;
  rules: GrantedRules;
}): Actor {
  const { projectId, rules } = input;
  return {
    kind: input.kind,
    id: input.id,
    name: input.name,
    email: null,
    projectId,
    organizationRules: projectId === null ? rules.organization : [],
    projectRules: (p) => (projectId === null || p === projectId ? rules.project : null),
  };
}

/** A person signed in through Cloudflare Access: an administrator everywhere, or their project memberships' rules. */
export function personActor(input: {
  id: string;
  email: string;
  isAdmin: boolean;
  memberships: ReadonlyMap<string, readonly PermissionRule[]>;
}): Actor {
  return {
    kind: "person",
    id: input.id,
    name: input.email,
    email: input.email,
    projectId: null,
    organizationRules: input.isAdmin ? ORGANIZATION_ADMIN_RULES : [],
    projectRules: (p) => (input.isAdmin ? BUILT_IN_ROLE_RULES.admin : (input.memberships.get(p) ?? null)),
  };
}

/** An inbound webhook endpoint: its signed deliveries may only trigger runs of its project's syncs. */
export function webhookEndpointActor(input: { id: string; name: string; projectId: string }): Actor {
  const rules: readonly PermissionRule[] = [{ subject: "secret-syncs", action: ["sync-secrets"] }];
  return {
    kind: "webhook-endpoint",
    id: input.id,
    name: input.name,
    email: null,
    projectId: input.projectId,
    organizationRules: [],
    projectRules: (p) => (p === input.projectId ? rules : null),
  };
}

/** Work the service does by itself (scheduled and queued runs), already authorized when it was set up. */
export function systemActor(name: string): Actor {
  return {
    kind: "system",
    id: "system",
    name,
    email: null,
    projectId: null,
    organizationRules: ORGANIZATION_ADMIN_RULES,
    projectRules: () => BUILT_IN_ROLE_RULES.admin,
  };
}

/** Subjects without condition fields take no fields argument. */
type FieldsArgument<F> = keyof F extends never ? [] : [fields: F];

const noRules: readonly PermissionRule[] = [];

export function can<S extends ProjectSubject>(
  actor: Actor,
  projectId: string,
  action: ProjectAction<S>,
  subject: S,
  ...fields: FieldsArgument<ProjectSubjectFields<S>>
): boolean {
  const rules = actor.projectRules(projectId);
  return rules !== null && allows(rules, action, subject, fields[0] as SubjectFields | undefined);
}

/** Throws Infisical's PermissionDenied unless `can`. */
export function assertCan<S extends ProjectSubject>(
  actor: Actor,
  projectId: string,
  action: ProjectAction<S>,
  subject: S,
  ...fields: FieldsArgument<ProjectSubjectFields<S>>
): void {
  if (can(actor, projectId, action, subject, ...fields)) return;
  throw permissionDenied(actor.projectRules(projectId) ?? noRules, action, subject, fields[0] as SubjectFields | undefined);
}

/**
 * Whether some resource with the `known` fields may be allowed (see `canOnAny` in evaluate): false means a list
 * route refuses; true means it filters item by item with `can`.
 */
export function canOnAnyIn<S extends ProjectSubject>(
  actor: Actor,
  projectId: string,
  action: ProjectAction<S>,
  subject: S,
  known: Partial<ProjectSubjectFields<S>> = {},
): boolean {
  const rules = actor.projectRules(projectId);
  return rules !== null && canOnAny(rules, action, subject, known as SubjectFields);
}

export function canInOrganization<S extends OrganizationSubject>(
  actor: Actor,
  action: OrganizationAction<S>,
  subject: S,
  ...fields: FieldsArgument<OrganizationSubjectFields<S>>
): boolean {
  return allows(actor.organizationRules, action, subject, fields[0] as SubjectFields | undefined);
}

export function assertCanInOrganization<S extends OrganizationSubject>(
  actor: Actor,
  action: OrganizationAction<S>,
  subject: S,
  ...fields: FieldsArgument<OrganizationSubjectFields<S>>
): void {
  if (canInOrganization(actor, action, subject, ...fields)) return;
  throw permissionDenied(actor.organizationRules, action, subject, fields[0] as SubjectFields | undefined);
}

/** A connection as the checks see it: organization-wide when it belongs to no project. */
export interface ConnectionRef {
  id: string;
  projectId: string | null;
}

/**
 * Whether the actor may use `connection` for something in `projectId` (a sync). A project's own connection needs
 * `connect-app-connections` on it there; another project's never works. An organization-wide connection needs
 * `connect` in the organization rules (credentials bound to no project) or a project rule that names this very
 * connection: a project-bound credential never gets one implicitly.
 */
export function canUseConnection(actor: Actor, projectId: string, connection: ConnectionRef): boolean {
  const fields = { connectionId: connection.id };
  if (connection.projectId !== null) {
    return connection.projectId === projectId && can(actor, projectId, "connect-app-connections", "app-connections", fields);
  }
  if (canInOrganization(actor, "connect", "app-connections", fields)) return true;
  const rules = actor.projectRules(projectId);
  return rules !== null && canExplicitly(rules, "connect-app-connections", "app-connections", fields, "connectionId");
}

export function assertCanUseConnection(actor: Actor, projectId: string, connection: ConnectionRef): void {
  if (canUseConnection(actor, projectId, connection)) return;
  const fields = { connectionId: connection.id };
  throw permissionDenied(actor.projectRules(projectId) ?? noRules, "connect-app-connections", "app-connections", fields);
}
