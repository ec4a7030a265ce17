/** The `secretSync` object of every response: Infisical's shape plus the product document's field names. */
import type { SyncRecord } from "./repository";
import type { DriftReport, QoveryDestinationConfig, QoverySyncOptions } from "./types";

export function publicSync({ sync, connection, environment, folder }: SyncRecord) {
  const syncOptions = JSON.parse(sync.syncOptionsJson) as QoverySyncOptions;
  return {
    id: sync.id,
    name: sync.name,
    description: sync.description,
    isEnabled: sync.isEnabled,
    isAutoSyncEnabled: sync.isAutoSyncEnabled,
    version: sync.version,
    folderId: sync.folderId,
    connectionId: sync.connectionId,
    createdAt: sync.createdAt,
    updatedAt: sync.updatedAt,
    syncStatus: sync.syncStatus,
    lastSyncJobId: sync.lastSyncJobId,
    lastSyncMessage: sync.lastSyncMessage,
    lastSyncedAt: sync.lastSyncedAt,
    // Qovery never returns secret values, so nothing is ever imported from it.
    importStatus: null,
    lastImportJobId: null,
    lastImportMessage: null,
    lastImportedAt: null,
    removeStatus: sync.removeStatus,
    lastRemoveJobId: sync.lastRemoveJobId,
    lastRemoveMessage: sync.lastRemoveMessage,
    lastRemovedAt: sync.lastRemovedAt,
    syncOptions: { ...syncOptions, autoSyncEnabled: sync.isAutoSyncEnabled },
    projectId: sync.projectId,
    connection: { app: connection?.app ?? "qovery", name: connection?.name ?? null, id: sync.connectionId },
    environment: environment ? { slug: environment.slug, name: environment.name, id: environment.id } : null,
    folder: folder ? { id: folder.id, path: folder.path } : null,
    secretPath: sync.secretPath,
    driftStatus: sync.driftStatus,
    lastDriftCheckAt: sync.lastDriftCheckAt,
    destination: "qovery" as const,
    destinationConfig: JSON.parse(sync.destinationConfigJson) as QoveryDestinationConfig,
  };
}

export type PublicSync = ReturnType<typeof publicSync>;

export function driftReportOf(sync: SyncRecord["sync"]): { driftStatus: string | null; lastDriftCheckAt: string | null; report: DriftReport | null } {
  return {
    driftStatus: sync.driftStatus,
    lastDriftCheckAt: sync.lastDriftCheckAt,
    report: sync.driftReportJson ? (JSON.parse(sync.driftReportJson) as DriftReport) : null,
  };
}
