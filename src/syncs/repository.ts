/**
 * D1 reads of secret syncs and their runs, and their ledger. No policy here: only named queries. A run's lifecycle
 * (its row, the sync's status fields, the lease) is written by run-state.ts alone.
 */
import { and, asc, desc, eq, ne } from "drizzle-orm";
import { runBatch, type Db } from "../db/client";
import { appConnections, environments, folders, secretSyncs, syncLedger, syncRuns } from "../db/schema";
import type { AuditActor } from "../audit/audit-log";
import type { DestinationTarget, KeyResult, LedgerEntry, RunKind } from "./types";

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

/** The sync's columns that only run-state.ts writes: its status fields and its lease. */
export const RUN_STATE_COLUMNS = [
  "syncStatus",
  "lastSyncJobId",
  "lastSyncMessage",
  "lastSyncedAt",
  "removeStatus",
  "lastRemoveJobId",
  "lastRemoveMessage",
  "lastRemovedAt",
  "consecutiveFailures",
  "driftStatus",
  "lastDriftCheckAt",
  "driftReportJson",
  "leaseRunId",
  "leaseExpiresAt",
  "leaseFence",
] as const satisfies readonly (keyof SyncRow)[];

/** What may change on a sync outside its runs: its settings, never its run state. */
export type SyncPatch = Partial<Omit<SyncRow, (typeof RUN_STATE_COLUMNS)[number]>>;

/** The statements below run when awaited, or inside a caller's `db.batch` (with the audit entry, say). */
export function insertSync(db: Db, row: SyncRow) {
  return db.insert(secretSyncs).values(row);
}

export function updateSync(db: Db, syncId: string, patch: SyncPatch) {
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

export async function getRun(db: Db, runId: string): Promise<RunRow | undefined> {
  return db.select().from(syncRuns).where(eq(syncRuns.id, runId)).get();
}

export async function listRuns(db: Db, syncId: string, limit: number): Promise<RunRow[]> {
  return db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId)).orderBy(desc(syncRuns.createdAt)).limit(limit).all();
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
