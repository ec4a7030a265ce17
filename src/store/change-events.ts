/**
 * Change events: the single path by which store writes reach D1. `commitChanges` runs a write's statements together
 * with, per changed folder, a bump of its `change_counter` and one `change_events` row, and the write's audit record —
 * one atomic batch — and then hands the events to the context's `onChanged` hook. The store knows nothing of what
 * listens (auto-sync does, through the hook its callers give it).
 */
import type { BatchItem } from "drizzle-orm/batch";
import { eq, sql } from "drizzle-orm";
import { auditInsert, type AuditEntry } from "../audit/audit-log";
import { runBatch } from "../db/client";
import { changeEvents, folders } from "../db/schema";
import { nowIso } from "../lib/time";
import type { ChangeEvent, StoreChange } from "./changes";
import type { StoreContext } from "./context";

/**
 * Runs `statements` and records `changes` and `audit` atomically, then calls the context's `onChanged` hook. One event
 * per folder and action.
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
  if (events.length) await ctx.onChanged(events);
  return events;
}

function distinct(changes: StoreChange[]): StoreChange[] {
  const seen = new Map<string, StoreChange>();
  for (const change of changes) seen.set(`${change.environmentId}\u0000${change.path}\u0000${change.action}`, change);
  return [...seen.values()];
}
