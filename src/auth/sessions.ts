/**
 * Server-side console sessions: one D1 row per signed-in browser, so a session ends the moment its row does.
 * A session ends at sign-out (row deleted), when an admin signs everyone out (rows revoked), when the credential it
 * signed in with is revoked or expires (checked on every request), after SESSION_IDLE_TIMEOUT_MS without a request,
 * and SESSION_MAX_AGE_MS after sign-in however active it is. A person's session also needs, on every request, a
 * Cloudflare Access assertion for the same person: once Access stops vouching for them (or Access is turned off),
 * the session ends. Their memberships are read on every request too. Ended rows are deleted when next presented,
 * and in bounded chunks by the cron.
 */
import { eq, inArray, isNull, isNotNull, lte, or } from "drizzle-orm";
import type { Actor } from "../access/actor";
import { isOrganizationAdmin } from "../access/boundary";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import { configOf } from "../config";
import type { Db } from "../db/client";
import { consoleSessions } from "../db/schema";
import { fingerprint, loadKeyRing, randomToken, timingSafeEqualStrings } from "../lib/crypto";
import { forbidden } from "../lib/errors";
import { resolveApiTokenById } from "./api-tokens";
import type { ActingAs, Credential } from "./context";
import { resolveAccessTokenById } from "./identities";
import { ADMIN_CREDENTIAL } from "./bearer";
import { personById } from "./people";

/** A session without a request for this long has ended. */
export const SESSION_IDLE_TIMEOUT_MS = 30 * 60_000;
/** A session ends this long after sign-in, however active. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60_000;
/** lastSeenAt is written at most this often, so a busy session does not turn every page into a write. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;
/** Ended sessions one cron run deletes at most. */
export const SESSION_PRUNE_BATCH = 500;

export type SessionRow = typeof consoleSessions.$inferSelect;
export type SessionState = "active" | "expired" | "revoked";
type Subject = Pick<SessionRow, "subjectType" | "subjectId">;
type Background = (p: Promise<unknown>) => void;

export function sessionState(row: Pick<SessionRow, "revokedAt" | "expiresAt" | "lastSeenAt">, now: number): SessionState {
  if (row.revokedAt) return "revoked";
  if (now >= Date.parse(row.expiresAt) || now - Date.parse(row.lastSeenAt) >= SESSION_IDLE_TIMEOUT_MS) return "expired";
  return "active";
}

export const needsTouch = (row: Pick<SessionRow, "lastSeenAt">, now: number) => now - Date.parse(row.lastSeenAt) >= SESSION_TOUCH_INTERVAL_MS;

/**
 * What a session records about the credential that signed in: the row id of an API token or access token, or for the
 * admin token a keyed fingerprint of it, so the session ends when ADMIN_TOKEN is rotated.
 */
async function subjectOf(env: Env, { actor, credentialId }: Credential): Promise<Subject> {
  if (actor.kind === "admin") {
    const config = configOf(env);
    return { subjectType: "admin", subjectId: await fingerprint(await loadKeyRing(config.encryptionKey), config.adminToken) };
  }
  if (actor.kind === "api-token" || actor.kind === "identity") return { subjectType: actor.kind, subjectId: credentialId };
  if (actor.kind === "person") return { subjectType: "person", subjectId: actor.id };
  throw new Error(`a ${actor.kind} credential cannot sign in to the console`);
}

/** The email the current request's Cloudflare Access assertion proves (null: none, or not valid). */
export type AccessEmail = () => Promise<string | null>;

/** The credential the subject stands for while it is still valid, else null. */
async function resolveSubject(env: Env, db: Db, subject: Subject, background: Background, accessEmail: AccessEmail): Promise<Credential | null> {
  switch (subject.subjectType) {
    case "admin": {
      const config = configOf(env);
      const ring = await loadKeyRing(config.encryptionKey);
      const keyId = subject.subjectId.split(":")[0]!;
      if (!ring.fingerprintKeys.has(keyId)) return null;
      return (await timingSafeEqualStrings(subject.subjectId, await fingerprint(ring, config.adminToken, keyId))) ? ADMIN_CREDENTIAL : null;
    }
    case "api-token":
      return resolveApiTokenById(db, subject.subjectId, background);
    case "identity":
      return resolveAccessTokenById(db, subject.subjectId, background);
    case "person": {
      const email = await accessEmail();
      if (!email) return null;
      const person = await personById(db, subject.subjectId, configOf(env).access.adminEmails, background);
      return person?.actor.email === email ? person : null;
    }
  }
}

export async function createSession(env: Env, db: Db, credential: Credential, now = Date.now()): Promise<SessionRow> {
  const at = new Date(now).toISOString();
  const row: SessionRow = {
    id: randomToken("cs"),
    ...(await subjectOf(env, credential)),
    csrfToken: randomToken("csrf"),
    createdAt: at,
    lastSeenAt: at,
    expiresAt: new Date(now + SESSION_MAX_AGE_MS).toISOString(),
    revokedAt: null,
  };
  await db.insert(consoleSessions).values(row);
  return row;
}

export const findSession = (db: Db, id: string) => db.select().from(consoleSessions).where(eq(consoleSessions.id, id)).get();

export const deleteSession = (db: Db, id: string) => db.delete(consoleSessions).where(eq(consoleSessions.id, id)).run();

export type OpenedSession = { state: "active"; actor: Actor; csrf: string } | { state: "expired" | "revoked" };

/**
 * The session behind a cookie, checked for this request: its row, its expiry and its credential (for a person, this
 * request's Access assertion). An expired row is deleted at once; a session whose credential was revoked or expired
 * is revoked. Records activity once a minute.
 */
export async function openSession(
  env: Env,
  db: Db,
  id: string,
  background: Background,
  accessEmail: AccessEmail,
  now = Date.now(),
): Promise<OpenedSession> {
  const row = await findSession(db, id);
  if (!row) return { state: "expired" };
  const state = sessionState(row, now);
  if (state === "expired") await deleteSession(db, id);
  if (state !== "active") return { state };
  const credential = await resolveSubject(env, db, row, background, accessEmail);
  if (!credential) {
    await db.update(consoleSessions).set({ revokedAt: new Date(now).toISOString() }).where(eq(consoleSessions.id, id)).run();
    return { state: "revoked" };
  }
  if (needsTouch(row, now)) await db.update(consoleSessions).set({ lastSeenAt: new Date(now).toISOString() }).where(eq(consoleSessions.id, id)).run();
  return { state: "active", actor: credential.actor, csrf: row.csrfToken };
}

/** The audit entry for "sign out everywhere". */
const allSessionsRevokedAudit = (revokedSessions: number): AuditEntry => ({
  action: "console-session.revoke-all",
  projectId: null,
  targetType: "console-session",
  targetId: null,
  metadata: { revokedSessions },
});

/** Only an organization administrator may sign everyone out (the console asks before offering it). */
export function assertMayRevokeAllSessions(actor: Actor): void {
  if (!isOrganizationAdmin(actor)) throw forbidden("Only an organization administrator can sign everyone out");
}

/** "Sign out everywhere" (organization administrators only): every session still open is revoked at once. Returns how many were. */
export async function revokeAllSessions({ db, actor, requestId }: ActingAs, now = Date.now()): Promise<number> {
  assertMayRevokeAllSessions(actor);
  const result = await db.update(consoleSessions).set({ revokedAt: new Date(now).toISOString() }).where(isNull(consoleSessions.revokedAt)).run();
  await auditInsert(db, actor, requestId, allSessionsRevokedAudit(result.meta.changes)).run();
  return result.meta.changes;
}

/** Deletes up to `limit` ended sessions (revoked, past their absolute expiry, or idle too long). Returns how many. */
export async function pruneEndedSessions(db: Db, now = Date.now(), limit = SESSION_PRUNE_BATCH): Promise<number> {
  const ended = or(
    isNotNull(consoleSessions.revokedAt),
    lte(consoleSessions.expiresAt, new Date(now).toISOString()),
    lte(consoleSessions.lastSeenAt, new Date(now - SESSION_IDLE_TIMEOUT_MS).toISOString()),
  );
  const batch = db.select({ id: consoleSessions.id }).from(consoleSessions).where(ended).limit(limit);
  const result = await db.delete(consoleSessions).where(inArray(consoleSessions.id, batch)).run();
  return result.meta.changes;
}
