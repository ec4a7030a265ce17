/**
 * Qovery secret syncs: create, read, update, delete and the manual triggers, with Infisical's rules and messages.
 *
 * Every function taking `SyncServiceDeps` checks the actor's rules itself, against the sync's real environment, path
 * and connection (after loading it, never the caller's claims), and writes the audit entry of what it changes. Setting
 * up or re-pointing a sync also needs the right to read every value a run will read (`assertCanReadSource`) and to
 * use the connection (`assertCanUseConnectionIn`), and the destination must be one the connection allows. All of that
 * is settled before Qovery is asked anything; then the destination is checked against Qovery through the connection.
 */
import { and, eq } from "drizzle-orm";
import { assertCan, can, canOnAnyIn, type Actor } from "../access/actor";
import { permissionDenied } from "../access/denial";
import type { ProjectAction } from "../access/rules";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import { destinationRefusal } from "../connections/allowed-destinations";
import { assertCanUseConnectionIn } from "../connections/permissions";
import { listFromQovery } from "../connections/qovery-access";
import { loadQoveryConnection, qoveryAs, type ConnectionServiceDeps, type PublicConnection } from "../connections/service";
import type { Db } from "../db/client";
import { folders } from "../db/schema";
import { badRequest, notFound, validationFailure } from "../lib/errors";
import { nowIso } from "../lib/time";
import { findEnvironmentBySlug, getProjectRow } from "../store/projects";
import type { EngineQueue } from "./jobs";
import { keySchemaProblemFor } from "./key-schema";
import { FOLDER_MISSING, SyncSourceError } from "./errors";
import { prepareSyncPlan } from "./prepare";
import { driftReportOf, publicSync } from "./public-sync";
import { describePlan, publicRun } from "./reports";
import * as repo from "./repository";
import { requestRun } from "./runs";
import type { CreateSyncInput, UpdateSyncInput } from "./schemas";
import { assertCanReadSource } from "./source-access";
import type { QoveryDestinationConfig, QoverySyncOptions } from "./types";

export interface SyncServiceDeps extends ConnectionServiceDeps {
  queue: EngineQueue;
}

export type SyncAction = ProjectAction<"secret-syncs">;

const notFoundById = (syncId: string) => notFound(`Could not find Qovery Sync with ID "${syncId}"`);

/** What a sync is checked as: its source and its connection. */
export const syncSubject = ({ sync, environment }: repo.SyncRecord) => ({
  environment: environment?.slug ?? "",
  secretPath: sync.secretPath,
  connectionId: sync.connectionId,
});

export const canOnSync = (actor: Actor, record: repo.SyncRecord, action: SyncAction) =>
  can(actor, record.sync.projectId, action, "secret-syncs", syncSubject(record));

/** A sync the caller may act on with `action`; 404 when it does not exist. */
export async function loadSync(deps: SyncServiceDeps, syncId: string, action: SyncAction): Promise<repo.SyncRecord> {
  const record = await repo.findSyncRecord(deps.db, syncId);
  if (!record) throw notFoundById(syncId);
  assertCan(deps.actor, record.sync.projectId, action, "secret-syncs", syncSubject(record));
  return record;
}

/** Refuses outright when no sync of the project (with these source fields, if given) could be allowed. */
function assertMayOnSomeSync(actor: Actor, projectId: string, action: SyncAction, known: { environment?: string; secretPath?: string } = {}) {
  if (canOnAnyIn(actor, projectId, action, "secret-syncs", known)) return;
  throw permissionDenied(actor.projectRules(projectId) ?? [], action, "secret-syncs", known);
}

/** The syncs of a project the caller may read (Infisical refuses when it may read none, and filters the rest). */
export async function listSyncs(deps: SyncServiceDeps, projectId: string): Promise<repo.SyncRecord[]> {
  assertMayOnSomeSync(deps.actor, projectId, "read");
  const records = await repo.listSyncRecords(deps.db, projectId);
  return records.filter((record) => canOnSync(deps.actor, record, "read"));
}

export async function getSyncByName(deps: SyncServiceDeps, projectId: string, name: string): Promise<repo.SyncRecord> {
  assertMayOnSomeSync(deps.actor, projectId, "read");
  const record = await repo.findSyncRecordByName(deps.db, projectId, name);
  if (!record) throw notFound(`Could not find Qovery Sync with name "${name}"`);
  assertCan(deps.actor, projectId, "read", "secret-syncs", syncSubject(record));
  return record;
}

/** Whether the caller may set up syncs in the project at all (the console's Add Sync). */
export function assertCanCreateSyncs(deps: SyncServiceDeps, projectId: string): void {
  assertMayOnSomeSync(deps.actor, projectId, "create");
}

// ===== The checks of a new or changed configuration, one group at a time (the console runs them step by step)

interface ResolvedSource {
  environment: { id: string; slug: string };
  path: string;
  folderId: string;
}

/** `path` is normalised already: by the request schema, or as stored on the sync. */
async function resolveSource(db: Db, projectId: string, environmentSlug: string, path: string): Promise<ResolvedSource> {
  const environment = await findEnvironmentBySlug(db, projectId, environmentSlug);
  const folder = await db
    .select({ id: folders.id })
    .from(folders)
    .where(and(eq(folders.environmentId, environment.id), eq(folders.path, path)))
    .get();
  if (!folder) throw badRequest(`Could not find folder with path "${path}" in environment "${environmentSlug}" for project with ID "${projectId}"`);
  return { environment, path, folderId: folder.id };
}

async function readableSource(deps: SyncServiceDeps, projectId: string, environmentSlug: string, path: string): Promise<ResolvedSource> {
  const source = await resolveSource(deps.db, projectId, environmentSlug, path);
  await assertCanReadSource(deps, { projectId, environmentSlug: source.environment.slug, path });
  return source;
}

/** A source the caller may configure a sync on (`action`: create or edit) and read everything of. */
export async function checkSyncSource(
  deps: SyncServiceDeps,
  projectId: string,
  environment: string,
  secretPath: string,
  action: "create" | "edit",
): Promise<void> {
  assertMayOnSomeSync(deps.actor, projectId, action, { environment, secretPath });
  await readableSource(deps, projectId, environment, secretPath);
}

/** A Qovery connection the caller may use in the project, that allows `destination`. */
export async function checkSyncConnection(deps: SyncServiceDeps, projectId: string, connectionId: string, destination: QoveryDestinationConfig) {
  const connection = await usableConnection(deps, projectId, connectionId);
  assertDestinationAllowed(connection, destination);
  return connection;
}

async function usableConnection(deps: SyncServiceDeps, projectId: string, connectionId: string): Promise<PublicConnection> {
  const connection = await loadQoveryConnection(deps.db, connectionId);
  assertCanUseConnectionIn(deps.actor, projectId, connection);
  return connection;
}

function assertDestinationAllowed(connection: PublicConnection, destination: QoveryDestinationConfig) {
  const refusal = destinationRefusal(connection, destination);
  if (refusal) throw badRequest(refusal);
}

export function checkKeySchema(options: Pick<QoverySyncOptions, "keySchema">, environmentSlug: string) {
  const problem = options.keySchema ? keySchemaProblemFor(options.keySchema, environmentSlug) : null;
  if (problem) throw validationFailure([{ code: "custom", path: ["syncOptions", "keySchema"], message: problem }]);
}

const duplicateName = (name: string, projectId: string) =>
  badRequest(`A Secret Sync with the name "${name}" already exists for the project with ID "${projectId}"`);

/** `exceptSyncId`: the sync being edited keeps its own name. Only for callers who may set up or edit some sync. */
export async function checkSyncName(deps: SyncServiceDeps, projectId: string, name: string, exceptSyncId?: string) {
  if (!canOnAnyIn(deps.actor, projectId, "edit", "secret-syncs")) assertMayOnSomeSync(deps.actor, projectId, "create");
  if (await repo.syncNameTaken(deps.db, projectId, name, exceptSyncId)) throw duplicateName(name, projectId);
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

/** Same place and kind in Qovery (display names aside). */
const sameDestination = (a: QoveryDestinationConfig, b: QoveryDestinationConfig) =>
  a.organizationId === b.organizationId &&
  a.projectId === b.projectId &&
  (a.environmentId ?? null) === (b.environmentId ?? null) &&
  a.variableType === b.variableType;

// ===== Changes

const storedOptions = ({ autoSyncEnabled: _alias, ...options }: QoverySyncOptions & { autoSyncEnabled?: boolean }) => options;

/** `isAutoSyncEnabled` (Infisical) wins over `syncOptions.autoSyncEnabled` (the product document); default on. */
const autoSyncOf = (input: { isAutoSyncEnabled?: boolean; syncOptions?: { autoSyncEnabled?: boolean } }, fallback: boolean) =>
  input.isAutoSyncEnabled ?? input.syncOptions?.autoSyncEnabled ?? fallback;

const syncAudit = (deps: SyncServiceDeps, action: string, sync: repo.SyncRow, metadata: Record<string, unknown>) =>
  auditInsert(deps.db, deps.actor, deps.requestId, {
    action,
    projectId: sync.projectId,
    targetType: "secret-sync",
    targetId: sync.id,
    metadata,
  } satisfies AuditEntry);

export async function createSync(deps: SyncServiceDeps, input: CreateSyncInput): Promise<repo.SyncRecord> {
  const { db, actor } = deps;
  const { environment, secretPath, connectionId } = input;
  assertCan(actor, input.projectId, "create", "secret-syncs", { environment, secretPath, connectionId });
  await getProjectRow(db, input.projectId);
  const source = await readableSource(deps, input.projectId, input.environment, input.secretPath);
  await checkSyncConnection(deps, input.projectId, input.connectionId, input.destinationConfig);
  await checkSyncName(deps, input.projectId, input.name);
  checkKeySchema(input.syncOptions, source.environment.slug);
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
  const metadata = { name: input.name, environment, secretPath, connectionId, destinationConfig: input.destinationConfig };
  try {
    await db.batch([repo.insertSync(db, row), syncAudit(deps, "secret-sync.create", row, metadata)]);
  } catch (error) {
    if (String(error).includes("UNIQUE")) throw duplicateName(input.name, input.projectId);
    throw error;
  }
  if (row.isEnabled && row.isAutoSyncEnabled) await requestRun(db, deps.queue, row, "sync", "create", actor);
  return getSyncRecord(db, row.id);
}

async function getSyncRecord(db: Db, syncId: string): Promise<repo.SyncRecord> {
  const record = await repo.findSyncRecord(db, syncId);
  if (!record) throw notFoundById(syncId);
  return record;
}

/**
 * Changing the source or the connection re-checks `edit` on the new values. Changing the source or the destination
 * (connection, place or variable type) re-checks the right to read everything the sync reads: re-pointing a sync at
 * a place the caller can read is as good as creating one. A new connection must be usable; a new destination allowed.
 */
export async function updateSync(deps: SyncServiceDeps, syncId: string, input: UpdateSyncInput): Promise<repo.SyncRecord> {
  const { db, actor } = deps;
  const record = await loadSync(deps, syncId, "edit");
  const current = record.sync;
  const projectId = current.projectId;
  const environmentSlug = input.environment ?? record.environment?.slug ?? "";
  const secretPath = input.secretPath ?? current.secretPath;
  const connectionId = input.connectionId ?? current.connectionId;
  const currentConfig = JSON.parse(current.destinationConfigJson) as QoveryDestinationConfig;
  const config = input.destinationConfig ?? currentConfig;
  const sourceChanged = environmentSlug !== record.environment?.slug || secretPath !== current.secretPath;
  const connectionChanged = connectionId !== current.connectionId;
  const destinationChanged = connectionChanged || !sameDestination(config, currentConfig);

  if (sourceChanged || connectionChanged) {
    assertCan(actor, projectId, "edit", "secret-syncs", { environment: environmentSlug, secretPath, connectionId });
  }
  const patch: Partial<repo.SyncRow> = { updatedAt: nowIso(), version: current.version + 1 };
  if (sourceChanged) {
    const source = await resolveSource(db, projectId, environmentSlug, secretPath);
    Object.assign(patch, { environmentId: source.environment.id, secretPath, folderId: source.folderId, sourceDependenciesJson: null });
  }
  if (sourceChanged || destinationChanged) await assertCanReadSource(deps, { projectId, environmentSlug, path: secretPath });
  if (input.connectionId !== undefined || destinationChanged) {
    const connection = await usableConnection(deps, projectId, connectionId);
    if (destinationChanged) assertDestinationAllowed(connection, config);
  }
  if (input.name !== undefined && input.name !== current.name) await checkSyncName(deps, projectId, input.name, current.id);
  if (input.name !== undefined) patch.name = input.name;
  if (input.description !== undefined) patch.description = input.description ?? null;
  if (input.isEnabled !== undefined) patch.isEnabled = input.isEnabled;
  patch.isAutoSyncEnabled = autoSyncOf(input, current.isAutoSyncEnabled);

  // Infisical replaces syncOptions as a whole when they are sent.
  const options = input.syncOptions ? storedOptions(input.syncOptions) : (JSON.parse(current.syncOptionsJson) as QoverySyncOptions);
  if (environmentSlug) checkKeySchema(options, environmentSlug);
  if (input.syncOptions) patch.syncOptionsJson = JSON.stringify(options);
  if (input.destinationConfig !== undefined || input.connectionId !== undefined) {
    patch.destinationConfigJson = JSON.stringify(await checkDestination(deps, connectionId, config));
    patch.connectionId = connectionId;
  }

  const updated = { ...current, ...patch };
  try {
    await db.batch([repo.updateSync(db, current.id, patch), syncAudit(deps, "secret-sync.update", updated, { fields: Object.keys(input) })]);
  } catch (error) {
    if (String(error).includes("UNIQUE")) throw duplicateName(updated.name, projectId);
    throw error;
  }
  if (updated.isEnabled && updated.isAutoSyncEnabled) await requestRun(db, deps.queue, updated, "sync", "update", actor);
  return getSyncRecord(db, current.id);
}

const TRIGGERS = {
  sync: { action: "sync-secrets", audit: "secret-sync.sync-secrets" },
  remove: { action: "remove-secrets", audit: "secret-sync.remove-secrets" },
} as const;

/** A manual run (`sync-secrets` or `remove-secrets`); a sync run is refused while the sync is paused or its folder gone. */
export async function triggerSync(deps: SyncServiceDeps, syncId: string, kind: "sync" | "remove") {
  const record = await loadSync(deps, syncId, TRIGGERS[kind].action);
  return queueRun(deps, record, kind, "manual");
}

async function queueRun(deps: SyncServiceDeps, record: repo.SyncRecord, kind: "sync" | "remove", trigger: "manual" | "delete") {
  const { sync } = record;
  if (kind === "sync") {
    if (!sync.isEnabled) throw badRequest(`Qovery Sync "${sync.name}" is disabled. Enable it (isEnabled: true) before syncing.`);
    if (!sync.folderId) throw badRequest(FOLDER_MISSING);
  }
  const request = await requestRun(deps.db, deps.queue, sync, kind, trigger, deps.actor);
  if (trigger === "manual") await syncAudit(deps, TRIGGERS[kind].audit, sync, { runId: request.run.id, queued: request.queued }).run();
  return { record: await getSyncRecord(deps.db, sync.id), ...request };
}

/** Qovery never returns secret values: always Infisical's 400, once the caller is shown to hold `import-secrets`. */
export async function importSecrets(deps: SyncServiceDeps, syncId: string): Promise<never> {
  await loadSync(deps, syncId, "import-secrets");
  throw badRequest("Qovery does not support importing secrets.");
}

/**
 * Needs `delete`. Without `removeSecrets`, the sync is deleted at once and what it wrote stays in Qovery. With it
 * (which also needs `remove-secrets`), the sync's keys are removed first and the sync is deleted only when that
 * succeeds (else it stays, with `removeStatus: failed`).
 */
export async function deleteSync(deps: SyncServiceDeps, syncId: string, removeSecrets: boolean) {
  const record = await loadSync(deps, syncId, "delete");
  const { sync } = record;
  const metadata = { name: sync.name, removeSecrets };
  if (!removeSecrets) {
    await deps.db.batch([repo.deleteSync(deps.db, sync.id), syncAudit(deps, "secret-sync.delete", sync, metadata)]);
    return { record, removalQueued: false };
  }
  assertCan(deps.actor, sync.projectId, "remove-secrets", "secret-syncs", syncSubject(record));
  await deps.db.batch([
    repo.updateSync(deps.db, sync.id, { deleteAfterRemove: true, updatedAt: nowIso() }),
    syncAudit(deps, "secret-sync.delete-after-remove", sync, metadata),
  ]);
  const { record: updated } = await queueRun(deps, record, "remove", "delete");
  return { record: updated, removalQueued: true };
}

// ===== Reads of one sync

/** Dry run: what a run would do now (keys only). Refused, like a run, for a destination its connection no longer allows. */
export async function planSync(deps: SyncServiceDeps, syncId: string) {
  const record = await loadSync(deps, syncId, "read");
  const destination = JSON.parse(record.sync.destinationConfigJson) as QoveryDestinationConfig;
  assertDestinationAllowed(await loadQoveryConnection(deps.db, record.sync.connectionId), destination);
  const qovery = await qoveryAs(deps, record.sync.connectionId);
  const keyRing = await deps.keyRing();
  try {
    const prepared = await listFromQovery("Qovery destination", () => prepareSyncPlan(deps.db, keyRing, qovery, record, "sync"));
    return describePlan(prepared.plan);
  } catch (error) {
    if (error instanceof SyncSourceError) throw badRequest(error.message);
    throw error;
  }
}

/** The latest runs, newest first; `withResults` adds each run's per-key outcomes (the console's history shows them). */
export async function listSyncRuns(deps: SyncServiceDeps, syncId: string, limit: number, withResults = false) {
  await loadSync(deps, syncId, "read");
  return (await repo.listRuns(deps.db, syncId, limit)).map((run) => publicRun(run, withResults));
}

export async function getSyncRun(deps: SyncServiceDeps, syncId: string, runId: string) {
  await loadSync(deps, syncId, "read");
  const run = await repo.getRun(deps.db, runId);
  if (!run || run.syncId !== syncId) throw notFound(`Could not find run with ID "${runId}" for this sync`);
  return publicRun(run, true);
}

export async function getSyncDrift(deps: SyncServiceDeps, syncId: string) {
  return driftReportOf((await loadSync(deps, syncId, "read")).sync);
}

/** The Qovery keys the sync wrote (what deleting it with removeSecrets would remove); for callers who may delete it. */
export async function writtenKeys(deps: SyncServiceDeps, syncId: string): Promise<string[]> {
  await loadSync(deps, syncId, "delete");
  return (await repo.ledgerOfSync(deps.db, syncId)).map((entry) => entry.destinationKey).sort();
}

/** Is another sync of the project already writing to this exact destination? (used by the UI) */
export async function findDuplicateDestination(
  deps: SyncServiceDeps,
  projectId: string,
  config: QoveryDestinationConfig,
  excludeSyncId?: string,
) {
  assertMayOnSomeSync(deps.actor, projectId, "read");
  const syncs = await repo.syncsOfProject(deps.db, projectId);
  const writesThere = (s: repo.SyncRow) => sameDestination(JSON.parse(s.destinationConfigJson) as QoveryDestinationConfig, config);
  const duplicate = syncs.find((s) => s.id !== excludeSyncId && writesThere(s));
  return duplicate ? { hasDuplicate: true, duplicateProjectId: duplicate.projectId } : { hasDuplicate: false };
}

export { publicSync };
