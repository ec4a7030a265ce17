/** API tokens: shown once at creation, stored only as a SHA-256 hash, scoped and optionally project-bound. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiTokens } from "../db/schema";
import { randomToken, sha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import { notFound } from "../lib/errors";
import { nowIso } from "../lib/time";
import type { AuthContext, Credential } from "./context";
import { expandScopes, type Scope } from "./scopes";

export const API_TOKEN_PREFIX = "qsk_";
/** lastUsedAt is refreshed at most this often, so reads do not turn into writes on every request */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface CreateApiTokenInput {
  name: string;
  projectId: string | null;
  scopes: Scope[];
  expiresAt: string | null;
}

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export function publicApiToken(row: ApiTokenRow) {
  return {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    scopes: JSON.parse(row.scopesJson) as Scope[],
    tokenPrefix: row.tokenPrefix,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
  };
}

export async function createApiToken(db: Db, input: CreateApiTokenInput) {
  const token = randomToken(API_TOKEN_PREFIX.slice(0, -1));
  const row: ApiTokenRow = {
    id: crypto.randomUUID(),
    name: input.name,
    projectId: input.projectId,
    scopesJson: JSON.stringify(input.scopes),
    role: null,
    permissionsJson: null,
    tokenHash: await sha256Hex(token),
    tokenPrefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
    expiresAt: input.expiresAt,
    revokedAt: null,
    lastUsedAt: null,
    createdAt: nowIso(),
  };
  await db.insert(apiTokens).values(row);
  return { token, apiToken: publicApiToken(row) };
}

export async function listApiTokens(db: Db, projectId?: string) {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(projectId ? eq(apiTokens.projectId, projectId) : undefined)
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(publicApiToken);
}

export async function getApiToken(db: Db, id: string) {
  const row = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
  if (!row) throw notFound(`API token with ID "${id}" not found`);
  return row;
}

export async function revokeApiToken(db: Db, id: string) {
  const row = await getApiToken(db, id);
  if (row.revokedAt) return publicApiToken(row);
  const revokedAt = nowIso();
  await db.update(apiTokens).set({ revokedAt }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
  return publicApiToken({ ...row, revokedAt });
}

export async function resolveApiToken(db: Db, token: string, background: (p: Promise<unknown>) => void): Promise<Credential | null> {
  const hash = await sha256Hex(token);
  const row = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash)).get();
  if (!row || !(await timingSafeEqualStrings(row.tokenHash, hash))) return null;
  const auth = activeTokenAuth(db, row, background);
  return auth && { auth, credentialId: row.id };
}

/** The caller a console session signed in with this token stands for, while the token is neither revoked nor expired. */
export async function resolveApiTokenById(db: Db, id: string, background: (p: Promise<unknown>) => void): Promise<AuthContext | null> {
  const row = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
  return row ? activeTokenAuth(db, row, background) : null;
}

function activeTokenAuth(db: Db, row: ApiTokenRow, background: (p: Promise<unknown>) => void): AuthContext | null {
  const now = nowIso();
  if (row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || Date.parse(now) - Date.parse(row.lastUsedAt) > LAST_USED_GRANULARITY_MS) {
    background(db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id)).run());
  }
  return {
    actorType: "api-token",
    actorId: row.id,
    actorName: row.name,
    projectId: row.projectId,
    scopes: expandScopes(JSON.parse(row.scopesJson) as Scope[]),
  };
}
