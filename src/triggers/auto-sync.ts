/**
 * Auto-sync: every committed store change schedules the project's affected syncs after a short debounce, so a burst
 * of writes becomes one run per sync. A sync is affected when a changed folder is its source, one of the folders it
 * imports (nested), or a folder its values reference (transitively).
 */
import { and, eq, inArray } from "drizzle-orm";
import { chunkRows, createDb, runBatch, type Db } from "../db/client";
import { autoSyncTimers, environments, pendingChanges, secretSyncs } from "../db/schema";
import { loadKeyRing, type KeyRing } from "../lib/crypto";
import type { JobQueue } from "../queue/messages";
import type { ChangeEvent } from "../store/change-events";
import { locationKey, readResolvedSecrets } from "../store/secret-reader";
import type { SyncRow } from "../syncs/repository";
import { requestRun, type RunRequest } from "../syncs/runs";
import type { RunTrigger } from "../syncs/types";

export interface TriggerDeps {
  db: Db;
  queue: JobQueue;
  keyRing: () => Promise<KeyRing>;
}

export const triggerDeps = (env: Env): TriggerDeps => ({
  db: createDb(env.DB),
  queue: env.SYNC_QUEUE as JobQueue,
  keyRing: () => loadKeyRing(env.ENCRYPTION_KEY),
});

export function debounceSeconds(env: Env): number {
  const n = Number.parseInt(env.AUTO_SYNC_DEBOUNCE_SECONDS ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : 2;
}

/**
 * Called after every committed store write. Records the changed locations and, if the project has no timer running,
 * starts one: a delayed queue message that later runs `runDueAutoSync`.
 */
export async function scheduleAutoSync(env: Env, events: readonly ChangeEvent[]): Promise<void> {
  const db = createDb(env.DB);
  const byProject = new Map<string, Set<string>>();
  for (const event of events) {
    const set = byProject.get(event.projectId) ?? new Set<string>();
    set.add(locationKey(event.environmentSlug, event.path));
    byProject.set(event.projectId, set);
  }
  const delay = debounceSeconds(env);
  for (const [projectId, locations] of byProject) {
    const rows = [...locations].map((location) => ({ projectId, location }));
    await runBatch(db, chunkRows(rows, 2).map((part) => db.insert(pendingChanges).values(part).onConflictDoNothing()));
    const timer = await db
      .insert(autoSyncTimers)
      .values({ projectId, dueAt: new Date(Date.now() + delay * 1000).toISOString() })
      .onConflictDoNothing()
      .run();
    if (timer.meta.changes) await (env.SYNC_QUEUE as JobQueue).send({ type: "auto-sync", projectId }, delay ? { delaySeconds: delay } : undefined);
  }
}

/** The debounce timer fired: take the changes gathered so far (later ones start a new timer) and queue the runs. */
export async function runDueAutoSync(deps: TriggerDeps, projectId: string): Promise<RunRequest[]> {
  await deps.db.delete(autoSyncTimers).where(eq(autoSyncTimers.projectId, projectId));
  const taken = await deps.db.delete(pendingChanges).where(eq(pendingChanges.projectId, projectId)).returning({ location: pendingChanges.location });
  if (!taken.length) return [];
  return triggerSyncsForChanges(deps, projectId, taken.map((t) => t.location), { trigger: "auto" });
}

export interface ChangeTriggerOptions {
  trigger: Extract<RunTrigger, "auto" | "webhook">;
  /** only these syncs (they still have to be enabled and affected); auto-sync need not be on for them */
  syncIds?: string[];
}

/** Queues a run for every enabled sync of the project that `locations` (`<env slug>:<path>`) affect. */
export async function triggerSyncsForChanges(deps: TriggerDeps, projectId: string, locations: string[], options: ChangeTriggerOptions): Promise<RunRequest[]> {
  const candidates = await deps.db
    .select()
    .from(secretSyncs)
    .where(
      and(
        eq(secretSyncs.projectId, projectId),
        eq(secretSyncs.isEnabled, true),
        options.syncIds ? inArray(secretSyncs.id, options.syncIds) : eq(secretSyncs.isAutoSyncEnabled, true),
      ),
    )
    .all();
  const changed = new Set(locations);
  const requests: RunRequest[] = [];
  for (const sync of candidates) {
    if (await isAffected(deps, sync, changed)) requests.push(await requestRun(deps.db, deps.queue, sync, "sync", options.trigger));
  }
  return requests;
}

async function isAffected(deps: TriggerDeps, sync: SyncRow, changed: ReadonlySet<string>): Promise<boolean> {
  const environment = await environmentSlugOf(deps.db, sync);
  if (!environment) return false;
  if (changed.has(locationKey(environment, sync.secretPath))) return true;
  if (!sync.folderId) return false;
  // Imports and references are only known from the source's values, so the source is read (constant D1 queries).
  const { dependencies } = await readResolvedSecrets(deps.db, await deps.keyRing(), { projectId: sync.projectId, environmentSlug: environment, path: sync.secretPath });
  return dependencies.some((location) => changed.has(location));
}

async function environmentSlugOf(db: Db, sync: SyncRow): Promise<string | null> {
  if (!sync.environmentId) return null;
  const row = await db.select({ slug: environments.slug }).from(environments).where(eq(environments.id, sync.environmentId)).get();
  return row?.slug ?? null;
}
