/** The audit trail: who did what to which resource, with the request id. Never values, tokens or credentials. */
import { and, desc, eq, lt } from "drizzle-orm";
import { assertCan, assertCanInOrganization, type Actor } from "../access/actor";
import type { Db } from "../db/client";
import { auditLogs } from "../db/schema";
import { nowIso } from "../lib/time";

export interface AuditEntry {
  action: string;
  projectId: string | null;
  targetType: string;
  targetId: string | null;
  /** identifiers and names only */
  metadata?: Record<string, unknown>;
}

/** The parts of an actor an audit record names. */
export type AuditActor = Pick<Actor, "kind" | "id" | "name">;

export function auditInsert(db: Db, actor: AuditActor, requestId: string | null, entry: AuditEntry) {
  return db.insert(auditLogs).values({
    id: crypto.randomUUID(),
    projectId: entry.projectId,
    actorType: actor.kind,
    actorId: actor.id,
    actorName: actor.name,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    metadataJson: JSON.stringify(entry.metadata ?? {}),
    requestId,
    createdAt: nowIso(),
  });
}

export interface AuditQuery {
  projectId?: string;
  action?: string;
  before?: string;
  limit: number;
}

/**
 * Entries of one project (`audit-logs:read` there; a caller bound to a project reads its own by default), or, for a
 * caller with `audit-logs:read` in the organization, every entry including organization-level ones.
 */
export async function listAuditLogs({ db, actor }: { db: Db; actor: Actor }, query: AuditQuery) {
  const projectId = query.projectId ?? actor.projectId ?? undefined;
  if (projectId) assertCan(actor, projectId, "read", "audit-logs");
  else assertCanInOrganization(actor, "read", "audit-logs");
  const q = { ...query, projectId };
  const rows = await db
    .select()
    .from(auditLogs)
    .where(
      and(
        q.projectId ? eq(auditLogs.projectId, q.projectId) : undefined,
        q.action ? eq(auditLogs.action, q.action) : undefined,
        q.before ? lt(auditLogs.createdAt, q.before) : undefined,
      ),
    )
    .orderBy(desc(auditLogs.createdAt))
    .limit(q.limit);
  return rows.map(({ metadataJson, ...row }) => ({ ...row, metadata: JSON.parse(metadataJson) as Record<string, unknown> }));
}
