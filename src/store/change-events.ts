/**
 * Change events: the single path by which store writes reach D1. `commitChanges` runs a write's statements together
 * with, per changed folder, a bump of its `change_counter` and one `change_events` row, and the write's audit record —
 * one atomic batch — and then calls `onStoreChanged`, the one place later features (auto-sync) hook into.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { eq, sql } from "drizzle-orm";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import { runBatch } from "../db/client";
import { changeEvents, folders } from "../db/schema";
import { nowIso } from "../lib/time";
import { scheduleAutoSync } from "../triggers/auto-sync";
import type { StoreContext } from "./context";

export type ChangeAction =
  | "secret.create"
  | "secret.update"
  | "secret.delete"
  | "folder.create"
  | "folder.update"
  | "folder.delete"
  | "secret-import.create"
  | "secret-import.update"
  | "secret-import.delete";

export interface StoreChange {
  projectId: string;
  environmentId: string;
  environmentSlug: string;
  /** null when no folder exists at `path` any more (deleted, or renamed away) */
  folderId: string | null;
  path: string;
  action: ChangeAction;
}

export interface ChangeEvent extends StoreChange {
  id: string;
  actorType: string;
  actorId: string;
  createdAt: string;
}

/**
 * Runs `statements` and records `changes` and `audit` atomically, then notifies `onStoreChanged`. One event per folder
 * and action.
 */
export async function commitChanges(
  ctx: StoreContext,
  statements: BatchItem<"sqlite">[],
  changes: StoreChange[],
  audit: AuditEntry,
): Promise<ChangeEvent[]> {
  const createdAt = nowIso();
  const events = distinct(changes).map((change) => ({
    ...change,
    id: crypto.randomUUID(),
    actorType: ctx.actor.kind,
    actorId: ctx.actor.id,
    createdAt,
  }));
  const recording = events.flatMap((event) => [
    ...(event.folderId
      ? [
          ctx.db
            .update(folders)
            .set({
              changeCounter: sql`${folders.changeCounter} + 1`,
              ...(event.action.startsWith("secret.") ? { lastSecretModified: createdAt } : {}),
            })
            .where(eq(folders.id, event.folderId)),
        ]
      : []),
    ctx.db.insert(changeEvents).values(event),
  ]);
  await runBatch(ctx.db, [...statements, ...recording, auditInsert(ctx.db, ctx.actor, ctx.requestId, audit)]);
  await onStoreChanged(ctx.env, events);
  return events;
}

function distinct(changes: StoreChange[]): StoreChange[] {
  const seen = new Map<string, StoreChange>();
  for (const change of changes) seen.set(`${change.environmentId}\u0000${change.path}\u0000${change.action}`, change);
  return [...seen.values()];
}

/** Called once per committed store write, after the commit: the one place auto-sync hooks into. */
export async function onStoreChanged(env: Env, events: readonly ChangeEvent[]): Promise<void> {
  if (events.length) await scheduleAutoSync(env, events);
}
