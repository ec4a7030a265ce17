/** The sync plan: which keys a run creates, updates, leaves alone, deletes, holds back or refuses to touch, and why. */
import { describe, expect, it } from "vitest";
import { planRemoval, planSync, type PlanInput } from "../../src/syncs/plan";
import type { DesiredSecret, DestinationRow, DestinationTarget, LedgerEntry, Plan, PlanAction } from "../../src/syncs/types";

const ENV_SECRETS: DestinationTarget = { scope: "environment", parentId: "env-1", kind: "secret" };
const ENV_VARIABLES: DestinationTarget = { scope: "environment", parentId: "env-1", kind: "variable" };
const PROJECT_SECRETS: DestinationTarget = { scope: "project", parentId: "proj-1", kind: "secret" };
const OTHER_ENV_SECRETS: DestinationTarget = { scope: "environment", parentId: "env-2", kind: "secret" };

const fingerprintOf = (key: string, value: string) => `k1:${key}=${value}`;

function secret(destinationKey: string, options: { value?: string; sourceKey?: string; unresolved?: DesiredSecret["unresolved"] } = {}): DesiredSecret {
  const value = options.value ?? `value-of-${destinationKey}`;
  return {
    sourceKey: options.sourceKey ?? destinationKey,
    destinationKey,
    value,
    fingerprint: fingerprintOf(destinationKey, value),
    unresolved: options.unresolved ?? [],
  };
}

function row(key: string, options: Partial<DestinationRow> = {}): DestinationRow {
  return { id: `q-${key}`, key, value: null, scope: "ENVIRONMENT", variableType: "VALUE", kind: "secret", updatedAt: null, ...options };
}

/** A ledger entry recording that `syncId` pushed the default value of `key` to `at`. */
function entry(key: string, options: Partial<LedgerEntry> & { at?: DestinationTarget } = {}): LedgerEntry {
  const { at = ENV_SECRETS, ...rest } = options;
  return {
    syncId: "sync-a",
    qoveryUpdatedAt: null,
    destinationKey: key,
    sourceKey: key,
    scope: at.scope,
    parentId: at.parentId,
    kind: at.kind,
    qoveryId: `q-${key}`,
    fingerprint: fingerprintOf(key, `value-of-${key}`),
    writtenAt: "2026-01-01T00:00:00.000Z",
    ...rest,
  };
}

function plan(input: Partial<PlanInput>): Plan {
  return planSync({
    syncId: "sync-a",
    target: ENV_SECRETS,
    keySchema: undefined,
    environmentSlug: "dev",
    disableSecretDeletion: false,
    desired: [],
    rows: [],
    ownLedger: [],
    foreignLedger: [],
    ...input,
  });
}

/** One line per action, e.g. `update DB changed` or `delete OLD not-in-source @environment/env-1/secret`. */
function brief(action: PlanAction): string {
  switch (action.type) {
    case "update":
      return `update ${action.destinationKey} ${action.reason}`;
    case "delete": {
      const { scope, parentId, kind } = action.target;
      return `delete ${action.destinationKey} ${action.reason} @${scope}/${parentId}/${kind}`;
    }
    default:
      return `${action.type} ${action.destinationKey}`;
  }
}

const briefs = (p: Plan) => p.actions.map(brief);
const reasonOf = (p: Plan, key: string) => {
  const action = p.actions.find((a) => a.destinationKey === key);
  return action && "reason" in action ? action.reason : undefined;
};

/** What a sync in steady state sees: every desired key listed, recorded in its ledger with the pushed value. */
function steadyState(keys: string[]) {
  return { desired: keys.map((k) => secret(k)), rows: keys.map((k) => row(k)), ownLedger: keys.map((k) => entry(k)) };
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => `KEY_${String(i).padStart(3, "0")}`);

describe("planSync: creates, updates and unchanged keys", () => {
  it("creates what Qovery lacks, carrying the value and fingerprint, in source order", () => {
    const p = plan({ desired: [secret("B"), secret("A", { value: "v" })] });
    expect(p).toEqual({
      target: ENV_SECRETS,
      actions: [
        { type: "create", destinationKey: "B", sourceKey: "B", value: "value-of-B", fingerprint: fingerprintOf("B", "value-of-B") },
        { type: "create", destinationKey: "A", sourceKey: "A", value: "v", fingerprint: fingerprintOf("A", "v") },
      ],
      refusal: null,
      staleLedgerKeys: [],
    });
  });

  it("a no-op run plans only unchanged keys", () => {
    const p = plan(steadyState(keys(100)));
    expect(p.actions).toEqual(keys(100).map((k) => ({ type: "unchanged", destinationKey: k, sourceKey: k })));
    expect(p.refusal).toBeNull();
    expect(p.staleLedgerKeys).toEqual([]);
  });

  it("changing 1 secret of 100 plans exactly one update, aimed at the listed row", () => {
    const state = steadyState(keys(100));
    state.desired[42] = secret("KEY_042", { value: "rotated" });
    const p = plan(state);
    const writes = p.actions.filter((a) => a.type !== "unchanged");
    expect(writes).toEqual([
      {
        type: "update",
        destinationKey: "KEY_042",
        sourceKey: "KEY_042",
        value: "rotated",
        fingerprint: fingerprintOf("KEY_042", "rotated"),
        qoveryId: "q-KEY_042",
        reason: "changed",
      },
    ]);
    expect(p.actions).toHaveLength(100);
  });

  it("updates a listed key the ledger does not know (adopting it), with reason not-in-ledger", () => {
    const p = plan({ desired: [secret("A")], rows: [row("A")] });
    expect(briefs(p)).toEqual(["update A not-in-ledger"]);
  });

  it("does not count a ledger entry for the same key at another place", () => {
    const p = plan({ desired: [secret("A")], rows: [row("A")], ownLedger: [entry("A", { at: OTHER_ENV_SECRETS, qoveryId: "q-A" })], disableSecretDeletion: true });
    expect(briefs(p)).toEqual(["update A not-in-ledger"]);
  });

  it("updates a key re-created in Qovery with a new id, and marks its ledger entry stale", () => {
    const p = plan({ desired: [secret("A"), secret("B")], rows: [row("A", { id: "q-A-recreated" }), row("B")], ownLedger: [entry("A"), entry("B")] });
    expect(briefs(p)).toEqual(["update A not-in-ledger", "unchanged B"]);
    expect(p.actions[0]).toMatchObject({ qoveryId: "q-A-recreated" });
    expect(p.staleLedgerKeys).toEqual(["A"]);
  });

  it("re-creates a key deleted in Qovery behind the sync's back, and marks its ledger entry stale", () => {
    const p = plan({ desired: [secret("A"), secret("B")], rows: [row("B")], ownLedger: [entry("A"), entry("B")] });
    expect(briefs(p)).toEqual(["create A", "unchanged B"]);
    expect(p.staleLedgerKeys).toEqual(["A"]);
  });

  it("for plain variables, compares the listed value too (an edit made in Qovery is undone)", () => {
    const at = ENV_VARIABLES;
    const p = plan({
      target: at,
      desired: [secret("SAME"), secret("EDITED"), secret("NEW_VALUE", { value: "new" })],
      rows: [
        row("SAME", { kind: "variable", value: "value-of-SAME" }),
        row("EDITED", { kind: "variable", value: "edited in the console" }),
        row("NEW_VALUE", { kind: "variable", value: "value-of-NEW_VALUE" }),
      ],
      ownLedger: [entry("SAME", { at }), entry("EDITED", { at }), entry("NEW_VALUE", { at })],
    });
    expect(briefs(p)).toEqual(["unchanged SAME", "update EDITED changed", "update NEW_VALUE changed"]);
  });

  it("treats a row without variableType as a plain value", () => {
    const p = plan({ desired: [secret("A")], rows: [row("A", { variableType: null }), row("OLD", { variableType: null })], ownLedger: [entry("A")] });
    expect(briefs(p)).toEqual(["unchanged A", "delete OLD not-in-source @environment/env-1/secret"]);
  });

  it("manages PROJECT rows for a project target", () => {
    const p = plan({
      target: PROJECT_SECRETS,
      desired: [secret("A"), secret("B")],
      rows: [row("A", { scope: "PROJECT" }), row("B", { scope: "PROJECT" }), row("OLD", { scope: "PROJECT" })],
      ownLedger: [entry("A", { at: PROJECT_SECRETS })],
    });
    expect(briefs(p)).toEqual(["unchanged A", "update B not-in-ledger", "delete OLD not-in-source @project/proj-1/secret"]);
  });
});

describe("planSync: keys it must not write", () => {
  it("skips keys Qovery would refuse, saying why", () => {
    const p = plan({ desired: [secret("my-key", { sourceKey: "my-key" }), secret("QOVERY_TOKEN"), secret("OK")] });
    expect(briefs(p)).toEqual(["skip my-key", "skip QOVERY_TOKEN", "create OK"]);
    expect(reasonOf(p, "my-key")).toMatch(/^"my-key" is not a valid Qovery key/);
    expect(reasonOf(p, "QOVERY_TOKEN")).toMatch(/reserved for Qovery's built-in variables/);
  });

  it("holds back a key with unresolved references, naming each reference and why", () => {
    const broken = secret("DB_URL", {
      unresolved: [
        { reference: "${prod.DB_HOST}", reason: "missing" },
        { reference: "${A}", reason: "cycle" },
        { reference: "${deep.X}", reason: "depth" },
      ],
    });
    const p = plan({ desired: [broken] });
    expect(p.actions).toEqual([
      {
        type: "hold",
        destinationKey: "DB_URL",
        sourceKey: "DB_URL",
        reason:
          "Held back: ${prod.DB_HOST} points to a secret that does not exist; ${A} is part of a reference cycle; " +
          "${deep.X} is nested deeper than references may go. The key is neither written nor deleted in Qovery until its references resolve",
      },
    ]);
  });

  it("holds back a key whose expansion is over a limit, naming the limit", () => {
    const p = plan({
      desired: [
        secret("BIG", { unresolved: [{ reference: "${BIG}", reason: "too-large" }] }),
        secret("LATE", { unresolved: [{ reference: "${LATE}", reason: "over-budget" }] }),
      ],
    });
    expect(p.actions.map((a) => a.type === "hold" && a.reason)).toEqual([
      "Held back: ${BIG} expands beyond the 64 KiB limit for an expanded value (65536 bytes of UTF-8). " +
        "The key is neither written nor deleted in Qovery until its references resolve",
      "Held back: ${LATE} was not expanded: reading the source used up the 8 MiB expansion limit of one read. " +
        "The key is neither written nor deleted in Qovery until its references resolve",
    ]);
  });

  it("a broken reference holds back that key only, and never deletes it", () => {
    const state = steadyState(["A", "BROKEN", "C"]);
    state.desired[1] = secret("BROKEN", { value: "${MISSING}", unresolved: [{ reference: "${MISSING}", reason: "missing" }] });
    state.desired[2] = secret("C", { value: "changed" });
    const p = plan({ ...state, rows: [...state.rows, row("GONE")] });
    expect(briefs(p)).toEqual(["unchanged A", "hold BROKEN", "update C changed", "delete GONE not-in-source @environment/env-1/secret"]);
  });

  it("holds back a broken key that is not in Qovery yet instead of creating it", () => {
    const p = plan({ desired: [secret("NEW", { unresolved: [{ reference: "${X}", reason: "missing" }] })] });
    expect(briefs(p)).toEqual(["hold NEW"]);
  });

  it("reports a key another sync owns at this destination as a conflict naming that sync", () => {
    const p = plan({
      desired: [secret("SHARED"), secret("MINE")],
      rows: [row("SHARED")],
      foreignLedger: [entry("SHARED", { syncId: "sync-b" })],
    });
    expect(briefs(p)).toEqual(["conflict SHARED", "create MINE"]);
    expect(reasonOf(p, "SHARED")).toBe('"SHARED" is managed by another sync (sync-b) at this destination');
  });

  it("counts another sync's entry of either kind, since secrets and variables share one namespace", () => {
    const p = plan({ desired: [secret("K")], foreignLedger: [entry("K", { syncId: "sync-b", at: ENV_VARIABLES })] });
    expect(briefs(p)).toEqual(["conflict K"]);
  });

  it("ignores another sync's entries at other places", () => {
    const p = plan({ desired: [secret("K")], foreignLedger: [entry("K", { syncId: "sync-b", at: OTHER_ENV_SECRETS })] });
    expect(briefs(p)).toEqual(["create K"]);
  });

  it("does not clobber a key that exists as the other kind, at another scope, or as a non-VALUE row", () => {
    const p = plan({
      desired: ["AS_VARIABLE", "INHERITED", "BUILT", "ALIASED", "OVERRIDDEN", "FILED", "FREE"].map((k) => secret(k)),
      rows: [
        row("AS_VARIABLE", { kind: "variable", value: "x" }),
        row("INHERITED", { scope: "PROJECT" }),
        row("BUILT", { scope: "BUILT_IN", variableType: "BUILT_IN" }),
        row("ALIASED", { variableType: "ALIAS" }),
        row("OVERRIDDEN", { variableType: "OVERRIDE" }),
        row("FILED", { variableType: "FILE" }),
      ],
    });
    expect(briefs(p)).toEqual([
      "conflict AS_VARIABLE",
      "conflict INHERITED",
      "conflict BUILT",
      "conflict ALIASED",
      "conflict OVERRIDDEN",
      "conflict FILED",
      "create FREE",
    ]);
    expect(reasonOf(p, "AS_VARIABLE")).toBe('"AS_VARIABLE" already exists in Qovery as a plain variable at ENVIRONMENT scope; this sync does not overwrite it');
    expect(reasonOf(p, "INHERITED")).toBe('"INHERITED" already exists in Qovery as a secret at PROJECT scope; this sync does not overwrite it');
    expect(reasonOf(p, "ALIASED")).toBe('"ALIASED" already exists in Qovery as a secret (ALIAS) at ENVIRONMENT scope; this sync does not overwrite it');
    expect(reasonOf(p, "BUILT")).toMatch(/as a secret \(BUILT_IN\) at BUILT_IN scope/);
  });

  it("names every place a colliding key exists", () => {
    const p = plan({ desired: [secret("K")], rows: [row("K", { scope: "PROJECT", id: "p" }), row("K", { kind: "variable", id: "v" })] });
    expect(reasonOf(p, "K")).toBe('"K" already exists in Qovery as a secret at PROJECT scope and a plain variable at ENVIRONMENT scope; this sync does not overwrite it');
  });

  it("prefers the managed row when the key is also listed elsewhere", () => {
    const p = plan({ desired: [secret("K")], rows: [row("K", { scope: "PROJECT", id: "p" }), row("K")], ownLedger: [entry("K")] });
    expect(briefs(p)).toEqual(["unchanged K"]);
  });
});

describe("planSync: deletes", () => {
  it("deletes managed rows the source no longer has, after the upserts, in listing order", () => {
    const p = plan({ desired: [secret("KEEP")], rows: [row("OLD_2"), row("KEEP"), row("OLD_1")], ownLedger: [entry("KEEP")] });
    expect(p.actions).toEqual([
      { type: "unchanged", destinationKey: "KEEP", sourceKey: "KEEP" },
      { type: "delete", destinationKey: "OLD_2", qoveryId: "q-OLD_2", target: ENV_SECRETS, reason: "not-in-source" },
      { type: "delete", destinationKey: "OLD_1", qoveryId: "q-OLD_1", target: ENV_SECRETS, reason: "not-in-source" },
    ]);
  });

  it("deletes nothing when secret deletion is disabled", () => {
    const p = plan({
      disableSecretDeletion: true,
      desired: [secret("KEEP")],
      rows: [row("KEEP"), row("OLD")],
      ownLedger: [entry("KEEP"), entry("OLD"), entry("MOVED", { at: OTHER_ENV_SECRETS })],
    });
    expect(briefs(p)).toEqual(["unchanged KEEP"]);
  });

  it("never touches BUILT_IN, ALIAS, OVERRIDE, FILE, other-kind or inherited rows", () => {
    const p = plan({
      desired: [secret("A")],
      rows: [
        row("A"),
        row("QOVERY_ENV_ID", { scope: "BUILT_IN", variableType: "BUILT_IN" }),
        row("AN_ALIAS", { variableType: "ALIAS" }),
        row("AN_OVERRIDE", { variableType: "OVERRIDE" }),
        row("A_FILE", { variableType: "FILE" }),
        row("A_VARIABLE", { kind: "variable", value: "x" }),
        row("FROM_PROJECT", { scope: "PROJECT" }),
      ],
      ownLedger: [entry("A")],
    });
    expect(briefs(p)).toEqual(["unchanged A"]);
  });

  it("leaves a key outside the key schema alone, and deletes those inside it", () => {
    const p = plan({
      keySchema: "APP_{{environment}}_{{secretKey}}",
      desired: [secret("APP_dev_DB", { sourceKey: "DB" })],
      rows: [row("APP_dev_DB"), row("MANUAL"), row("APP_prod_X"), row("APP_dev_OLD")],
      ownLedger: [entry("APP_dev_DB", { sourceKey: "DB" })],
    });
    expect(briefs(p)).toEqual(["unchanged APP_dev_DB", "delete APP_dev_OLD not-in-source @environment/env-1/secret"]);
  });

  it("two syncs sharing a destination and a key schema keep each other's keys", () => {
    const rows = [row("APP_A1"), row("APP_A2"), row("APP_B1"), row("APP_STRAY")];
    const ledgerA = [entry("APP_A1"), entry("APP_A2")];
    const ledgerB = [entry("APP_B1", { syncId: "sync-b" })];
    const common = { keySchema: "APP_{{secretKey}}", rows };

    const a = plan({ ...common, syncId: "sync-a", desired: [secret("APP_A1")], ownLedger: ledgerA, foreignLedger: ledgerB });
    expect(briefs(a)).toEqual([
      "unchanged APP_A1",
      "delete APP_A2 not-in-source @environment/env-1/secret",
      "delete APP_STRAY not-in-source @environment/env-1/secret",
    ]);

    const b = plan({ ...common, syncId: "sync-b", desired: [secret("APP_B1")], ownLedger: ledgerB, foreignLedger: ledgerA });
    expect(briefs(b)).toEqual(["unchanged APP_B1", "delete APP_STRAY not-in-source @environment/env-1/secret"]);
  });

  it("deletes a row it wrote that a key schema change left outside the schema", () => {
    const p = plan({
      keySchema: "NEW_{{secretKey}}",
      desired: [secret("NEW_DB", { sourceKey: "DB" })],
      rows: [row("OLD_DB"), row("OLD_MANUAL")],
      ownLedger: [entry("OLD_DB", { sourceKey: "DB" })],
    });
    expect(briefs(p)).toEqual(["create NEW_DB", "delete OLD_DB not-in-source @environment/env-1/secret"]);
  });

  it("keeps a row outside the schema whose ledger id no longer matches (someone else re-created it)", () => {
    const p = plan({
      keySchema: "NEW_{{secretKey}}",
      desired: [secret("NEW_DB", { sourceKey: "DB" })],
      rows: [row("OLD_DB", { id: "someone-else" })],
      ownLedger: [entry("OLD_DB", { sourceKey: "DB" })],
    });
    expect(briefs(p)).toEqual(["create NEW_DB"]);
    expect(p.staleLedgerKeys).toEqual(["OLD_DB"]);
  });

  it("keeps the old row of a held secret after a key schema change", () => {
    const p = plan({
      keySchema: "NEW_{{secretKey}}",
      desired: [secret("NEW_DB", { sourceKey: "DB", unresolved: [{ reference: "${X}", reason: "missing" }] }), secret("NEW_OK", { sourceKey: "OK" })],
      rows: [row("OLD_DB")],
      ownLedger: [entry("OLD_DB", { sourceKey: "DB" })],
    });
    expect(briefs(p)).toEqual(["hold NEW_DB", "create NEW_OK"]);
  });

  it("an empty source deletes nothing and says why", () => {
    const p = plan({
      desired: [],
      rows: [row("A"), row("B")],
      ownLedger: [entry("A"), entry("B"), entry("C", { at: OTHER_ENV_SECRETS })],
    });
    expect(p.actions).toEqual([]);
    expect(p.refusal).toBe(
      "The source has no secrets, so this run deletes nothing: it would otherwise delete 3 keys in Qovery. " +
        "Check the sync's environment and secret path; to clear the destination on purpose, use remove-secrets",
    );
  });

  it("an empty source with nothing to delete is not refused", () => {
    expect(plan({ desired: [], rows: [row("MANUAL")], keySchema: "APP_{{secretKey}}" })).toEqual({
      target: ENV_SECRETS,
      actions: [],
      refusal: null,
      staleLedgerKeys: [],
    });
    expect(plan({ desired: [], rows: [row("A")], disableSecretDeletion: true }).refusal).toBeNull();
  });

  it("a source of held keys only is not empty: nothing is written, other keys are deleted", () => {
    const p = plan({ desired: [secret("A", { unresolved: [{ reference: "${X}", reason: "missing" }] })], rows: [row("A"), row("B")] });
    expect(briefs(p)).toEqual(["hold A", "delete B not-in-source @environment/env-1/secret"]);
    expect(p.refusal).toBeNull();
  });
});

describe("planSync: the destination moved (variable type, scope or parent changed)", () => {
  it("variableType secret → variable: deletes the old secret before creating the variable, and removes keys no longer in the source", () => {
    const p = plan({
      target: ENV_VARIABLES,
      desired: [secret("A")],
      // a listing at the environment shows both kinds: the old secrets are still there
      rows: [row("A"), row("DROPPED")],
      ownLedger: [entry("A"), entry("DROPPED")],
    });
    expect(briefs(p)).toEqual(["delete A moved @environment/env-1/secret", "create A", "delete DROPPED moved @environment/env-1/secret"]);
    expect(p.actions[0]).toEqual({ type: "delete", destinationKey: "A", qoveryId: "q-A", target: ENV_SECRETS, reason: "moved" });
    expect(p.staleLedgerKeys).toEqual([]);
  });

  it("scope project → environment: deletes the PROJECT rows it wrote, inherited rows it did not write stay", () => {
    const p = plan({
      target: ENV_SECRETS,
      desired: [secret("A"), secret("SHARED")],
      rows: [row("A", { scope: "PROJECT" }), row("SHARED", { scope: "PROJECT", id: "set-by-hand" })],
      ownLedger: [entry("A", { at: PROJECT_SECRETS })],
    });
    expect(briefs(p)).toEqual(["delete A moved @project/proj-1/secret", "create A", "conflict SHARED"]);
  });

  it("another environment: deletes at the old environment by ledger id", () => {
    const p = plan({
      desired: [secret("A")],
      ownLedger: [entry("A", { at: OTHER_ENV_SECRETS }), entry("GONE", { at: OTHER_ENV_SECRETS, qoveryId: "old-id" })],
    });
    expect(briefs(p)).toEqual(["delete A moved @environment/env-2/secret", "create A", "delete GONE moved @environment/env-2/secret"]);
    expect(p.actions[2]).toMatchObject({ qoveryId: "old-id" });
  });

  it("with deletion disabled, leaves the old rows and reports the collision instead of failing on it", () => {
    const p = plan({
      target: ENV_VARIABLES,
      disableSecretDeletion: true,
      desired: [secret("A"), secret("B")],
      rows: [row("A")],
      ownLedger: [entry("A"), entry("B", { at: PROJECT_SECRETS })],
    });
    expect(briefs(p)).toEqual(["conflict A", "create B"]);
    expect(reasonOf(p, "A")).toBe(
      '"A" already exists in Qovery as a secret at ENVIRONMENT scope (written there by this sync before its destination changed, ' +
        "and kept because secret deletion is disabled); this sync does not overwrite it",
    );
  });

  it("keeps a held key at its old place", () => {
    const p = plan({
      target: ENV_VARIABLES,
      desired: [secret("A", { unresolved: [{ reference: "${X}", reason: "cycle" }] }), secret("B")],
      rows: [row("A"), row("B")],
      ownLedger: [entry("A"), entry("B")],
    });
    expect(briefs(p)).toEqual(["delete B moved @environment/env-1/secret", "hold A", "create B"]);
  });

  it("an empty source refuses moved deletes too", () => {
    const p = plan({ desired: [], ownLedger: [entry("A", { at: PROJECT_SECRETS })] });
    expect(p.actions).toEqual([]);
    expect(p.refusal).toMatch(/would otherwise delete 1 key in Qovery/);
  });
});

describe("planRemoval", () => {
  it("deletes what the ledger owns, and nothing else", () => {
    const p = planRemoval({
      target: ENV_SECRETS,
      rows: [row("A"), row("B"), row("MANUAL"), row("QOVERY_X", { scope: "BUILT_IN", variableType: "BUILT_IN" })],
      ownLedger: [entry("A"), entry("B"), entry("C_OLD_PLACE", { at: PROJECT_SECRETS, qoveryId: "p-1" })],
    });
    expect(p).toEqual({
      target: ENV_SECRETS,
      actions: [
        { type: "delete", destinationKey: "A", qoveryId: "q-A", target: ENV_SECRETS, reason: "remove-secrets" },
        { type: "delete", destinationKey: "B", qoveryId: "q-B", target: ENV_SECRETS, reason: "remove-secrets" },
        { type: "delete", destinationKey: "C_OLD_PLACE", qoveryId: "p-1", target: PROJECT_SECRETS, reason: "remove-secrets" },
      ],
      refusal: null,
      staleLedgerKeys: [],
    });
  });

  it("removes keys that left the source long ago (by ledger, not by the current source)", () => {
    const p = planRemoval({ target: ENV_SECRETS, rows: [row("REMOVED_FROM_SOURCE")], ownLedger: [entry("REMOVED_FROM_SOURCE")] });
    expect(briefs(p)).toEqual(["delete REMOVED_FROM_SOURCE remove-secrets @environment/env-1/secret"]);
  });

  it("skips rows no longer listed, or re-created with another id, and marks them stale", () => {
    const p = planRemoval({
      target: ENV_SECRETS,
      rows: [row("RECREATED", { id: "new-id" }), row("KEPT")],
      ownLedger: [entry("DELETED_IN_QOVERY"), entry("RECREATED"), entry("KEPT")],
    });
    expect(briefs(p)).toEqual(["delete KEPT remove-secrets @environment/env-1/secret"]);
    expect(p.staleLedgerKeys).toEqual(["DELETED_IN_QOVERY", "RECREATED"]);
  });

  it("only deletes listed rows of its own kind and scope", () => {
    const p = planRemoval({
      target: ENV_SECRETS,
      rows: [row("A", { kind: "variable" }), row("B", { scope: "PROJECT" })],
      ownLedger: [entry("A"), entry("B")],
    });
    expect(p.actions).toEqual([]);
    expect(p.staleLedgerKeys).toEqual(["A", "B"]);
  });

  it("has nothing to do with an empty ledger", () => {
    expect(planRemoval({ target: ENV_SECRETS, rows: [row("A")], ownLedger: [] })).toEqual({ target: ENV_SECRETS, actions: [], refusal: null, staleLedgerKeys: [] });
  });
});
