/**
 * Carries out a plan against Qovery: creates and updates first (bounded concurrency), deletes only once every upsert
 * has landed. The ledger is written as each write lands, so a crash or a redelivered message resumes from the truth.
 * Stops early when the invocation's call budget is spent (the rest continues in a follow-up message) or when a
 * failure says no further call can succeed (bad token, no access).
 */
import type { Db } from "../db/client";
import { nowIso } from "../lib/time";
import type { QoveryClient } from "../qovery/client";
import { QoveryAuthError, QoveryConflictError, QoveryError, QoveryForbiddenError } from "../qovery/errors";
import { forgetLedgerEntries, forgetLedgerEntry, recordLedgerWrite } from "./repository";
import type { DestinationTarget, KeyResult, Plan, PlanAction } from "./types";

export interface CallBudget {
  /** Qovery calls made so far in this invocation */
  used: () => number;
  limit: number;
}

export interface ApplyContext {
  db: Db;
  qovery: QoveryClient;
  syncId: string;
  budget: CallBudget;
  concurrency: number;
  /** renews the run's lease; false when another writer took it over */
  stillOwner: () => Promise<boolean>;
}

export interface ApplyResult {
  results: KeyResult[];
  /** the budget ran out before every action was attempted */
  exhausted: boolean;
  /** a failure that makes every further call pointless (401/403) */
  fatal: QoveryError | null;
  leaseLost: boolean;
}

type Upsert = Extract<PlanAction, { type: "create" | "update" }>;
type Removal = Extract<PlanAction, { type: "delete" }>;

const RENEW_EVERY = 10;

const isFatal = (error: unknown): boolean => error instanceof QoveryAuthError || error instanceof QoveryForbiddenError;

/** Results for actions that need no call: they are reported, and count as failures of the run. */
function reportOnly(action: PlanAction): KeyResult | null {
  switch (action.type) {
    case "hold":
      return { key: action.destinationKey, action: "hold", outcome: "failed", errorClass: "held_back", message: action.reason };
    case "conflict":
      return { key: action.destinationKey, action: "conflict", outcome: "failed", errorClass: "conflict", message: action.reason };
    case "skip":
      return { key: action.destinationKey, action: "skip", outcome: "failed", errorClass: "validation", message: action.reason };
    default:
      return null;
  }
}

function failure(action: PlanAction, error: unknown): KeyResult {
  if (error instanceof QoveryError) {
    const errorClass = error instanceof QoveryConflictError ? "conflict" : error.kind;
    return { key: action.destinationKey, action: action.type, outcome: "failed", errorClass, message: error.message };
  }
  return { key: action.destinationKey, action: action.type, outcome: "failed", errorClass: "internal", message: "Unexpected error" };
}

/** Runs `work` over `items` with at most `concurrency` in flight, until `shouldStop` says so. */
async function pool<T>(items: T[], concurrency: number, shouldStop: () => boolean, work: (item: T) => Promise<void>): Promise<T[]> {
  const skipped: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      if (shouldStop()) {
        skipped.push(item);
        continue;
      }
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return skipped;
}

export async function applyPlan(ctx: ApplyContext, plan: Plan): Promise<ApplyResult> {
  const { db, qovery, syncId } = ctx;
  const results: KeyResult[] = [];
  const state = { exhausted: false, fatal: null as QoveryError | null, leaseLost: false, inFlight: 0, writes: 0 };

  await forgetLedgerEntries(
    db,
    syncId,
    plan.staleLedgerKeys.map((destinationKey) => ({ scope: plan.target.scope, parentId: plan.target.parentId, destinationKey })),
  );
  for (const action of plan.actions) {
    const reported = reportOnly(action);
    if (reported) results.push(reported);
  }

  const shouldStop = () => {
    if (state.fatal || state.leaseLost) return true;
    if (ctx.budget.used() + state.inFlight >= ctx.budget.limit) state.exhausted = true;
    return state.exhausted;
  };
  const afterWrite = async () => {
    if (++state.writes % RENEW_EVERY === 0 && !(await ctx.stillOwner())) state.leaseLost = true;
  };
  const attempt = async (action: PlanAction, call: () => Promise<void>) => {
    state.inFlight++;
    try {
      await call();
      results.push({ key: action.destinationKey, action: action.type, outcome: "done" });
    } catch (error) {
      if (isFatal(error)) state.fatal = error as QoveryError;
      results.push(failure(action, error));
    } finally {
      state.inFlight--;
    }
    await afterWrite();
  };

  const removeAt = (action: Removal) =>
    attempt(action, async () => {
      await qovery.deleteVariable({ ...action.target, id: action.qoveryId });
      await forgetLedgerEntry(db, syncId, { ...placeOf(action.target), destinationKey: action.destinationKey }).run();
    });

  // The plan puts first the deletes at an old place that a create here would collide with (Qovery keys share one
  // namespace across kinds and along the project → environment chain): they must land before the upserts.
  const firstOther = plan.actions.findIndex((a) => a.type !== "delete");
  const clearing = (firstOther < 0 ? [] : plan.actions.slice(0, firstOther)) as Removal[];
  const clearingSkipped = await pool(clearing, ctx.concurrency, shouldStop, removeAt);
  const clearingFailed = results.some((r) => r.action === "delete" && r.outcome === "failed");

  const upserts = plan.actions.filter((a): a is Upsert => a.type === "create" || a.type === "update");
  const notAttempted = clearingSkipped.length || clearingFailed ? upserts : await pool(upserts, ctx.concurrency, shouldStop, (action) =>
    attempt(action, async () => {
      const written =
        action.type === "create"
          ? await qovery.createVariable({ ...plan.target, key: action.destinationKey, value: action.value })
          : await qovery.updateVariable({ ...plan.target, id: action.qoveryId, key: action.destinationKey, value: action.value });
      await recordLedgerWrite(db, {
        syncId,
        ...plan.target,
        destinationKey: action.destinationKey,
        sourceKey: action.sourceKey,
        qoveryId: written.id,
        fingerprint: action.fingerprint,
        writtenAt: nowIso(),
        qoveryUpdatedAt: written.updatedAt,
      }).run();
    }),
  );

  const removals = plan.actions.filter((a, i): a is Removal => a.type === "delete" && (firstOther < 0 || i >= firstOther));
  const upsertsAllDone =
    !clearingSkipped.length && !notAttempted.length && !results.some((r) => r.action !== "hold" && r.action !== "conflict" && r.action !== "skip" && r.outcome === "failed");
  const deferred = upsertsAllDone ? await pool(removals, ctx.concurrency, shouldStop, removeAt) : removals;

  for (const action of [...clearingSkipped, ...notAttempted, ...deferred]) {
    results.push({
      key: action.destinationKey,
      action: action.type,
      outcome: "not-attempted",
      message: action.type === "delete" && !upsertsAllDone ? "Deletes wait until every create and update has succeeded" : undefined,
    });
  }
  return { results, exhausted: state.exhausted, fatal: state.fatal, leaseLost: state.leaseLost };
}

const placeOf = (target: DestinationTarget) => ({ scope: target.scope, parentId: target.parentId });
