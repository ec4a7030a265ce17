/**
 * What a token, identity or person is granted, and the boundary on granting it.
 *
 * A credential's project rules are its scopes' rules, then its role's, then its explicit permissions, in that order:
 * CASL lets the later rule decide, so an inverted explicit rule narrows what the role gives. Scopes alone also carry
 * organization rules (for credentials bound to no project). A credential with no scopes gets no scope rules at all,
 * not even the project metadata `projects:read` implies: a role or permissions say everything it may do.
 *
 * Whoever grants rules (creating or changing a credential, a membership or a custom role) must hold them
 * (`access/boundary`), and only an unbound caller holding the organization-level `connect` right on an
 * organization-wide connection may hand out `connect-app-connections` naming it: a project never reaches such a
 * connection unless an organization administrator said so.
 */
import { isNull } from "drizzle-orm";
import { z } from "zod";
import { canInOrganization, type Actor, type GrantedRules } from "../access/actor";
import { isOrganizationAdmin, permissionBoundaryError, ungrantedBy, type MissingPermission } from "../access/boundary";
import { explicitlyNamedValues } from "../access/evaluate";
import { BUILT_IN_ROLE_RULES, BUILT_IN_ROLES, type BuiltInRole } from "../access/roles";
import { projectRulesSchema, type PermissionRule } from "../access/rules";
import { rulesForScopes } from "../access/scopes";
import type { Db } from "../db/client";
import { appConnections } from "../db/schema";
import { slugSchema } from "../lib/slug";
import { expandScopes, scopesSchema, scopesUpdateSchema, type Scope } from "./scopes";

/** Longest role slug (Infisical's limit). */
export const MAX_ROLE_SLUG_LENGTH = 64;

export const roleSlugSchema = (field = "role") => slugSchema(field, 1, MAX_ROLE_SLUG_LENGTH);

export const isBuiltInRole = (slug: string): slug is BuiltInRole => (BUILT_IN_ROLES as readonly string[]).includes(slug);

/** The grant fields of a create body: at least one of them. */
export const grantFields = {
  scopes: scopesSchema.optional(),
  role: roleSlugSchema().optional(),
  permissions: projectRulesSchema.optional(),
};
/** The grant fields of an update body: each replaces the stored one; null clears a role or permissions. */
export const grantPatchFields = {
  scopes: scopesUpdateSchema.optional(),
  role: roleSlugSchema().nullable().optional(),
  permissions: projectRulesSchema.nullable().optional(),
};
export const GRANT_REQUIRED = "Give scopes, a role or permissions (at least one)";
export const hasGrant = (body: { scopes?: unknown; role?: unknown; permissions?: unknown }) =>
  body.scopes !== undefined || body.role !== undefined || body.permissions !== undefined;

/** A grant as a token or identity row stores it, with its custom role's rules (JSON) when its role is one. */
export interface StoredGrant {
  scopesJson: string;
  role: string | null;
  permissionsJson: string | null;
  customRolePermissionsJson: string | null;
}

export interface Grant {
  scopes: Scope[];
  role: string | null;
  permissions: PermissionRule[];
}

export const grantOf = (input: { scopes?: Scope[]; role?: string | null; permissions?: PermissionRule[] | null }): Grant => ({
  scopes: input.scopes ?? [],
  role: input.role ?? null,
  permissions: input.permissions ?? [],
});

export const hasAnyRight = (grant: Grant) => grant.scopes.length > 0 || grant.role !== null || grant.permissions.length > 0;
export const NO_RIGHTS_LEFT = "A credential must keep scopes, a role or permissions";

/** What the audit log records of a grant: its parts (rules name environments, paths and connections, never values). */
export const grantAudit = (grant: Grant) => ({ scopes: grant.scopes, role: grant.role, permissions: grant.permissions });

/** A role's rules: a built-in role's, or the custom role's stored ones (none when it no longer exists). */
export function roleRules(role: string | null, customRoleRules: readonly PermissionRule[] | null): readonly PermissionRule[] {
  if (role === null) return [];
  return isBuiltInRole(role) ? BUILT_IN_ROLE_RULES[role] : (customRoleRules ?? []);
}

export function composeRules(grant: Grant, customRoleRules: readonly PermissionRule[] | null): GrantedRules {
  const fromScopes = grant.scopes.length ? rulesForScopes(expandScopes(grant.scopes)) : { project: [], organization: [] };
  return {
    project: [...fromScopes.project, ...roleRules(grant.role, customRoleRules), ...grant.permissions],
    organization: fromScopes.organization,
  };
}

/** Stored rules are written only after validation, so they are read back as they are. */
export const parseRules = (json: string | null): PermissionRule[] => (json ? (JSON.parse(json) as PermissionRule[]) : []);

export function storedGrant(stored: StoredGrant): Grant {
  return { scopes: JSON.parse(stored.scopesJson) as Scope[], role: stored.role, permissions: parseRules(stored.permissionsJson) };
}

export const grantedRules = (stored: StoredGrant): GrantedRules =>
  composeRules(storedGrant(stored), stored.customRolePermissionsJson === null ? null : parseRules(stored.customRolePermissionsJson));

/**
 * Refuses (403 `PermissionBoundaryError`) unless `granter` may give `rules` to something bound to `projectId` (null:
 * bound to no project, which only an organization administrator may create). `what` starts the message, e.g.
 * "Failed to create the API token".
 */
export async function assertMayGrant(db: Db, granter: Actor, projectId: string | null, rules: GrantedRules, what: string): Promise<void> {
  let missing: MissingPermission[];
  if (projectId === null) {
    if (!isOrganizationAdmin(granter)) {
      throw permissionBoundaryError(`${what}: only an organization administrator can grant rights in every project`, []);
    }
    missing = ungrantedBy(granter.organizationRules, rules.organization);
  } else {
    missing = ungrantedBy(granter.projectRules(projectId) ?? [], rules.project);
  }
  if (missing.length) throw permissionBoundaryError(`${what}: you cannot grant permissions you do not hold`, missing);
  await assertMayGrantSharedConnections(db, granter, rules.project, what);
}

async function assertMayGrantSharedConnections(db: Db, granter: Actor, rules: readonly PermissionRule[], what: string): Promise<void> {
  const named = explicitlyNamedValues(rules, "connect-app-connections", "app-connections", "connectionId");
  if (!named.length) return;
  const shared = await db.select({ id: appConnections.id }).from(appConnections).where(isNull(appConnections.projectId)).all();
  const refused = shared
    .map((c) => c.id)
    .filter((id) => named.includes(id) && !canInOrganization(granter, "connect", "app-connections", { connectionId: id }));
  if (!refused.length) return;
  throw permissionBoundaryError(
    `${what}: only a caller bound to no project that may connect an organization-wide connection can grant its use`,
    refused.map((id) => ({ subject: "app-connections", action: "connect-app-connections", conditions: { connectionId: id } })),
  );
}
