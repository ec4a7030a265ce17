/**
 * Machine identities with universal auth (client id + client secret → short-lived access token), so Infisical's
 * official SDK and CLI can log in. Client secrets and access tokens are stored only as SHA-256 hashes.
 */
import { and, desc, eq, isNull, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { identities, identityAccessTokens, identityClientSecrets } from "../db/schema";
import { randomToken, sha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import { notFound, unauthorized } from "../lib/errors";
import { addSeconds, nowIso } from "../lib/time";
import type { AuthContext, Credential } from "./context";
import { expandScopes, type Scope } from "./scopes";

export const ACCESS_TOKEN_PREFIX = "qsa_";
const CLIENT_SECRET_PREFIX = "qsc";
export const DEFAULT_ACCESS_TOKEN_TTL = 2_592_000; // 30 days, as Infisical
const LAST_USED_GRANULARITY_MS = 60_000;

type IdentityRow = typeof identities.$inferSelect;
type ClientSecretRow = typeof identityClientSecrets.$inferSelect;

export function publicIdentity(row: IdentityRow) {
  return {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    scopes: JSON.parse(row.scopesJson) as Scope[],
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

export interface CreateIdentityInput {
  name: string;
  projectId: string | null;
  scopes: Scope[];
  accessTokenTTL: number;
  accessTokenMaxTTL: number;
}

export async function createIdentity(db: Db, input: CreateIdentityInput) {
  const now = nowIso();
  const row: IdentityRow = {
    id: crypto.randomUUID(),
    name: input.name,
    projectId: input.projectId,
    scopesJson: JSON.stringify(input.scopes),
    role: null,
    permissionsJson: null,
    clientId: crypto.randomUUID(),
    accessTokenTtl: input.accessTokenTTL,
    accessTokenMaxTtl: input.accessTokenMaxTTL,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(identities).values(row);
  return publicIdentity(row);
}

export async function getIdentityRow(db: Db, id: string) {
  const row = await db.select().from(identities).where(eq(identities.id, id)).get();
  if (!row) throw notFound(`Identity with ID "${id}" not found`);
  return row;
}

export async function listIdentities(db: Db, projectId?: string) {
  const rows = await db
    .select()
    .from(identities)
    .where(projectId ? eq(identities.projectId, projectId) : undefined)
    .orderBy(desc(identities.createdAt));
  return rows.map(publicIdentity);
}

/** Revoking an identity ends every access token it holds at once (tokens are checked against it on each use). */
export async function revokeIdentity(db: Db, id: string) {
  const row = await getIdentityRow(db, id);
  if (row.revokedAt) return publicIdentity(row);
  const now = nowIso();
  await db.batch([
    db.update(identities).set({ revokedAt: now, updatedAt: now }).where(eq(identities.id, id)),
    db.update(identityAccessTokens).set({ revokedAt: now }).where(and(eq(identityAccessTokens.identityId, id), isNull(identityAccessTokens.revokedAt))),
  ]);
  return publicIdentity({ ...row, revokedAt: now, updatedAt: now });
}

export async function createClientSecret(db: Db, identityId: string, description: string) {
  await getIdentityRow(db, identityId);
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
  await db.insert(identityClientSecrets).values(row);
  return { clientSecret, clientSecretData: publicClientSecret(row) };
}

export async function listClientSecrets(db: Db, identityId: string) {
  await getIdentityRow(db, identityId);
  const rows = await db.select().from(identityClientSecrets).where(eq(identityClientSecrets.identityId, identityId)).orderBy(desc(identityClientSecrets.createdAt));
  return rows.map(publicClientSecret);
}

export async function revokeClientSecret(db: Db, identityId: string, clientSecretId: string) {
  const row = await db
    .select()
    .from(identityClientSecrets)
    .where(and(eq(identityClientSecrets.id, clientSecretId), eq(identityClientSecrets.identityId, identityId)))
    .get();
  if (!row) throw notFound(`Client secret with ID "${clientSecretId}" not found`);
  if (row.revokedAt) return publicClientSecret(row);
  const now = nowIso();
  await db.batch([
    db.update(identityClientSecrets).set({ revokedAt: now }).where(eq(identityClientSecrets.id, clientSecretId)),
    db.update(identityAccessTokens).set({ revokedAt: now }).where(and(eq(identityAccessTokens.clientSecretId, clientSecretId), isNull(identityAccessTokens.revokedAt))),
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

export async function resolveAccessToken(db: Db, accessToken: string, background: (p: Promise<unknown>) => void): Promise<Credential | null> {
  const found = await activeAccessToken(db, accessToken);
  return found && { auth: accessTokenAuth(db, found, background), credentialId: found.token.id };
}

/** The caller a console session signed in with this access token stands for, while the token is active. */
export async function resolveAccessTokenById(db: Db, id: string, background: (p: Promise<unknown>) => void): Promise<AuthContext | null> {
  const found = activeOnly(await accessTokenWhere(db, eq(identityAccessTokens.id, id)));
  return found && accessTokenAuth(db, found, background);
}

function accessTokenAuth(db: Db, { token, identity }: ActiveAccessToken, background: (p: Promise<unknown>) => void): AuthContext {
  const now = nowIso();
  if (!token.lastUsedAt || Date.parse(now) - Date.parse(token.lastUsedAt) > LAST_USED_GRANULARITY_MS) {
    background(db.update(identityAccessTokens).set({ lastUsedAt: now }).where(eq(identityAccessTokens.id, token.id)).run());
  }
  return {
    actorType: "identity",
    actorId: identity.id,
    actorName: identity.name,
    projectId: identity.projectId,
    scopes: expandScopes(JSON.parse(identity.scopesJson) as Scope[]),
  };
}

type AccessTokenJoin = NonNullable<Awaited<ReturnType<typeof accessTokenWhere>>>;
type ActiveAccessToken = Pick<AccessTokenJoin, "token" | "identity">;

function accessTokenWhere(db: Db, condition: SQL) {
  return db
    .select({ token: identityAccessTokens, identity: identities, secretRevokedAt: identityClientSecrets.revokedAt })
    .from(identityAccessTokens)
    .innerJoin(identities, eq(identities.id, identityAccessTokens.identityId))
    .innerJoin(identityClientSecrets, eq(identityClientSecrets.id, identityAccessTokens.clientSecretId))
    .where(condition)
    .get();
}

/** The token and its identity while neither they nor the client secret it came from are revoked, and it has not expired. */
function activeOnly(row: AccessTokenJoin | undefined): ActiveAccessToken | null {
  if (!row || row.token.revokedAt || row.identity.revokedAt || row.secretRevokedAt || row.token.expiresAt <= nowIso()) return null;
  return { token: row.token, identity: row.identity };
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
