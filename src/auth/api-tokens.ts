/**
 * API tokens: shown once at creation, stored only as a SHA-256 hash, optionally project-bound. What a token may do is
 * its scopes, role and permissions (`grants`). Managing tokens needs the `service-tokens` permission in the token's
 * project (organization-wide for tokens bound to no project), and a token can only be given rights its creator holds.
 */
import { and, desc, eq, isNull, type SQL } from "drizzle-orm";
import { assertCan, assertCanInOrganization, credentialActor, type Actor } from "../access/actor";
import type { PermissionRule } from "../access/rules";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import { runBatch, type Db } from "../db/client";
import { apiTokens, projectRoles } from "../db/schema";
import { randomToken, sha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import { badRequest, notFound } from "../lib/errors";
import { nowIso } from "../lib/time";
import { getProjectRow } from "../store/projects";
import type { ActingAs, Credential } from "./context";
import { grantAudit, grantedRules, grantOf, hasAnyRight, NO_RIGHTS_LEFT, parseRules } from "./grants";
import { checkedGrant } from "./project-roles";
import type { Scope } from "./scopes";

export const API_TOKEN_PREFIX = "qsk_";
/** lastUsedAt is refreshed at most this often, so reads do not turn into writes on every request */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface CreateApiTokenInput {
  name: string;
  projectId: string | null;
  scopes?: Scope[];
  role?: string;
  permissions?: PermissionRule[];
  expiresAt: string | null;
}

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export function publicApiToken(row: ApiTokenRow) {
  return {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    scopes: JSON.parse(row.scopesJson) as Scope[],
    role: row.role,
    permissions: parseRules(row.permissionsJson),
    tokenPrefix: row.tokenPrefix,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
  };
}

type ManageAction = "read" | "create" | "edit" | "delete";

/** A token is managed in its project, or organization-wide when it is bound to none. */
function assertMayManage(actor: Actor, action: ManageAction, projectId: string | null): void {
  if (projectId === null) assertCanInOrganization(actor, action, "service-tokens");
  else assertCan(actor, projectId, action, "service-tokens");
}


export async function createApiToken({ db, actor, requestId }: ActingAs, input: CreateApiTokenInput) {
  assertMayManage(actor, "create", input.projectId);
  if (input.projectId) await getProjectRow(db, input.projectId);
  if (input.expiresAt && Date.parse(input.expiresAt) <= Date.now()) throw badRequest("expiresAt must be in the future");
  const grant = grantOf(input);
  await checkedGrant(db, actor, input.projectId, grant, "Failed to create the API token");
  const token = randomToken(API_TOKEN_PREFIX.slice(0, -1));
  const row: ApiTokenRow = {
    id: crypto.randomUUID(),
    name: input.name,
    projectId: input.projectId,
    scopesJson: JSON.stringify(grant.scopes),
    role: grant.role,
    permissionsJson: grant.permissions.length ? JSON.stringify(grant.permissions) : null,
    tokenHash: await sha256Hex(token),
    tokenPrefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
    revokedAt: null,
    lastUsedAt: null,
    createdAt: nowIso(),
  };
  await runBatch(db, [db.insert(apiTokens).values(row), auditInsert(db, actor, requestId, tokenAudit("api-token.create", row, grantAudit(grant)))]);
  return { token, apiToken: publicApiToken(row) };
}

const tokenAudit = (action: string, row: ApiTokenRow, metadata: Record<string, unknown> = {}): AuditEntry => ({
  action,
  projectId: row.projectId,
  targetType: "api-token",
  targetId: row.id,
  metadata: { name: row.name, ...metadata },
});

/** The tokens of `projectId` (the caller's own project when it is bound to one), or every token organization-wide. */
export async function listApiTokens({ db, actor }: ActingAs, projectId?: string) {
  const project = projectId ?? actor.projectId;
  assertMayManage(actor, "read", project);
  const rows = await db
    .select()
    .from(apiTokens)
    .where(project ? eq(apiTokens.projectId, project) : undefined)
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(publicApiToken);
}

async function tokenRow(db: Db, id: string): Promise<ApiTokenRow> {
  const row = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
  if (!row) throw notFound(`API token with ID "${id}" not found`);
  return row;
}

export async function getApiToken({ db, actor }: ActingAs, id: string) {
  const row = await tokenRow(db, id);
  assertMayManage(actor, "read", row.projectId);
  return publicApiToken(row);
}

export interface ApiTokenPatch {
  name?: string;
  scopes?: Scope[];
  role?: string | null;
  permissions?: PermissionRule[] | null;
}

/** Changes a token's name or rights; new rights are a grant like at creation. */
export async function updateApiToken({ db, actor, requestId }: ActingAs, id: string, patch: ApiTokenPatch) {
  const row = await tokenRow(db, id);
  assertMayManage(actor, "edit", row.projectId);
  const current = { scopes: JSON.parse(row.scopesJson) as Scope[], role: row.role, permissions: parseRules(row.permissionsJson) };
  const grant = grantOf({ ...current, ...patch });
  const regrants = patch.scopes !== undefined || patch.role !== undefined || patch.permissions !== undefined;
  if (regrants) {
    if (!hasAnyRight(grant)) throw badRequest(NO_RIGHTS_LEFT);
    await checkedGrant(db, actor, row.projectId, grant, "Failed to update the API token");
  }
  const updated: ApiTokenRow = {
    ...row,
    name: patch.name ?? row.name,
    scopesJson: JSON.stringify(grant.scopes),
    role: grant.role,
    permissionsJson: grant.permissions.length ? JSON.stringify(grant.permissions) : null,
  };
  const metadata = { fields: Object.keys(patch), ...(regrants ? grantAudit(grant) : {}) };
  await runBatch(db, [
    db.update(apiTokens).set(updated).where(eq(apiTokens.id, id)),
    auditInsert(db, actor, requestId, tokenAudit("api-token.update", updated, metadata)),
  ]);
  return publicApiToken(updated);
}

export async function revokeApiToken({ db, actor, requestId }: ActingAs, id: string) {
  const row = await tokenRow(db, id);
  assertMayManage(actor, "delete", row.projectId);
  if (row.revokedAt) return publicApiToken(row);
  const revokedAt = nowIso();
  await runBatch(db, [
    db.update(apiTokens).set({ revokedAt }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))),
    auditInsert(db, actor, requestId, tokenAudit("api-token.revoke", row)),
  ]);
  return publicApiToken({ ...row, revokedAt });
}

type Background = (p: Promise<unknown>) => void;

/** One query: the token and, when its role is a custom role of its project, that role's rules. */
function tokenWhere(db: Db, condition: SQL) {
  return db
    .select({ token: apiTokens, customRolePermissionsJson: projectRoles.permissionsJson })
    .from(apiTokens)
    .leftJoin(projectRoles, and(eq(projectRoles.projectId, apiTokens.projectId), eq(projectRoles.slug, apiTokens.role)))
    .where(condition)
    .get();
}

type TokenWithRole = NonNullable<Awaited<ReturnType<typeof tokenWhere>>>;

export async function resolveApiToken(db: Db, token: string, background: Background): Promise<Credential | null> {
  const hash = await sha256Hex(token);
  const found = await tokenWhere(db, eq(apiTokens.tokenHash, hash));
  if (!found || !(await timingSafeEqualStrings(found.token.tokenHash, hash))) return null;
  return activeToken(db, found, background);
}

/** The caller a console session signed in with this token stands for, while the token is neither revoked nor expired. */
export async function resolveApiTokenById(db: Db, id: string, background: Background): Promise<Credential | null> {
  const found = await tokenWhere(db, eq(apiTokens.id, id));
  return found ? activeToken(db, found, background) : null;
}

function activeToken(db: Db, { token: row, customRolePermissionsJson }: TokenWithRole, background: Background): Credential | null {
  const now = nowIso();
  if (row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || Date.parse(now) - Date.parse(row.lastUsedAt) > LAST_USED_GRANULARITY_MS) {
    background(db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id)).run());
  }
  const rules = grantedRules({ ...row, customRolePermissionsJson });
  return { actor: credentialActor({ kind: "api-token", id: row.id, name: row.name, projectId: row.projectId, rules }), credentialId: row.id };
}
