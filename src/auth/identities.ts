/**
 * Machine identities with universal auth (client id + client secret → short-lived access token), so Infisical's
 * official SDK and CLI can log in. Client secrets and access tokens are stored only as SHA-256 hashes. What an
 * identity may do is its scopes, role and permissions (`grants`); managing identities needs the `identity`
 * permission in the identity's project (organization-wide for identities bound to no project).
 */
import { and, desc, eq, isNull, type SQL } from "drizzle-orm";
import { assertCan, assertCanInOrganization, credentialActor, type Actor } from "../access/actor";
import type { PermissionRule } from "../access/rules";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import { runBatch, type Db } from "../db/client";
import { identities, identityAccessTokens, identityClientSecrets, projectRoles } from "../db/schema";
import { randomToken, sha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import { badRequest, notFound, unauthorized } from "../lib/errors";
import { addSeconds, nowIso } from "../lib/time";
import { getProjectRow } from "../store/projects";
import type { ActingAs, Credential } from "./context";
import { grantAudit, grantedRules, grantOf, hasAnyRight, NO_RIGHTS_LEFT, parseRules, storedGrant } from "./grants";
import { checkedGrant } from "./project-roles";
import type { Scope } from "./scopes";

export const ACCESS_TOKEN_PREFIX = "qsa_";
const CLIENT_SECRET_PREFIX = "qsc";
export const DEFAULT_ACCESS_TOKEN_TTL = 2_592_000; // 30 days, as Infisical
const LAST_USED_GRANULARITY_MS = 60_000;

type IdentityRow = typeof identities.$inferSelect;
type Background = (p: Promise<unknown>) => void;
type ClientSecretRow = typeof identityClientSecrets.$inferSelect;

export function publicIdentity(row: IdentityRow) {
  return {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    scopes: JSON.parse(row.scopesJson) as Scope[],
    role: row.role,
    permissions: parseRules(row.permissionsJson),
    clientId: row.clientId,
    accessTokenTTL: row.accessTokenTtl,
    accessTokenMaxTTL: row.accessTokenMaxTtl,
    revokedAt: row.revokedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function publicClientSecret(row: ClientSecretRow) {
  return {
    id: row.id,
    identityId: row.identityId,
    description: row.description,
    clientSecretPrefix: row.secretPrefix,
    isClientSecretRevoked: row.revokedAt !== null,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
  };
}

type ManageAction = "read" | "create" | "edit" | "delete";

/** An identity is managed in its project, or organization-wide when it is bound to none. */
function assertMayManage(actor: Actor, action: ManageAction, projectId: string | null): void {
  if (projectId === null) assertCanInOrganization(actor, action, "identity");
  else assertCan(actor, projectId, action, "identity");
}

const identityAudit = (action: string, row: IdentityRow, metadata: Record<string, unknown> = {}): AuditEntry => ({
  action,
  projectId: row.projectId,
  targetType: "identity",
  targetId: row.id,
  metadata: { name: row.name, ...metadata },
});

export interface CreateIdentityInput {
  name: string;
  projectId: string | null;
  scopes?: Scope[];
  role?: string;
  permissions?: PermissionRule[];
  accessTokenTTL: number;
  accessTokenMaxTTL: number;
}

export async function createIdentity({ db, actor, requestId }: ActingAs, input: CreateIdentityInput) {
  assertMayManage(actor, "create", input.projectId);
  if (input.projectId) await getProjectRow(db, input.projectId);
  const grant = grantOf(input);
  await checkedGrant(db, actor, input.projectId, grant, "Failed to create the identity");
  const now = nowIso();
  const row: IdentityRow = {
    id: crypto.randomUUID(),
    name: input.name,
    projectId: input.projectId,
    scopesJson: JSON.stringify(grant.scopes),
    role: grant.role,
    permissionsJson: grant.permissions.length ? JSON.stringify(grant.permissions) : null,
    clientId: crypto.randomUUID(),
    accessTokenTtl: input.accessTokenTTL,
    accessTokenMaxTtl: input.accessTokenMaxTTL,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await runBatch(db, [db.insert(identities).values(row), auditInsert(db, actor, requestId, identityAudit("identity.create", row, grantAudit(grant)))]);
  return publicIdentity(row);
}

async function identityRow(db: Db, id: string): Promise<IdentityRow> {
  const row = await db.select().from(identities).where(eq(identities.id, id)).get();
  if (!row) throw notFound(`Identity with ID "${id}" not found`);
  return row;
}

export async function getIdentity({ db, actor }: ActingAs, id: string) {
  const row = await identityRow(db, id);
  assertMayManage(actor, "read", row.projectId);
  return publicIdentity(row);
}

/** The identities of `projectId` (the caller's own project when it is bound to one), or every one organization-wide. */
export async function listIdentities({ db, actor }: ActingAs, projectId?: string) {
  const project = projectId ?? actor.projectId;
  assertMayManage(actor, "read", project);
  const rows = await db
    .select()
    .from(identities)
    .where(project ? eq(identities.projectId, project) : undefined)
    .orderBy(desc(identities.createdAt));
  return rows.map(publicIdentity);
}

export interface IdentityPatch {
  name?: string;
  scopes?: Scope[];
  role?: string | null;
  permissions?: PermissionRule[] | null;
}

/** Changes an identity's name or rights (its access tokens carry the new rights from their next request). */
export async function updateIdentity({ db, actor, requestId }: ActingAs, id: string, patch: IdentityPatch) {
  const row = await identityRow(db, id);
  assertMayManage(actor, "edit", row.projectId);
  const grant = grantOf({ ...storedGrant({ ...row, customRolePermissionsJson: null }), ...patch });
  const regrants = patch.scopes !== undefined || patch.role !== undefined || patch.permissions !== undefined;
  if (regrants) {
    if (!hasAnyRight(grant)) throw badRequest(NO_RIGHTS_LEFT);
    await checkedGrant(db, actor, row.projectId, grant, "Failed to update the identity");
  }
  const updated: IdentityRow = {
    ...row,
    name: patch.name ?? row.name,
    scopesJson: JSON.stringify(grant.scopes),
    role: grant.role,
    permissionsJson: grant.permissions.length ? JSON.stringify(grant.permissions) : null,
    updatedAt: nowIso(),
  };
  const metadata = { fields: Object.keys(patch), ...(regrants ? grantAudit(grant) : {}) };
  await runBatch(db, [
    db.update(identities).set(updated).where(eq(identities.id, id)),
    auditInsert(db, actor, requestId, identityAudit("identity.update", updated, metadata)),
  ]);
  return publicIdentity(updated);
}

/** Revoking an identity ends every access token it holds at once (tokens are checked against it on each use). */
export async function revokeIdentity({ db, actor, requestId }: ActingAs, id: string) {
  const row = await identityRow(db, id);
  assertMayManage(actor, "delete", row.projectId);
  if (row.revokedAt) return publicIdentity(row);
  const now = nowIso();
  await runBatch(db, [
    db.update(identities).set({ revokedAt: now, updatedAt: now }).where(eq(identities.id, id)),
    db.update(identityAccessTokens).set({ revokedAt: now }).where(and(eq(identityAccessTokens.identityId, id), isNull(identityAccessTokens.revokedAt))),
    auditInsert(db, actor, requestId, identityAudit("identity.revoke", row)),
  ]);
  return publicIdentity({ ...row, revokedAt: now, updatedAt: now });
}

/**
 * A client secret lets its holder act as the identity, so creating one is a grant of the identity's rights: the
 * caller must hold them all (an identity bound to no project: an organization administrator).
 */
export async function createClientSecret({ db, actor, requestId }: ActingAs, identityId: string, description: string) {
  const identity = await identityRow(db, identityId);
  assertMayManage(actor, "edit", identity.projectId);
  await checkedGrant(db, actor, identity.projectId, storedGrant({ ...identity, customRolePermissionsJson: null }), "Failed to create a client secret");
  const clientSecret = randomToken(CLIENT_SECRET_PREFIX);
  const row: ClientSecretRow = {
    id: crypto.randomUUID(),
    identityId,
    description,
    secretHash: await sha256Hex(clientSecret),
    secretPrefix: clientSecret.slice(0, CLIENT_SECRET_PREFIX.length + 5),
    revokedAt: null,
    lastUsedAt: null,
    createdAt: nowIso(),
  };
  await runBatch(db, [
    db.insert(identityClientSecrets).values(row),
    auditInsert(db, actor, requestId, identityAudit("identity.client-secret.create", identity, { clientSecretId: row.id })),
  ]);
  return { clientSecret, clientSecretData: publicClientSecret(row) };
}

export async function listClientSecrets({ db, actor }: ActingAs, identityId: string) {
  const identity = await identityRow(db, identityId);
  assertMayManage(actor, "read", identity.projectId);
  const rows = await db
    .select()
    .from(identityClientSecrets)
    .where(eq(identityClientSecrets.identityId, identityId))
    .orderBy(desc(identityClientSecrets.createdAt));
  return rows.map(publicClientSecret);
}

export async function revokeClientSecret({ db, actor, requestId }: ActingAs, identityId: string, clientSecretId: string) {
  const identity = await identityRow(db, identityId);
  assertMayManage(actor, "edit", identity.projectId);
  const row = await db
    .select()
    .from(identityClientSecrets)
    .where(and(eq(identityClientSecrets.id, clientSecretId), eq(identityClientSecrets.identityId, identityId)))
    .get();
  if (!row) throw notFound(`Client secret with ID "${clientSecretId}" not found`);
  if (row.revokedAt) return publicClientSecret(row);
  const now = nowIso();
  await runBatch(db, [
    db.update(identityClientSecrets).set({ revokedAt: now }).where(eq(identityClientSecrets.id, clientSecretId)),
    db.update(identityAccessTokens).set({ revokedAt: now }).where(and(eq(identityAccessTokens.clientSecretId, clientSecretId), isNull(identityAccessTokens.revokedAt))),
    auditInsert(db, actor, requestId, identityAudit("identity.client-secret.revoke", identity, { clientSecretId })),
  ]);
  return publicClientSecret({ ...row, revokedAt: now });
}

export interface AccessTokenResponse {
  accessToken: string;
  expiresIn: number;
  accessTokenMaxTTL: number;
  tokenType: "Bearer";
}

const INVALID_CREDENTIALS = "Invalid credentials";

/**
 * Universal-auth login. Unknown client id and wrong secret get the same answer, and every active secret of the
 * identity is compared in constant time, so nothing distinguishes the two cases.
 */
export async function loginWithClientSecret(db: Db, clientId: string, clientSecret: string): Promise<AccessTokenResponse> {
  const identity = await db.select().from(identities).where(eq(identities.clientId, clientId)).get();
  const candidates = identity
    ? await db.select().from(identityClientSecrets).where(and(eq(identityClientSecrets.identityId, identity.id), isNull(identityClientSecrets.revokedAt))).all()
    : [];
  const presentedHash = await sha256Hex(clientSecret);
  let matched: ClientSecretRow | undefined;
  for (const candidate of candidates) {
    if (await timingSafeEqualStrings(candidate.secretHash, presentedHash)) matched = candidate;
  }
  if (!identity || identity.revokedAt || !matched) throw unauthorized(INVALID_CREDENTIALS);

  const now = nowIso();
  const accessToken = randomToken(ACCESS_TOKEN_PREFIX.slice(0, -1));
  const maxExpiresAt = addSeconds(now, identity.accessTokenMaxTtl);
  const expiresAt = minIso(addSeconds(now, identity.accessTokenTtl), maxExpiresAt);
  await db.batch([
    db.insert(identityAccessTokens).values({
      id: crypto.randomUUID(),
      identityId: identity.id,
      clientSecretId: matched.id,
      tokenHash: await sha256Hex(accessToken),
      expiresAt,
      maxExpiresAt,
      revokedAt: null,
      lastUsedAt: null,
      createdAt: now,
    }),
    db.update(identityClientSecrets).set({ lastUsedAt: now }).where(eq(identityClientSecrets.id, matched.id)),
  ]);
  return tokenResponse(accessToken, now, expiresAt, identity.accessTokenMaxTtl);
}

export async function renewAccessToken(db: Db, accessToken: string): Promise<AccessTokenResponse> {
  const found = await activeAccessToken(db, accessToken);
  if (!found) throw unauthorized("Invalid, expired or revoked access token");
  const { token, identity } = found;
  const now = nowIso();
  const expiresAt = minIso(addSeconds(now, identity.accessTokenTtl), token.maxExpiresAt);
  await db.update(identityAccessTokens).set({ expiresAt }).where(eq(identityAccessTokens.id, token.id));
  return tokenResponse(accessToken, now, expiresAt, identity.accessTokenMaxTtl);
}

export async function revokeAccessToken(db: Db, accessToken: string): Promise<void> {
  const found = await activeAccessToken(db, accessToken);
  if (!found) throw unauthorized("Invalid, expired or revoked access token");
  await db.update(identityAccessTokens).set({ revokedAt: nowIso() }).where(eq(identityAccessTokens.id, found.token.id));
}

export async function resolveAccessToken(db: Db, accessToken: string, background: Background): Promise<Credential | null> {
  const found = await activeAccessToken(db, accessToken);
  return found && accessTokenCaller(db, found, background);
}

/** The caller a console session signed in with this access token stands for, while the token is active. */
export async function resolveAccessTokenById(db: Db, id: string, background: Background): Promise<Credential | null> {
  const found = activeOnly(await accessTokenWhere(db, eq(identityAccessTokens.id, id)));
  return found && accessTokenCaller(db, found, background);
}

function accessTokenCaller(db: Db, { token, identity, customRolePermissionsJson }: ActiveAccessToken, background: Background): Credential {
  const now = nowIso();
  if (!token.lastUsedAt || Date.parse(now) - Date.parse(token.lastUsedAt) > LAST_USED_GRANULARITY_MS) {
    background(db.update(identityAccessTokens).set({ lastUsedAt: now }).where(eq(identityAccessTokens.id, token.id)).run());
  }
  const rules = grantedRules({ ...identity, customRolePermissionsJson });
  return { actor: credentialActor({ kind: "identity", id: identity.id, name: identity.name, projectId: identity.projectId, rules }), credentialId: token.id };
}

type AccessTokenJoin = NonNullable<Awaited<ReturnType<typeof accessTokenWhere>>>;
type ActiveAccessToken = Pick<AccessTokenJoin, "token" | "identity" | "customRolePermissionsJson">;

function accessTokenWhere(db: Db, condition: SQL) {
  return db
    .select({
      token: identityAccessTokens,
      identity: identities,
      secretRevokedAt: identityClientSecrets.revokedAt,
      customRolePermissionsJson: projectRoles.permissionsJson,
    })
    .from(identityAccessTokens)
    .innerJoin(identities, eq(identities.id, identityAccessTokens.identityId))
    .innerJoin(identityClientSecrets, eq(identityClientSecrets.id, identityAccessTokens.clientSecretId))
    .leftJoin(projectRoles, and(eq(projectRoles.projectId, identities.projectId), eq(projectRoles.slug, identities.role)))
    .where(condition)
    .get();
}

/** The token and its identity while neither they nor the client secret it came from are revoked, and it has not expired. */
function activeOnly(row: AccessTokenJoin | undefined): ActiveAccessToken | null {
  if (!row || row.token.revokedAt || row.identity.revokedAt || row.secretRevokedAt || row.token.expiresAt <= nowIso()) return null;
  return { token: row.token, identity: row.identity, customRolePermissionsJson: row.customRolePermissionsJson };
}

async function activeAccessToken(db: Db, accessToken: string): Promise<ActiveAccessToken | null> {
  if (!accessToken.startsWith(ACCESS_TOKEN_PREFIX)) return null;
  const hash = await sha256Hex(accessToken);
  const row = await accessTokenWhere(db, eq(identityAccessTokens.tokenHash, hash));
  if (!row || !(await timingSafeEqualStrings(row.token.tokenHash, hash))) return null;
  return activeOnly(row);
}

function tokenResponse(accessToken: string, now: string, expiresAt: string, maxTtl: number): AccessTokenResponse {
  return {
    accessToken,
    expiresIn: Math.max(0, Math.round((Date.parse(expiresAt) - Date.parse(now)) / 1000)),
    accessTokenMaxTTL: maxTtl,
    tokenType: "Bearer",
  };
}

const minIso = (a: string, b: string) => (a < b ? a : b);
