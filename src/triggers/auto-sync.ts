/**
 * Auto-sync: every committed store change queues a run of each enabled auto-sync sync it affects, delayed by the
 * debounce window. Later triggers join that waiting run (one pending run per sync), so a burst of writes becomes one
 * run per sync, and a change arriving while a run is in flight gives exactly one follow-up.
 *
 * A sync is affected when a changed folder is one its source read from at its last run: its own folder, the folders
 * it imports (nested), or a folder its values reference (transitively). The runner records that list on the sync, so
 * matching a change costs one query, not a read of every source.
 */
import { and, eq, inArray, type SQL } from "drizzle-orm";
import { systemActor, type Actor } from "../access/actor";
import { configOf } from "../config";
import { itemsPerStatement, selectInChunks } from "../db/chunks";
import { createDb, type Db } from "../db/client";
import { environments, secretSyncs } from "../db/schema";
import { loadKeyRing, type KeyRing } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import type { ChangeEvent } from "../store/changes";
import type { StoreContext } from "../store/context";
import { locationKey, readResolvedSecrets } from "../store/secret-reader";
import type { RunRequester, SyncRow } from "../syncs/repository";
import { requestRun, type RunRequest } from "../syncs/runs";
import type { RunTrigger } from "../syncs/types";
import type { TriggerQueue } from "./jobs";

export interface TriggerDeps {
  db: Db;
  queue: TriggerQueue;
  keyRing: () => Promise<KeyRing>;
}

export const triggerDeps = (env: Env): TriggerDeps => ({
  db: createDb(env.DB),
  queue: env.SYNC_QUEUE as TriggerQueue,
  keyRing: () => loadKeyRing(configOf(env).encryptionKey),
});

/** Who the run history names for runs that store changes queue (the audit log names who made the change). */
const AUTO_SYNC = systemActor("auto-sync");

/** Queues the runs a committed store write calls for, each delayed by the debounce window. */
export async function scheduleAutoSync(deps: TriggerDeps, delaySeconds: number, events: readonly ChangeEvent[]): Promise<void> {
  const byProject = new Map<string, string[]>();
  for (const event of events) byProject.set(event.projectId, [...(byProject.get(event.projectId) ?? []), locationKey(event.environmentSlug, event.path)]);
  for (const [projectId, locations] of byProject) {
    await triggerSyncsForChanges(deps, projectId, locations, { trigger: "auto", requestedBy: AUTO_SYNC, delaySeconds });
  }
}

/** A store context acting as `actor` whose committed changes schedule auto-sync. */
export function autoSyncingStore(env: Env, actor: Actor, requestId: string | null): StoreContext {
  const deps = triggerDeps(env);
  const onChanged = (events: readonly ChangeEvent[]) => scheduleAutoSync(deps, configOf(env).autoSyncDebounceSeconds, events);
  return { db: deps.db, keyRing: deps.keyRing, actor, requestId, onChanged };
}

export interface ChangeTriggerOptions {
  trigger: Extract<RunTrigger, "auto" | "webhook">;
  requestedBy: RunRequester;
  /** only these syncs (they still have to be enabled and affected); auto-sync need not be on for them */
  syncIds?: string[];
  /** when the run starts at the earliest: the debounce window for store changes */
  delaySeconds?: number;
}

/** Queues a run for every enabled sync of the project that `locations` (`<env slug>:<path>`) affect. */
export async function triggerSyncsForChanges(deps: TriggerDeps, projectId: string, locations: string[], options: ChangeTriggerOptions): Promise<RunRequest[]> {
  // One query for every candidate with its environment's slug: this runs after every store write.
  const candidatesWhere = (condition: SQL) =>
    deps.db
      .select({ sync: secretSyncs, environmentSlug: environments.slug })
      .from(secretSyncs)
      .innerJoin(environments, eq(environments.id, secretSyncs.environmentId))
      .where(and(eq(secretSyncs.projectId, projectId), eq(secretSyncs.isEnabled, true), condition));
  // the project id and the enabled flag bind two parameters besides the listed ids
  const listed = options.syncIds && [...new Set(options.syncIds)];
  const candidates = listed
    ? await selectInChunks(deps.db, listed, itemsPerStatement(2), (ids) => candidatesWhere(inArray(secretSyncs.id, ids)))
    : await candidatesWhere(eq(secretSyncs.isAutoSyncEnabled, true)).all();
  const changed = new Set(locations);
  const requests: RunRequest[] = [];
  for (const { sync, environmentSlug } of candidates) {
    if ((await sourceDependencies(deps, sync, environmentSlug)).some((location) => changed.has(location))) {
      requests.push(await requestRun(deps.db, deps.queue, sync, "sync", options.trigger, options.requestedBy, options.delaySeconds));
    }
  }
  return requests;
}

/**
 * What the last run recorded; a sync that never ran reads its source once (and the run will record it). A source the
 * reader refuses (say, imports reaching too many folders) depends on its own folder only: the change that triggered
 * matching must not fail because of it, and the sync's next run reports the problem.
 */
async function sourceDependencies(deps: TriggerDeps, sync: SyncRow, environmentSlug: string): Promise<string[]> {
  const own = locationKey(environmentSlug, sync.secretPath);
  if (sync.sourceDependenciesJson) return [own, ...(JSON.parse(sync.sourceDependenciesJson) as string[])];
  if (!sync.folderId) return [own];
  try {
    const read = await readResolvedSecrets(deps.db, await deps.keyRing(), { projectId: sync.projectId, environmentSlug, path: sync.secretPath });
    return read.dependencies;
  } catch (error) {
    if (error instanceof ApiError) return [own];
    throw error;
  }
}
