/**
 * A project's roles, as Infisical's project roles: the built-in `admin`, `member`, `viewer` and `no-access`, and custom
 * roles (slug, name, description, rules) managed through the `role` permission. Tokens, identities and memberships
 * name a role by slug; renaming a custom role renames it for them too, and a role still given to anyone cannot be
 * deleted. Writing a role's rules is a grant like any other: the writer must hold them.
 */
import { and, asc, count, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { assertCan, type Actor, type GrantedRules } from "../access/actor";
import { BUILT_IN_ROLE_RULES, BUILT_IN_ROLES, type BuiltInRole } from "../access/roles";
import { projectRulesSchema, type PermissionRule } from "../access/rules";
import { auditInsert } from "../audit/audit-log";
import { runBatch, type Db } from "../db/client";
import { apiTokens, identities, projectMemberships, projectRoles } from "../db/schema";
import { badRequest, conflict, notFound } from "../lib/errors";
import { nowIso } from "../lib/time";
import { description, displayName } from "../lib/schemas";
import { getProjectRow } from "../store/projects";
import type { ActingAs } from "./context";
import { assertMayGrant, composeRules, isBuiltInRole, parseRules, roleSlugSchema, type Grant } from "./grants";

/** Most custom roles one project may define. */
export const MAX_CUSTOM_ROLES_PER_PROJECT = 50;

export const RESERVED_ROLE_SLUG = "Please choose a different slug, the slug you have entered is reserved";

type RoleRow = typeof projectRoles.$inferSelect;

const customRoleSlug = roleSlugSchema("slug").refine((slug) => !isBuiltInRole(slug), RESERVED_ROLE_SLUG);

/** A custom role as the API and the console take it. */
export const roleInputSchema = z.object({ slug: customRoleSlug, name: displayName("name"), description, permissions: projectRulesSchema });
export const roleUpdateSchema = z.object({
  slug: customRoleSlug.optional(),
  name: displayName("name").optional(),
  description,
  permissions: projectRulesSchema.optional(),
});

const BUILT_IN_ROLE_DETAILS: Record<BuiltInRole, { name: string; description: string }> = {
  admin: { name: "Admin", description: "Full administration of the project" },
  member: { name: "Developer", description: "Works with secrets, folders, imports, syncs and webhooks; reads credentials, members and roles" },
  viewer: { name: "Viewer", description: "Reads everything in the project and changes nothing" },
  "no-access": { name: "No Access", description: "No access to anything in the project" },
};

export interface PublicRole {
  /** a custom role's id; a built-in role's id is its slug */
  id: string;
  projectId: string;
  slug: string;
  name: string;
  description: string | null;
  isBuiltIn: boolean;
  permissions: readonly PermissionRule[];
  createdAt: string;
  updatedAt: string;
}

export function publicRole(row: RoleRow): PublicRole {
  const { permissionsJson, ...rest } = row;
  return { ...rest, isBuiltIn: false, permissions: parseRules(permissionsJson) };
}

function builtInRole(projectId: string, slug: BuiltInRole, since: string): PublicRole {
  const details = BUILT_IN_ROLE_DETAILS[slug];
  return { id: slug, projectId, slug, ...details, isBuiltIn: true, permissions: BUILT_IN_ROLE_RULES[slug], createdAt: since, updatedAt: since };
}

const findCustomRole = (db: Db, projectId: string, slug: string) =>
  db.select().from(projectRoles).where(and(eq(projectRoles.projectId, projectId), eq(projectRoles.slug, slug))).get();

async function roleRow(db: Db, projectId: string, roleId: string): Promise<RoleRow> {
  const row = await db.select().from(projectRoles).where(and(eq(projectRoles.id, roleId), eq(projectRoles.projectId, projectId))).get();
  if (!row) throw notFound("Project role not found");
  return row;
}

/** The rules a role gives in `projectId` (null: a credential bound to no project, which can only take a built-in role). */
export async function rulesOfRole(db: Db, projectId: string | null, slug: string): Promise<readonly PermissionRule[]> {
  if (isBuiltInRole(slug)) return BUILT_IN_ROLE_RULES[slug];
  if (projectId === null) throw badRequest(`The custom role '${slug}' can only be given to a credential bound to a project (set projectId)`);
  const row = await findCustomRole(db, projectId, slug);
  if (!row) throw notFound(`Project role with slug '${slug}' not found`);
  return parseRules(row.permissionsJson);
}

/** A grant's rules, checked against the granter: its role must exist where the grantee is bound, and all of it be held. */
export async function checkedGrant(db: Db, granter: Actor, projectId: string | null, grant: Grant, what: string): Promise<GrantedRules> {
  const roleRules = grant.role === null ? null : await rulesOfRole(db, projectId, grant.role);
  const rules = composeRules(grant, roleRules);
  await assertMayGrant(db, granter, projectId, rules, what);
  return rules;
}

/** Built-in roles first, then custom roles by slug. */
export async function listRoles({ db, actor }: ActingAs, projectId: string): Promise<PublicRole[]> {
  assertCan(actor, projectId, "read", "role");
  const project = await getProjectRow(db, projectId);
  const custom = await db.select().from(projectRoles).where(eq(projectRoles.projectId, projectId)).orderBy(asc(projectRoles.slug)).all();
  return [...BUILT_IN_ROLES.map((slug) => builtInRole(projectId, slug, project.createdAt)), ...custom.map(publicRole)];
}

export async function getRoleBySlug({ db, actor }: ActingAs, projectId: string, slug: string): Promise<PublicRole> {
  assertCan(actor, projectId, "read", "role");
  const project = await getProjectRow(db, projectId);
  if (isBuiltInRole(slug)) return builtInRole(projectId, slug, project.createdAt);
  const row = await findCustomRole(db, projectId, slug);
  if (!row) throw notFound(`Project role with slug '${slug}' not found`);
  return publicRole(row);
}

export async function getRoleById({ db, actor }: ActingAs, roleId: string): Promise<PublicRole> {
  const row = await db.select().from(projectRoles).where(eq(projectRoles.id, roleId)).get();
  if (!row) throw notFound("Project role not found");
  assertCan(actor, row.projectId, "read", "role");
  return publicRole(row);
}

export interface RoleInput {
  slug: string;
  name: string;
  description?: string | null;
  permissions: PermissionRule[];
}

export async function createRole({ db, actor, requestId }: ActingAs, projectId: string, input: RoleInput): Promise<PublicRole> {
  assertCan(actor, projectId, "create", "role");
  await getProjectRow(db, projectId);
  if (isBuiltInRole(input.slug)) throw badRequest(RESERVED_ROLE_SLUG);
  if (await findCustomRole(db, projectId, input.slug)) throw badRequest("Project role with same slug already exists");
  const [existing] = await db.select({ n: count() }).from(projectRoles).where(eq(projectRoles.projectId, projectId));
  if ((existing?.n ?? 0) >= MAX_CUSTOM_ROLES_PER_PROJECT) throw conflict(`A project can have at most ${MAX_CUSTOM_ROLES_PER_PROJECT} custom roles`);
  await assertMayGrant(db, actor, projectId, { project: input.permissions, organization: [] }, "Failed to create the role");
  const now = nowIso();
  const row: RoleRow = {
    id: crypto.randomUUID(),
    projectId,
    slug: input.slug,
    name: input.name,
    description: input.description ?? null,
    permissionsJson: JSON.stringify(input.permissions),
    createdAt: now,
    updatedAt: now,
  };
  // the unique (project, slug) index settles a concurrent duplicate
  const inserted = await db.insert(projectRoles).values(row).onConflictDoNothing().run();
  if (!inserted.meta.changes) throw badRequest("Project role with same slug already exists");
  await auditInsert(db, actor, requestId, roleAudit("project-role.create", row, { permissions: input.permissions })).run();
  return publicRole(row);
}

const roleAudit = (action: string, row: RoleRow, extra: Record<string, unknown> = {}) => ({
  action,
  projectId: row.projectId,
  targetType: "project-role",
  targetId: row.id,
  metadata: { slug: row.slug, name: row.name, ...extra },
});

export type RolePatch = Partial<RoleInput>;

/** Renaming the slug renames it wherever a token, identity or membership holds the role, in the same batch. */
export async function updateRole({ db, actor, requestId }: ActingAs, projectId: string, roleId: string, patch: RolePatch): Promise<PublicRole> {
  assertCan(actor, projectId, "edit", "role");
  const row = await roleRow(db, projectId, roleId);
  const slug = patch.slug ?? row.slug;
  if (slug !== row.slug) {
    if (isBuiltInRole(slug)) throw badRequest(RESERVED_ROLE_SLUG);
    if (await findCustomRole(db, projectId, slug)) throw badRequest("Project role with the same slug already exists");
  }
  if (patch.permissions) await assertMayGrant(db, actor, projectId, { project: patch.permissions, organization: [] }, "Failed to update the role");
  const updated: RoleRow = {
    ...row,
    slug,
    name: patch.name ?? row.name,
    description: patch.description === undefined ? row.description : patch.description,
    permissionsJson: patch.permissions ? JSON.stringify(patch.permissions) : row.permissionsJson,
    updatedAt: nowIso(),
  };
  const renamed = slug === row.slug ? [] : ROLE_HOLDERS.map((table) => db.update(table).set({ role: slug }).where(holding(table, projectId, row.slug)));
  await runBatch(db, [
    db.update(projectRoles).set(updated).where(eq(projectRoles.id, row.id)),
    ...renamed,
    auditInsert(db, actor, requestId, roleAudit("project-role.update", updated, { fields: Object.keys(patch) })),
  ]);
  return publicRole(updated);
}

/** The tables whose rows name a role by slug within a project. */
const ROLE_HOLDERS = [apiTokens, identities, projectMemberships] as const;

function holding(table: (typeof ROLE_HOLDERS)[number], projectId: string, slug: string) {
  return and(eq(table.projectId, projectId), eq(table.role, slug));
}

/** Infisical's refusals, with API tokens added: a role still given to someone stays. */
async function assertUnused(db: Db, projectId: string, slug: string): Promise<void> {
  const users = (t: typeof apiTokens | typeof identities) => db.select({ n: count() }).from(t).where(and(holding(t, projectId, slug), isNull(t.revokedAt)));
  const [[tokens], [machineIdentities], [members]] = await db.batch([
    users(apiTokens),
    users(identities),
    db.select({ n: count() }).from(projectMemberships).where(holding(projectMemberships, projectId, slug)),
  ]);
  const unassign = "Make sure to unassign them before deleting the role.";
  if (machineIdentities!.n) throw badRequest(`The role is assigned to one or more identities. ${unassign}`);
  if (members!.n) throw badRequest(`The role is assigned to one or more users. ${unassign}`);
  if (tokens!.n) throw badRequest(`The role is assigned to one or more API tokens. ${unassign}`);
}

export async function deleteRole({ db, actor, requestId }: ActingAs, projectId: string, roleId: string): Promise<PublicRole> {
  assertCan(actor, projectId, "delete", "role");
  const row = await roleRow(db, projectId, roleId);
  await assertUnused(db, projectId, row.slug);
  await runBatch(db, [db.delete(projectRoles).where(eq(projectRoles.id, row.id)), auditInsert(db, actor, requestId, roleAudit("project-role.delete", row))]);
  return publicRole(row);
}
