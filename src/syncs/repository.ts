/** D1 access for secret syncs, their runs, their ledger and their lease. No policy here: only named queries. */
import { and, asc, desc, eq, ne, sql } from "drizzle-orm";
import { runBatch, type Db } from "../db/client";
import { appConnections, environments, folders, secretSyncs, syncLedger, syncRuns } from "../db/schema";
import type { AuditActor } from "../audit/audit-log";
import { nowIso } from "../lib/time";
import type { DestinationTarget, KeyResult, LedgerEntry, RunKind, RunTrigger } from "./types";

export type SyncRow = typeof secretSyncs.$inferSelect;
export type RunRow = typeof syncRuns.$inferSelect;

// ===== Syncs

/** A sync with what its response shows of its connection, environment and folder. */
export interface SyncRecord {
  sync: SyncRow;
  connection: { id: string; name: string; app: string } | null;
  environment: { id: string; name: string; slug: string } | null;
  folder: { id: string; path: string } | null;
}

function selectSyncRecords(db: Db) {
  return db
    .select({
      sync: secretSyncs,
      connection: { id: appConnections.id, name: appConnections.name, app: appConnections.app },
      environment: { id: environments.id, name: environments.name, slug: environments.slug },
      folder: { id: folders.id, path: folders.path },
    })
    .from(secretSyncs)
    .leftJoin(appConnections, eq(appConnections.id, secretSyncs.connectionId))
    .leftJoin(environments, eq(environments.id, secretSyncs.environmentId))
    .leftJoin(folders, eq(folders.id, secretSyncs.folderId));
}

export async function findSyncRecord(db: Db, syncId: string): Promise<SyncRecord | undefined> {
  return selectSyncRecords(db).where(eq(secretSyncs.id, syncId)).get();
}

export async function findSyncRecordByName(db: Db, projectId: string, name: string): Promise<SyncRecord | undefined> {
  return selectSyncRecords(db)
    .where(and(eq(secretSyncs.projectId, projectId), eq(secretSyncs.name, name)))
    .get();
}

export async function listSyncRecords(db: Db, projectId: string): Promise<SyncRecord[]> {
  return selectSyncRecords(db).where(eq(secretSyncs.projectId, projectId)).orderBy(asc(secretSyncs.createdAt)).all();
}

export async function syncNameTaken(db: Db, projectId: string, name: string, exceptId?: string): Promise<boolean> {
  const row = await db
    .select({ id: secretSyncs.id })
    .from(secretSyncs)
    .where(and(eq(secretSyncs.projectId, projectId), eq(secretSyncs.name, name), exceptId ? ne(secretSyncs.id, exceptId) : undefined))
    .get();
  return !!row;
}

/** The statements below run when awaited, or inside a caller's `db.batch` (with the audit entry, say). */
export function insertSync(db: Db, row: SyncRow) {
  return db.insert(secretSyncs).values(row);
}

export function updateSync(db: Db, syncId: string, patch: Partial<SyncRow>) {
  return db.update(secretSyncs).set(patch).where(eq(secretSyncs.id, syncId));
}

export function deleteSync(db: Db, syncId: string) {
  return db.delete(secretSyncs).where(eq(secretSyncs.id, syncId));
}

export async function syncsOfProject(db: Db, projectId: string): Promise<SyncRow[]> {
  return db.select().from(secretSyncs).where(eq(secretSyncs.projectId, projectId)).all();
}

// ===== Runs

export async function findOpenRun(db: Db, syncId: string, kind: RunKind): Promise<RunRow | undefined> {
  return db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.syncId, syncId), eq(syncRuns.kind, kind), eq(syncRuns.status, "pending")))
    .get();
}

/** Who asked for a run, as the run history shows it: a person, a credential, a webhook endpoint or the system. */
export type RunRequester = AuditActor;

export const requestedByColumns = (requester: RunRequester) => ({
  requestedByType: requester.kind,
  requestedById: requester.id,
  requestedByName: requester.name,
});

export function newRun(syncId: string, kind: RunKind, trigger: RunTrigger, requestedBy: RunRequester): RunRow {
  return {
    id: crypto.randomUUID(),
    syncId,
    kind,
    trigger,
    status: "pending",
    attempts: 0,
    invocations: 0,
    message: null,
    countsJson: "{}",
    resultsJson: "[]",
    qoveryCalls: 0,
    ...requestedByColumns(requestedBy),
    createdAt: nowIso(),
    startedAt: null,
    finishedAt: null,
  };
}

export async function getRun(db: Db, runId: string): Promise<RunRow | undefined> {
  return db.select().from(syncRuns).where(eq(syncRuns.id, runId)).get();
}

export async function listRuns(db: Db, syncId: string, limit: number): Promise<RunRow[]> {
  return db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId)).orderBy(desc(syncRuns.createdAt)).limit(limit).all();
}

export async function updateRun(db: Db, runId: string, patch: Partial<RunRow>): Promise<void> {
  await db.update(syncRuns).set(patch).where(eq(syncRuns.id, runId));
}

export interface RunProgress {
  counts: Record<string, number>;
  results: KeyResult[];
  qoveryCalls: number;
}

export function runProgress(run: RunRow): RunProgress {
  return { counts: JSON.parse(run.countsJson), results: JSON.parse(run.resultsJson), qoveryCalls: run.qoveryCalls };
}

// ===== Ledger

function toLedgerEntry(row: typeof syncLedger.$inferSelect): LedgerEntry {
  return { ...row };
}

export async function ledgerOfSync(db: Db, syncId: string): Promise<LedgerEntry[]> {
  return (await db.select().from(syncLedger).where(eq(syncLedger.syncId, syncId)).all()).map(toLedgerEntry);
}

/** Other syncs' entries at one Qovery place: keys this sync must neither write nor delete. */
export async function foreignLedgerAt(db: Db, syncId: string, target: DestinationTarget): Promise<LedgerEntry[]> {
  const rows = await db
    .select()
    .from(syncLedger)
    .where(and(eq(syncLedger.scope, target.scope), eq(syncLedger.parentId, target.parentId), ne(syncLedger.syncId, syncId)))
    .all();
  return rows.map(toLedgerEntry);
}

/** Records a write that landed. Never takes a key away from another sync (the plan refuses those keys). */
export function recordLedgerWrite(db: Db, entry: LedgerEntry) {
  return db
    .insert(syncLedger)
    .values(entry)
    .onConflictDoUpdate({
      target: [syncLedger.scope, syncLedger.parentId, syncLedger.destinationKey],
      set: {
        kind: entry.kind,
        sourceKey: entry.sourceKey,
        qoveryId: entry.qoveryId,
        fingerprint: entry.fingerprint,
        writtenAt: entry.writtenAt,
        qoveryUpdatedAt: entry.qoveryUpdatedAt,
      },
      setWhere: eq(syncLedger.syncId, entry.syncId),
    });
}

export function forgetLedgerEntry(db: Db, syncId: string, place: { scope: string; parentId: string; destinationKey: string }) {
  return db
    .delete(syncLedger)
    .where(
      and(
        eq(syncLedger.syncId, syncId),
        eq(syncLedger.scope, place.scope as "project"),
        eq(syncLedger.parentId, place.parentId),
        eq(syncLedger.destinationKey, place.destinationKey),
      ),
    );
}

/** The next run rewrites the key: its row was changed in Qovery by someone else. */
export function invalidateFingerprint(db: Db, syncId: string, target: DestinationTarget, destinationKey: string) {
  return db
    .update(syncLedger)
    .set({ fingerprint: "invalidated" })
    .where(
      and(
        eq(syncLedger.syncId, syncId),
        eq(syncLedger.scope, target.scope),
        eq(syncLedger.parentId, target.parentId),
        eq(syncLedger.destinationKey, destinationKey),
      ),
    );
}

export async function forgetLedgerEntries(db: Db, syncId: string, places: { scope: string; parentId: string; destinationKey: string }[]) {
  await runBatch(db, places.map((p) => forgetLedgerEntry(db, syncId, p)));
}

// ===== Lease (one writer per sync, capped writers per connection)

export interface Lease {
  syncId: string;
  runId: string;
  fence: number;
}

/**
 * Takes the sync's lease for `runId` with one conditional UPDATE (D1 has no interactive transactions): when it is
 * free or expired, or when `handoverFence` is the fence of this run's own live lease (a continuation the previous
 * invocation asked for). A duplicate delivery of the run's job carries no such fence and waits like any other.
 * Refused while `maxPerConnection` other syncs of the same connection hold a live lease. Each take-over increments
 * the fencing token, so a writer that lost its lease can tell.
 */
export async function acquireLease(
  db: Db,
  sync: SyncRow,
  runId: string,
  handoverFence: number | undefined,
  ttlSeconds: number,
  maxPerConnection: number,
): Promise<Lease | null> {
  const now = nowIso();
  const until = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  const row = await db.get<{ lease_fence: number }>(sql`
    update secret_syncs
       set lease_run_id = ${runId}, lease_expires_at = ${until}, lease_fence = lease_fence + 1
     where id = ${sync.id}
       and (lease_run_id is null or lease_expires_at < ${now} or (lease_run_id = ${runId} and lease_fence = ${handoverFence ?? -1}))
       and (select count(*) from secret_syncs other
             where other.connection_id = ${sync.connectionId} and other.id <> ${sync.id}
               and other.lease_run_id is not null and other.lease_expires_at >= ${now}) < ${maxPerConnection}
    returning lease_fence`);
  return row ? { syncId: sync.id, runId, fence: row.lease_fence } : null;
}

/** Extends the lease; false when another writer has taken it over (the caller must stop writing). */
export async function renewLease(db: Db, lease: Lease, ttlSeconds: number): Promise<boolean> {
  const until = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  const result = await db
    .update(secretSyncs)
    .set({ leaseExpiresAt: until })
    .where(and(eq(secretSyncs.id, lease.syncId), eq(secretSyncs.leaseFence, lease.fence), eq(secretSyncs.leaseRunId, lease.runId)))
    .run();
  return result.meta.changes > 0;
}

export function releaseLease(db: Db, lease: Lease) {
  return db
    .update(secretSyncs)
    .set({ leaseRunId: null, leaseExpiresAt: null })
    .where(and(eq(secretSyncs.id, lease.syncId), eq(secretSyncs.leaseFence, lease.fence)));
}

export const statusColumns = (kind: RunKind) =>
  kind === "sync"
    ? ({ status: "syncStatus", jobId: "lastSyncJobId", message: "lastSyncMessage", at: "lastSyncedAt" } as const)
    : ({ status: "removeStatus", jobId: "lastRemoveJobId", message: "lastRemoveMessage", at: "lastRemovedAt" } as const);


/** For callers that compose their own batched status updates. */
export const syncRunsTable = syncRuns;
export const secretSyncsTable = secretSyncs;
export const runIdIs = (runId: string) => eq(syncRuns.id, runId);
export const syncIdIs = (syncId: string) => eq(secretSyncs.id, syncId);
