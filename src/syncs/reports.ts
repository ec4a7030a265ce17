/** API views of plans and runs: keys, actions, reasons and counts — never values. */
import type { RunRow } from "./repository";
import type { KeyResult, Plan } from "./types";

export function describePlan(plan: Plan) {
  const actions = plan.actions.map((action) => {
    const { type, destinationKey } = action;
    const view: Record<string, unknown> = { type, key: destinationKey };
    if ("sourceKey" in action && action.sourceKey) view.sourceKey = action.sourceKey;
    if ("reason" in action) view.reason = action.reason;
    if (action.type === "delete") view.place = action.target;
    return view;
  });
  const summary: Record<string, number> = { create: 0, update: 0, unchanged: 0, delete: 0, hold: 0, conflict: 0, skip: 0 };
  for (const action of plan.actions) summary[action.type] = (summary[action.type] ?? 0) + 1;
  return { target: plan.target, refusal: plan.refusal, summary, actions };
}

export function publicRun(run: RunRow, withResults: boolean) {
  return {
    id: run.id,
    syncId: run.syncId,
    kind: run.kind,
    trigger: run.trigger,
    status: run.status,
    attempts: run.attempts,
    invocations: run.invocations,
    message: run.message,
    counts: JSON.parse(run.countsJson) as Record<string, number>,
    qoveryCalls: run.qoveryCalls,
    // Runs recorded before requesters were kept name nobody.
    requestedBy: run.requestedByType ? { type: run.requestedByType, id: run.requestedById, name: run.requestedByName } : null,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    ...(withResults ? { results: JSON.parse(run.resultsJson) as KeyResult[] } : {}),
  };
}
