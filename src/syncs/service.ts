/**
 * Qovery secret syncs: create, read, update, delete and the manual triggers, with Infisical's rules and messages.
 * The destination is checked against Qovery through the connection before anything is stored.
 */
import type { AuditEntry } from "../audit/audit-log";
import type { AuthContext } from "../auth/context";
import { requireAccess } from "../auth/context";
import { getQoveryConnection, qoveryAs, type ConnectionServiceDeps } from "../connections/service";
import { listFromQovery } from "../connections/qovery-access";
import type { Db } from "../db/client";
import { folders } from "../db/schema";
import { and, eq } from "drizzle-orm";
import { badRequest, notFound, validationFailure } from "../lib/errors";
import { nowIso } from "../lib/time";
import type { JobQueue } from "../queue/messages";
import { findEnvironmentBySlug, getProjectRow } from "../store/projects";
import { keySchemaProblemFor } from "./key-schema";
import { publicSync } from "./public-sync";
import * as repo from "./repository";
import { requestRun } from "./runs";
import type { CreateSyncInput, UpdateSyncInput } from "./schemas";
import type { QoveryDestinationConfig, QoverySyncOptions, RunTrigger } from "./types";

export interface SyncServiceDeps extends ConnectionServiceDeps {
  queue: JobQueue;
}

const notFoundById = (syncId: string) => notFound(`Could not find Qovery Sync with ID "${syncId}"`);

export async function getSyncRecord(db: Db, syncId: string): Promise<repo.SyncRecord> {
  const record = await repo.findSyncRecord(db, syncId);
  if (!record) throw notFoundById(syncId);
  return record;
}

/** Loads a sync the caller may act on with `scope`; a sync outside a bound credential's project is 403. */
export async function syncFor(db: Db, auth: AuthContext, syncId: string, scope: Parameters<typeof requireAccess>[1]) {
  const record = await getSyncRecord(db, syncId);
  requireAccess(auth, scope, record.sync.projectId);
  return record;
}

export async function getSyncByName(db: Db, projectId: string, name: string) {
  const record = await repo.findSyncRecordByName(db, projectId, name);
  if (!record) throw notFound(`Could not find Qovery Sync with name "${name}"`);
  return record;
}

/** `path` is normalised already: by the request schema, or as stored on the sync. */
async function resolveSource(db: Db, projectId: string, environmentSlug: string, path: string) {
  const environment = await findEnvironmentBySlug(db, projectId, environmentSlug);
  const folder = await db
    .select({ id: folders.id })
    .from(folders)
    .where(and(eq(folders.environmentId, environment.id), eq(folders.path, path)))
    .get();
  if (!folder) throw badRequest(`Could not find folder with path "${path}" in environment "${environmentSlug}" for project with ID "${projectId}"`);
  return { environment, path, folderId: folder.id };
}

async function resolveConnection(db: Db, connectionId: string, projectId: string) {
  const connection = await getQoveryConnection(db, connectionId);
  if (connection.app !== "qovery") throw badRequest(`App Connection with ID "${connectionId}" is not a Qovery connection`);
  if (connection.projectId && connection.projectId !== projectId) {
    throw badRequest(`App Connection "${connection.name}" belongs to another project and cannot be used here`);
  }
  return connection;
}

/** Checks the organization, project and environment exist for the connection's token, and fills in missing names. */
async function checkDestination(deps: SyncServiceDeps, connectionId: string, config: QoveryDestinationConfig): Promise<QoveryDestinationConfig> {
  const qovery = await qoveryAs(deps, connectionId);
  const organizations = await listFromQovery("Qovery's organization list", () => qovery.listOrganizations());
  const organization = organizations.find((o) => o.id === config.organizationId);
  if (!organization) throw badRequest(`Qovery organization "${config.organizationId}" was not found or is not accessible with this connection's token`);
  const projects = await listFromQovery(`Qovery organization "${config.organizationId}"`, () => qovery.listProjects(config.organizationId));
  const project = projects.find((p) => p.id === config.projectId);
  if (!project) throw badRequest(`Qovery project "${config.projectId}" was not found in organization "${organization.name}"`);
  let environmentName = config.environmentName;
  if (config.environmentId) {
    const environments = await listFromQovery(`Qovery project "${config.projectId}"`, () => qovery.listEnvironments(config.projectId));
    const environment = environments.find((e) => e.id === config.environmentId);
    if (!environment) throw badRequest(`Qovery environment "${config.environmentId}" was not found in project "${project.name}"`);
    environmentName ??= environment.name;
  }
  return {
    ...config,
    organizationName: config.organizationName || organization.name,
    projectName: config.projectName || project.name,
    ...(config.environmentId ? { environmentName } : { environmentName: undefined }),
  };
}

function checkKeySchema(options: QoverySyncOptions, environmentSlug: string) {
  const problem = options.keySchema ? keySchemaProblemFor(options.keySchema, environmentSlug) : null;
  if (problem) throw validationFailure([{ code: "custom", path: ["syncOptions", "keySchema"], message: problem }]);
}

const storedOptions = ({ autoSyncEnabled: _alias, ...options }: QoverySyncOptions & { autoSyncEnabled?: boolean }) => options;

/** `isAutoSyncEnabled` (Infisical) wins over `syncOptions.autoSyncEnabled` (the product document); default on. */
const autoSyncOf = (input: { isAutoSyncEnabled?: boolean; syncOptions?: { autoSyncEnabled?: boolean } }, fallback: boolean) =>
  input.isAutoSyncEnabled ?? input.syncOptions?.autoSyncEnabled ?? fallback;

const duplicateName = (name: string, projectId: string) => badRequest(`A Secret Sync with the name "${name}" already exists for the project with ID "${projectId}"`);

export async function createSync(deps: SyncServiceDeps, input: CreateSyncInput) {
  const { db } = deps;
  await getProjectRow(db, input.projectId);
  if (await repo.syncNameTaken(db, input.projectId, input.name)) throw duplicateName(input.name, input.projectId);
  const source = await resolveSource(db, input.projectId, input.environment, input.secretPath);
  checkKeySchema(input.syncOptions, source.environment.slug);
  await resolveConnection(db, input.connectionId, input.projectId);
  const destinationConfig = await checkDestination(deps, input.connectionId, input.destinationConfig);

  const now = nowIso();
  const row: repo.SyncRow = {
    id: crypto.randomUUID(),
    name: input.name,
    description: input.description ?? null,
    destination: "qovery",
    projectId: input.projectId,
    environmentId: source.environment.id,
    secretPath: source.path,
    folderId: source.folderId,
    connectionId: input.connectionId,
    isEnabled: input.isEnabled ?? true,
    isAutoSyncEnabled: autoSyncOf(input, true),
    version: 1,
    destinationConfigJson: JSON.stringify(destinationConfig),
    syncOptionsJson: JSON.stringify(storedOptions(input.syncOptions)),
    syncStatus: null,
    lastSyncJobId: null,
    lastSyncMessage: null,
    lastSyncedAt: null,
    removeStatus: null,
    lastRemoveJobId: null,
    lastRemoveMessage: null,
    lastRemovedAt: null,
    deleteAfterRemove: false,
    sourceDependenciesJson: null,
    consecutiveFailures: 0,
    driftStatus: null,
    lastDriftCheckAt: null,
    driftReportJson: null,
    leaseRunId: null,
    leaseExpiresAt: null,
    leaseFence: 0,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await repo.insertSync(db, row);
  } catch (error) {
    if (String(error).includes("UNIQUE")) throw duplicateName(input.name, input.projectId);
    throw error;
  }
  if (row.isEnabled && row.isAutoSyncEnabled) await requestRun(db, deps.queue, row, "sync", "create");
  return getSyncRecord(db, row.id);
}

export async function updateSync(deps: SyncServiceDeps, record: repo.SyncRecord, input: UpdateSyncInput) {
  const { db } = deps;
  const current = record.sync;
  if (input.name && input.name !== current.name && (await repo.syncNameTaken(db, current.projectId, input.name, current.id))) {
    throw duplicateName(input.name, current.projectId);
  }
  const patch: Partial<repo.SyncRow> = { updatedAt: nowIso(), version: current.version + 1 };
  if (input.name !== undefined) patch.name = input.name;
  if (input.description !== undefined) patch.description = input.description ?? null;
  if (input.isEnabled !== undefined) patch.isEnabled = input.isEnabled;
  patch.isAutoSyncEnabled = autoSyncOf(input, current.isAutoSyncEnabled);

  let environmentSlug = record.environment?.slug;
  if (input.environment !== undefined || input.secretPath !== undefined) {
    const source = await resolveSource(db, current.projectId, input.environment ?? environmentSlug ?? "", input.secretPath ?? current.secretPath);
    Object.assign(patch, { environmentId: source.environment.id, secretPath: source.path, folderId: source.folderId, sourceDependenciesJson: null });
    environmentSlug = source.environment.slug;
  }
  // Infisical replaces syncOptions as a whole when they are sent.
  const options = input.syncOptions ? storedOptions(input.syncOptions) : (JSON.parse(current.syncOptionsJson) as QoverySyncOptions);
  if (environmentSlug) checkKeySchema(options, environmentSlug);
  if (input.syncOptions) patch.syncOptionsJson = JSON.stringify(options);

  const connectionId = input.connectionId ?? current.connectionId;
  if (input.connectionId !== undefined) await resolveConnection(db, connectionId, current.projectId);
  if (input.destinationConfig !== undefined || input.connectionId !== undefined) {
    const config = input.destinationConfig ?? (JSON.parse(current.destinationConfigJson) as QoveryDestinationConfig);
    patch.destinationConfigJson = JSON.stringify(await checkDestination(deps, connectionId, config));
    patch.connectionId = connectionId;
  }

  await repo.updateSync(db, current.id, patch);
  const updated = { ...current, ...patch };
  if (updated.isEnabled && updated.isAutoSyncEnabled) await requestRun(db, deps.queue, updated, "sync", "update");
  return getSyncRecord(db, current.id);
}

/** A manual run; refused while the sync is paused or its source folder is gone. */
export async function triggerRun(deps: SyncServiceDeps, record: repo.SyncRecord, kind: "sync" | "remove", trigger: RunTrigger) {
  if (kind === "sync") {
    if (!record.sync.isEnabled) throw badRequest(`Qovery Sync "${record.sync.name}" is disabled. Enable it (isEnabled: true) before syncing.`);
    if (!record.sync.folderId) throw badRequest("Invalid source configuration: folder no longer exists. Please configure a valid source and try again.");
  }
  const request = await requestRun(deps.db, deps.queue, record.sync, kind, trigger);
  return { record: await getSyncRecord(deps.db, record.sync.id), ...request };
}

/**
 * Without `removeSecrets`, the sync is deleted at once and what it wrote stays in Qovery. With it, the sync's keys
 * are removed first and the sync is deleted only when that succeeds (else it stays, with `removeStatus: failed`).
 */
export async function deleteSync(deps: SyncServiceDeps, record: repo.SyncRecord, removeSecrets: boolean) {
  if (!removeSecrets) {
    await repo.deleteSync(deps.db, record.sync.id);
    return { record, removalQueued: false };
  }
  await repo.updateSync(deps.db, record.sync.id, { deleteAfterRemove: true, updatedAt: nowIso() });
  const { record: updated } = await triggerRun(deps, record, "remove", "delete");
  return { record: updated, removalQueued: true };
}

/** Is another sync of the project already writing to this exact destination? (used by the UI) */
export async function findDuplicateDestination(db: Db, projectId: string, config: QoveryDestinationConfig, excludeSyncId?: string) {
  const same = (other: QoveryDestinationConfig) =>
    other.organizationId === config.organizationId &&
    other.projectId === config.projectId &&
    (other.environmentId ?? null) === (config.environmentId ?? null) &&
    other.variableType === config.variableType;
  const syncs = await repo.syncsOfProject(db, projectId);
  const duplicate = syncs.find((s) => s.id !== excludeSyncId && same(JSON.parse(s.destinationConfigJson) as QoveryDestinationConfig));
  return duplicate ? { hasDuplicate: true, duplicateProjectId: duplicate.projectId } : { hasDuplicate: false };
}

/** The audit entry of a sync's creation, the same from the API and the console. */
export function syncCreationAudit(input: CreateSyncInput, syncId: string): AuditEntry {
  return {
    action: "secret-sync.create",
    projectId: input.projectId,
    targetType: "secret-sync",
    targetId: syncId,
    metadata: { name: input.name, environment: input.environment, secretPath: input.secretPath, connectionId: input.connectionId, destinationConfig: input.destinationConfig },
  };
}

export { publicSync };
