/**
 * People and their project memberships. A person is known by the email Cloudflare Access vouches for; their row is
 * created on first sign-in (or when an administrator adds them to a project) with no access. Their rules in a
 * project are their membership's role there (built-in or custom), read fresh on every request in one query, so a
 * removed membership or a changed role applies at once. Administrators (`ADMIN_EMAILS`) may do everything.
 *
 * Memberships are managed with the `member` permission, in Infisical's shapes (`…/projects/:projectId/memberships`);
 * giving someone a role is a grant, so the caller must hold the role's rules.
 */
import { and, asc, count, eq, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import { assertCan, personActor, type Actor } from "../access/actor";
import type { PermissionRule } from "../access/rules";
import { auditInsert } from "../audit/audit-log";
import { chunk, itemsPerStatement, rowsPerInsert } from "../db/chunks";
import { runBatch, type Db } from "../db/client";
import { projectMemberships, projectRoles, users } from "../db/schema";
import { badRequest, conflict, notFound } from "../lib/errors";
import { nowIso } from "../lib/time";
import { getProjectRow } from "../store/projects";
import type { ActingAs, Credential } from "./context";
import { assertMayGrant, isBuiltInRole, parseRules, roleRules } from "./grants";
import { rulesOfRole } from "./project-roles";

/** Most members one project may have. */
export const MAX_MEMBERS_PER_PROJECT = 500;
/** Most people one request may add or remove. */
export const MAX_EMAILS_PER_REQUEST = 50;
/** lastSignInAt is refreshed at most this often, so requests do not all turn into writes. */
const LAST_SIGN_IN_GRANULARITY_MS = 60_000;

type UserRow = typeof users.$inferSelect;
type MembershipRow = typeof projectMemberships.$inferSelect;
type Background = (p: Promise<unknown>) => void;

// ----- who a person is, per request

function personRows(db: Db, condition: SQL) {
  return db
    .select({ user: users, projectId: projectMemberships.projectId, role: projectMemberships.role, customRole: projectRoles.permissionsJson })
    .from(users)
    .leftJoin(projectMemberships, eq(projectMemberships.userId, users.id))
    .leftJoin(projectRoles, and(eq(projectRoles.projectId, projectMemberships.projectId), eq(projectRoles.slug, projectMemberships.role)))
    .where(condition)
    .all();
}

type PersonRow = Awaited<ReturnType<typeof personRows>>[number];

function personCaller(db: Db, rows: PersonRow[], isAdmin: boolean, background: Background): Credential {
  const user = rows[0]!.user;
  const now = nowIso();
  if (!user.lastSignInAt || Date.parse(now) - Date.parse(user.lastSignInAt) > LAST_SIGN_IN_GRANULARITY_MS) {
    background(db.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id)).run());
  }
  const memberships = new Map<string, readonly PermissionRule[]>();
  for (const row of rows) {
    if (row.projectId === null || row.role === null) continue;
    memberships.set(row.projectId, roleRules(row.role, row.customRole === null ? null : parseRules(row.customRole)));
  }
  return { actor: personActor({ id: user.id, email: user.email, isAdmin, memberships }), credentialId: user.id };
}

/** The person with this (lower-cased) email, creating their row on first sign-in. */
export async function personByEmail(db: Db, email: string, isAdmin: boolean, background: Background): Promise<Credential> {
  let rows = await personRows(db, eq(users.email, email));
  if (!rows.length) {
    await db.insert(users).values({ id: crypto.randomUUID(), email, createdAt: nowIso(), lastSignInAt: null }).onConflictDoNothing();
    rows = await personRows(db, eq(users.email, email));
  }
  return personCaller(db, rows, isAdmin, background);
}

/** The person a console session stands for, or null when their row is gone. */
export async function personById(db: Db, userId: string, adminEmails: ReadonlySet<string>, background: Background): Promise<Credential | null> {
  const rows = await personRows(db, eq(users.id, userId));
  return rows.length ? personCaller(db, rows, adminEmails.has(rows[0]!.user.email), background) : null;
}

// ----- memberships

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Longest email address (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;
export const emailSchema = z
  .string({ error: "an email address is required" })
  .trim()
  .max(MAX_EMAIL_LENGTH, `an email address is at most ${MAX_EMAIL_LENGTH} characters`)
  .pipe(z.email({ error: "must be an email address" }));

interface MembershipView {
  membership: MembershipRow;
  user: UserRow;
  customRoleId: string | null;
  customRoleName: string | null;
}

/** Infisical's membership shape (one role per membership here), plus `role` for convenience. */
export function publicMembership({ membership, user, customRoleId, customRoleName }: MembershipView) {
  const custom = !isBuiltInRole(membership.role);
  return {
    id: membership.id,
    projectId: membership.projectId,
    userId: user.id,
    role: membership.role,
    createdAt: membership.createdAt,
    updatedAt: membership.updatedAt,
    user: { id: user.id, email: user.email, username: user.email, firstName: null, lastName: null, lastSignInAt: user.lastSignInAt },
    roles: [
      {
        id: membership.id,
        role: custom ? "custom" : membership.role,
        customRoleId: custom ? customRoleId : null,
        customRoleSlug: custom ? membership.role : null,
        customRoleName: custom ? customRoleName : null,
        isTemporary: false,
      },
    ],
  };
}

export type PublicMembership = ReturnType<typeof publicMembership>;

function membershipViews(db: Db, condition: SQL) {
  return db
    .select({ membership: projectMemberships, user: users, customRoleId: projectRoles.id, customRoleName: projectRoles.name })
    .from(projectMemberships)
    .innerJoin(users, eq(users.id, projectMemberships.userId))
    .leftJoin(projectRoles, and(eq(projectRoles.projectId, projectMemberships.projectId), eq(projectRoles.slug, projectMemberships.role)))
    .where(condition)
    .orderBy(asc(users.email))
    .all();
}

async function membershipView(db: Db, projectId: string, membershipId: string): Promise<MembershipView> {
  const [view] = await membershipViews(db, and(eq(projectMemberships.id, membershipId), eq(projectMemberships.projectId, projectId))!);
  if (!view) throw notFound(`Project membership with ID '${membershipId}' not found`);
  return view;
}

const membershipAudit = (action: string, view: { membership: MembershipRow; user: UserRow }) => ({
  action,
  projectId: view.membership.projectId,
  targetType: "project-membership",
  targetId: view.membership.id,
  metadata: { email: view.user.email, role: view.membership.role },
});

async function assertMayGiveRole(db: Db, actor: Actor, projectId: string, role: string, what: string): Promise<void> {
  const rules = await rulesOfRole(db, projectId, role);
  await assertMayGrant(db, actor, projectId, { project: rules, organization: [] }, what);
}

export async function listMemberships({ db, actor }: ActingAs, projectId: string): Promise<PublicMembership[]> {
  assertCan(actor, projectId, "read", "member");
  await getProjectRow(db, projectId);
  return (await membershipViews(db, eq(projectMemberships.projectId, projectId))).map(publicMembership);
}

export async function getMembership({ db, actor }: ActingAs, projectId: string, membershipId: string): Promise<PublicMembership> {
  assertCan(actor, projectId, "read", "member");
  return publicMembership(await membershipView(db, projectId, membershipId));
}

/** Adds people by email with one role, creating the rows of people who never signed in. */
export async function addMembers({ db, actor, requestId }: ActingAs, projectId: string, emails: string[], role: string): Promise<PublicMembership[]> {
  assertCan(actor, projectId, "create", "member");
  await getProjectRow(db, projectId);
  const wanted = [...new Set(emails.map(normalizeEmail))];
  if (!wanted.length) throw badRequest("Name at least one email to add");
  if (wanted.length > MAX_EMAILS_PER_REQUEST) throw badRequest(`At most ${MAX_EMAILS_PER_REQUEST} people can be added at once`);
  await assertMayGiveRole(db, actor, projectId, role, "Failed to add the members");

  const now = nowIso();
  const newUsers = wanted.map((email) => ({ id: crypto.randomUUID(), email, createdAt: now, lastSignInAt: null }));
  await runBatch(db, chunk(newUsers, rowsPerInsert(users)).map((part) => db.insert(users).values(part).onConflictDoNothing()));
  const people = await db.select().from(users).where(inArray(users.email, wanted)).all();
  const already = await membershipViews(db, and(eq(projectMemberships.projectId, projectId), inArray(projectMemberships.userId, people.map((p) => p.id)))!);
  if (already.length) throw badRequest(`Already members of this project: ${already.map((v) => v.user.email).join(", ")}`);
  const [members] = await db.select({ n: count() }).from(projectMemberships).where(eq(projectMemberships.projectId, projectId));
  if ((members?.n ?? 0) + people.length > MAX_MEMBERS_PER_PROJECT) throw conflict(`A project can have at most ${MAX_MEMBERS_PER_PROJECT} members`);

  const views = people.map((user) => ({
    user,
    membership: { id: crypto.randomUUID(), projectId, userId: user.id, role, createdAt: now, updatedAt: now } satisfies MembershipRow,
  }));
  await runBatch(db, [
    // the unique (project, user) index refuses a concurrent duplicate, failing the whole batch
    ...chunk(views.map((v) => v.membership), rowsPerInsert(projectMemberships)).map((part) => db.insert(projectMemberships).values(part)),
    ...views.map((view) => auditInsert(db, actor, requestId, membershipAudit("project-membership.create", view))),
  ]);
  const custom = isBuiltInRole(role)
    ? null
    : await db.select().from(projectRoles).where(and(eq(projectRoles.projectId, projectId), eq(projectRoles.slug, role))).get();
  return views.map((view) => publicMembership({ ...view, customRoleId: custom?.id ?? null, customRoleName: custom?.name ?? null }));
}

export async function updateMembershipRole(
  { db, actor, requestId }: ActingAs,
  projectId: string,
  membershipId: string,
  role: string,
): Promise<PublicMembership> {
  assertCan(actor, projectId, "edit", "member");
  const view = await membershipView(db, projectId, membershipId);
  await assertMayGiveRole(db, actor, projectId, role, "Failed to change the member's role");
  const membership: MembershipRow = { ...view.membership, role, updatedAt: nowIso() };
  await runBatch(db, [
    db.update(projectMemberships).set({ role, updatedAt: membership.updatedAt }).where(eq(projectMemberships.id, membershipId)),
    auditInsert(db, actor, requestId, membershipAudit("project-membership.update", { membership, user: view.user })),
  ]);
  return publicMembership(await membershipView(db, projectId, membershipId));
}

async function removeViews({ db, actor, requestId }: ActingAs, views: MembershipView[]): Promise<PublicMembership[]> {
  await runBatch(db, [
    ...chunk(views.map((v) => v.membership.id), itemsPerStatement(0)).map((ids) => db.delete(projectMemberships).where(inArray(projectMemberships.id, ids))),
    ...views.map((view) => auditInsert(db, actor, requestId, membershipAudit("project-membership.delete", view))),
  ]);
  return views.map(publicMembership);
}

export async function removeMembership(call: ActingAs, projectId: string, membershipId: string): Promise<PublicMembership> {
  assertCan(call.actor, projectId, "delete", "member");
  const [removed] = await removeViews(call, [await membershipView(call.db, projectId, membershipId)]);
  return removed!;
}

/** Removes the named people's memberships; emails of non-members are ignored, none at all is a 404. */
export async function removeMembersByEmail(call: ActingAs, projectId: string, emails: string[]): Promise<PublicMembership[]> {
  assertCan(call.actor, projectId, "delete", "member");
  const wanted = [...new Set(emails.map(normalizeEmail))];
  if (wanted.length > MAX_EMAILS_PER_REQUEST) throw badRequest(`At most ${MAX_EMAILS_PER_REQUEST} people can be removed at once`);
  const views = wanted.length ? await membershipViews(call.db, and(eq(projectMemberships.projectId, projectId), inArray(users.email, wanted))!) : [];
  if (!views.length) throw notFound("None of these people is a member of this project");
  return removeViews(call, views);
}

/** The actor's own membership in a project (people only), as Infisical's permissions route lists it. */
export async function ownMemberships(db: Db, actor: Actor, projectId: string) {
  if (actor.kind !== "person") return [];
  const rows = await db
    .select({ id: projectMemberships.id, role: projectMemberships.role })
    .from(projectMemberships)
    .where(and(eq(projectMemberships.projectId, projectId), eq(projectMemberships.userId, actor.id)))
    .all();
  return rows.map((row) => ({ id: row.id, actorUserId: actor.id, roles: [{ role: row.role }] }));
}
