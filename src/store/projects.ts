/**
 * Projects and their environments, Infisical-shaped. Each environment owns a hidden root folder "/".
 *
 * Access as in Infisical: creating a project takes `workspace:create` in the organization; reading one, any access to
 * it; editing and deleting it, `workspace:edit` / `workspace:delete`; environments, the `environments` rules. Every
 * change is written together with its audit record.
 */
import { and, asc, count, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { assertCan, assertCanInOrganization } from "../access/actor";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import { runBatch, type Db } from "../db/client";
import { appConnections, environments, folders, projects, secretSyncs } from "../db/schema";
import { badRequest, conflict, notFound } from "../lib/errors";
import { slugify } from "../lib/slug";
import { nowIso } from "../lib/time";
import { assertProjectMember } from "./access";
import type { StoreContext } from "./context";

type ProjectRow = typeof projects.$inferSelect;
type EnvironmentRow = typeof environments.$inferSelect;

export const DEFAULT_ENVIRONMENTS = [
  { name: "Development", slug: "dev" },
  { name: "Staging", slug: "staging" },
  { name: "Production", slug: "prod" },
] as const;

export function publicEnvironment(row: EnvironmentRow) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    position: row.position,
    projectId: row.projectId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function publicProject(row: ProjectRow, envs: EnvironmentRow[]) {
  return {
    id: row.id,
    _id: row.id,
    name: row.name,
    description: row.description,
    slug: row.slug,
    type: "secret-manager",
    orgId: "default",
    version: 3,
    autoCapitalization: false,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    environments: [...envs].sort((a, b) => a.position - b.position).map((e) => ({ id: e.id, name: e.name, slug: e.slug })),
  };
}

export type PublicProject = ReturnType<typeof publicProject>;

function rootFolder(projectId: string, environmentId: string, now: string) {
  return { id: crypto.randomUUID(), projectId, environmentId, parentId: null, name: "root", path: "/", createdAt: now, updatedAt: now };
}

/** Runs `statements` and the audit record of the change they make, atomically. */
const commitAudited = (ctx: StoreContext, statements: BatchItem<"sqlite">[], audit: AuditEntry) =>
  runBatch(ctx.db, [...statements, auditInsert(ctx.db, ctx.actor, ctx.requestId, audit)]);

export async function createProject(ctx: StoreContext, input: { name: string; description?: string | null; slug?: string }) {
  assertCanInOrganization(ctx.actor, "create", "workspace");
  const { db } = ctx;
  const now = nowIso();
  const slug = input.slug ?? generatedProjectSlug(input.name);
  if (await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, slug)).get()) {
    throw badRequest(`A project with the slug "${slug}" already exists`);
  }
  const project: ProjectRow = { id: crypto.randomUUID(), name: input.name, slug, description: input.description ?? null, createdAt: now, updatedAt: now };
  const envs: EnvironmentRow[] = DEFAULT_ENVIRONMENTS.map((e, i) => ({
    id: crypto.randomUUID(),
    projectId: project.id,
    name: e.name,
    slug: e.slug,
    position: i + 1,
    createdAt: now,
    updatedAt: now,
  }));
  await commitAudited(
    ctx,
    [
      db.insert(projects).values(project),
      db.insert(environments).values(envs),
      db.insert(folders).values(envs.map((e) => rootFolder(project.id, e.id, now))),
    ],
    { action: "project.create", projectId: project.id, targetType: "project", targetId: project.id, metadata: { name: project.name, slug } },
  );
  return publicProject(project, envs);
}

/** Project slugs are unique across the service, so a name-derived slug gets a random suffix. */
function generatedProjectSlug(name: string): string {
  const base = slugify(name).slice(0, 27).replace(/-+$/, "") || "project";
  return `${base}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function getProjectRow(db: Db, projectId: string) {
  const row = await db.select().from(projects).where(eq(projects.id, projectId)).get();
  if (!row) throw notFound(`Project with ID '${projectId}' not found`);
  return row;
}

/** A project with no access check: for callers that checked what they do with it. */
export async function getProject(db: Db, projectId: string) {
  const row = await getProjectRow(db, projectId);
  const envs = await db.select().from(environments).where(eq(environments.projectId, projectId)).all();
  return publicProject(row, envs);
}

/** A project the actor has access to (403 otherwise, before it is looked up). */
export async function readProject(ctx: StoreContext, projectId: string) {
  assertProjectMember(ctx.actor, projectId);
  return getProject(ctx.db, projectId);
}

/** The projects the actor has any access to. */
export async function listProjects(ctx: StoreContext) {
  const { db, actor } = ctx;
  // A credential bound to a project reaches that one only: ask for it alone.
  const only = actor.projectId;
  const rows = await db
    .select()
    .from(projects)
    .where(only ? eq(projects.id, only) : undefined)
    .orderBy(asc(projects.createdAt))
    .all();
  const reachable = rows.filter((p) => actor.projectRules(p.id) !== null);
  if (!reachable.length) return [];
  const envs = await db.select().from(environments).where(only ? eq(environments.projectId, only) : undefined).all();
  return reachable.map((p) => publicProject(p, envs.filter((e) => e.projectId === p.id)));
}

export async function updateProject(
  ctx: StoreContext,
  projectId: string,
  input: { name?: string; description?: string | null; slug?: string },
) {
  assertCan(ctx.actor, projectId, "edit", "workspace");
  const { db } = ctx;
  const row = await getProjectRow(db, projectId);
  if (input.slug && input.slug !== row.slug) {
    if (await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, input.slug)).get()) {
      throw badRequest(`A project with the slug "${input.slug}" already exists`);
    }
  }
  const patch = { ...input, updatedAt: nowIso() };
  await commitAudited(ctx, [db.update(projects).set(patch).where(eq(projects.id, projectId))], {
    action: "project.update",
    projectId,
    targetType: "project",
    targetId: projectId,
    metadata: { fields: Object.keys(input) },
  });
  return getProject(db, projectId);
}

/** What still uses a project; a project in use cannot be deleted. */
async function projectDependents(db: Db, projectId: string) {
  const [connections] = await db.select({ n: count() }).from(appConnections).where(eq(appConnections.projectId, projectId));
  const [syncs] = await db.select({ n: count() }).from(secretSyncs).where(eq(secretSyncs.projectId, projectId));
  return { "app connections": connections?.n ?? 0, "secret syncs": syncs?.n ?? 0 };
}

export async function deleteProject(ctx: StoreContext, projectId: string) {
  assertCan(ctx.actor, projectId, "delete", "workspace");
  const { db } = ctx;
  const project = await getProject(db, projectId);
  const dependents = await projectDependents(db, projectId);
  const inUse = Object.entries(dependents).filter(([, n]) => n > 0);
  if (inUse.length) {
    throw conflict(`Project '${project.name}' is still used by ${inUse.map(([what, n]) => `${n} ${what}`).join(" and ")}; delete those first`);
  }
  await commitAudited(ctx, [db.delete(projects).where(eq(projects.id, projectId))], {
    action: "project.delete",
    projectId: null,
    targetType: "project",
    targetId: project.id,
    metadata: { name: project.name },
  });
  return project;
}

// ===== Environments

const environmentAudit = (action: string, environment: EnvironmentRow, metadata: Record<string, unknown>): AuditEntry => ({
  action,
  projectId: environment.projectId,
  targetType: "environment",
  targetId: environment.id,
  metadata,
});

export async function listEnvironments(ctx: StoreContext, projectId: string) {
  assertCan(ctx.actor, projectId, "read", "environments");
  await getProjectRow(ctx.db, projectId);
  const rows = await ctx.db
    .select()
    .from(environments)
    .where(eq(environments.projectId, projectId))
    .orderBy(asc(environments.position))
    .all();
  return rows.map(publicEnvironment);
}

export async function getEnvironment(ctx: StoreContext, projectId: string, environmentId: string) {
  assertCan(ctx.actor, projectId, "read", "environments");
  return publicEnvironment(await getEnvironmentRow(ctx.db, projectId, environmentId));
}

async function getEnvironmentRow(db: Db, projectId: string, environmentId: string) {
  const row = await db
    .select()
    .from(environments)
    .where(and(eq(environments.projectId, projectId), eq(environments.id, environmentId)))
    .get();
  if (!row) throw notFound(`Environment with id '${environmentId}' in project with ID '${projectId}' not found`);
  return row;
}

export async function findEnvironmentBySlug(db: Db, projectId: string, slug: string) {
  const row = await db
    .select()
    .from(environments)
    .where(and(eq(environments.projectId, projectId), eq(environments.slug, slug)))
    .get();
  if (!row) throw notFound(`Environment with slug '${slug}' in project with ID '${projectId}' not found`);
  return row;
}

/** Positions are 1-based and dense; placing `moving` at `position` shifts the others. */
function reorder(rows: EnvironmentRow[], moving: EnvironmentRow, position: number | undefined) {
  const others = rows.filter((r) => r.id !== moving.id).sort((a, b) => a.position - b.position);
  const index = position === undefined ? others.length : Math.min(Math.max(position, 1), others.length + 1) - 1;
  others.splice(index, 0, moving);
  return others.map((r, i) => ({ ...r, position: i + 1 }));
}

async function assertSlugFree(db: Db, projectId: string, slug: string, exceptId?: string) {
  const taken = await db
    .select({ id: environments.id })
    .from(environments)
    .where(and(eq(environments.projectId, projectId), eq(environments.slug, slug)))
    .get();
  if (taken && taken.id !== exceptId) throw badRequest("Environment with slug already exists");
}

export async function createEnvironment(ctx: StoreContext, projectId: string, input: { name: string; slug: string; position?: number }) {
  assertCan(ctx.actor, projectId, "create", "environments");
  const { db } = ctx;
  await getProjectRow(db, projectId);
  await assertSlugFree(db, projectId, input.slug);
  const now = nowIso();
  const existing = await db.select().from(environments).where(eq(environments.projectId, projectId)).all();
  const created: EnvironmentRow = { id: crypto.randomUUID(), projectId, name: input.name, slug: input.slug, position: 0, createdAt: now, updatedAt: now };
  const ordered = reorder(existing, created, input.position);
  const placed = ordered.find((r) => r.id === created.id)!;
  const moved = ordered.filter((r) => r.id !== created.id && r.position !== existing.find((e) => e.id === r.id)?.position);
  await commitAudited(
    ctx,
    [
      db.insert(environments).values(placed),
      db.insert(folders).values(rootFolder(projectId, created.id, now)),
      ...moved.map((r) => db.update(environments).set({ position: r.position }).where(eq(environments.id, r.id))),
    ],
    environmentAudit("environment.create", placed, { slug: placed.slug }),
  );
  return publicEnvironment(placed);
}

export async function updateEnvironment(
  ctx: StoreContext,
  projectId: string,
  environmentId: string,
  input: { name?: string; slug?: string; position?: number },
) {
  assertCan(ctx.actor, projectId, "edit", "environments");
  const { db } = ctx;
  const current = await getEnvironmentRow(db, projectId, environmentId);
  if (input.slug && input.slug !== current.slug) await assertSlugFree(db, projectId, input.slug, environmentId);
  const now = nowIso();
  const updated: EnvironmentRow = { ...current, name: input.name ?? current.name, slug: input.slug ?? current.slug, updatedAt: now };
  const existing = await db.select().from(environments).where(eq(environments.projectId, projectId)).all();
  const ordered = input.position === undefined ? existing.map((r) => (r.id === environmentId ? updated : r)) : reorder(existing, updated, input.position);
  const changed = ordered.filter((r) => {
    const before = existing.find((e) => e.id === r.id)!;
    return r.id === environmentId || r.position !== before.position;
  });
  await commitAudited(
    ctx,
    changed.map((r) => db.update(environments).set({ name: r.name, slug: r.slug, position: r.position, updatedAt: r.updatedAt }).where(eq(environments.id, r.id))),
    environmentAudit("environment.update", updated, { fields: Object.keys(input) }),
  );
  return publicEnvironment(ordered.find((r) => r.id === environmentId)!);
}

export async function deleteEnvironment(ctx: StoreContext, projectId: string, environmentId: string) {
  assertCan(ctx.actor, projectId, "delete", "environments");
  const { db } = ctx;
  const current = await getEnvironmentRow(db, projectId, environmentId);
  const rest = await db
    .select()
    .from(environments)
    .where(and(eq(environments.projectId, projectId)))
    .orderBy(asc(environments.position))
    .all();
  const remaining = rest.filter((r) => r.id !== environmentId);
  await commitAudited(
    ctx,
    [
      db.delete(environments).where(eq(environments.id, environmentId)),
      ...remaining.map((r, i) => db.update(environments).set({ position: i + 1 }).where(eq(environments.id, r.id))),
    ],
    environmentAudit("environment.delete", current, { slug: current.slug }),
  );
  return publicEnvironment(current);
}
