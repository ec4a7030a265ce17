/**
 * The plan: what a run must do at the Qovery destination, decided from the source, the listing and the ledgers
 * alone. Pure and deterministic, so the dry run shows exactly what a run would do, and a crashed or redelivered run
 * re-plans from the same facts and resumes instead of repeating itself.
 */
import { OWN_SCOPE } from "../qovery/types";
import { MAX_EXPANDED_VALUE_BYTES, MAX_EXPANSION_BYTES_PER_READ } from "../lib/limits";
import { matchesKeySchema, qoveryKeyProblem } from "./key-schema";
import type { DesiredSecret, DestinationRow, DestinationTarget, LedgerEntry, Plan, PlanAction } from "./types";

export interface PlanInput {
  syncId: string;
  target: DestinationTarget;
  keySchema: string | undefined;
  /** slug of the source environment: fills `{{environment}}` when matching keys against the schema */
  environmentSlug: string;
  disableSecretDeletion: boolean;
  /** the source, destination keys and fingerprints already computed */
  desired: DesiredSecret[];
  /** Qovery's listing at the target, secrets and plain variables alike, inherited rows included */
  rows: DestinationRow[];
  /** this sync's ledger, at every place it ever wrote */
  ownLedger: LedgerEntry[];
  /** other syncs' entries at the target's scope and parent */
  foreignLedger: LedgerEntry[];
}

export interface RemovalInput {
  target: DestinationTarget;
  rows: DestinationRow[];
  ownLedger: LedgerEntry[];
}

type DeleteAction = Extract<PlanAction, { type: "delete" }>;

const UNRESOLVED_WHY: Record<DesiredSecret["unresolved"][number]["reason"], string> = {
  missing: "points to a secret that does not exist",
  cycle: "is part of a reference cycle",
  depth: "is nested deeper than references may go",
  "too-large": `expands beyond the ${MAX_EXPANDED_VALUE_BYTES / 1024} KiB limit for an expanded value (${MAX_EXPANDED_VALUE_BYTES} bytes of UTF-8)`,
  "over-budget": `was not expanded: reading the source used up the ${MAX_EXPANSION_BYTES_PER_READ / 1024 / 1024} MiB expansion limit of one read`,
};

/** Rows the sync may write or delete: its own kind, defined at its own scope, plain values (no alias, override, file). */
export function isManaged(row: DestinationRow, target: DestinationTarget): boolean {
  return row.kind === target.kind && row.scope === OWN_SCOPE[target.scope] && (row.variableType === null || row.variableType === "VALUE");
}

/** A ledger entry of the target's place and kind. */
export function isAtTarget(entry: LedgerEntry, target: DestinationTarget): boolean {
  return entry.scope === target.scope && entry.parentId === target.parentId && entry.kind === target.kind;
}

function deleteOf(entry: LedgerEntry, reason: DeleteAction["reason"]): DeleteAction {
  return {
    type: "delete",
    destinationKey: entry.destinationKey,
    qoveryId: entry.qoveryId,
    target: { scope: entry.scope, parentId: entry.parentId, kind: entry.kind },
    reason,
  };
}

function groupByKey<T extends { key: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.key, [...(groups.get(item.key) ?? []), item]);
  return groups;
}

function describeRow(row: DestinationRow): string {
  const kind = row.kind === "secret" ? "secret" : "plain variable";
  const type = row.variableType && row.variableType !== "VALUE" ? ` (${row.variableType})` : "";
  return `a ${kind}${type} at ${row.scope} scope`;
}

function holdReason(unresolved: DesiredSecret["unresolved"]): string {
  const why = unresolved.map((u) => `${u.reference} ${UNRESOLVED_WHY[u.reason]}`).join("; ");
  return `Held back: ${why}. The key is neither written nor deleted in Qovery until its references resolve`;
}

/** Everything the per-secret decisions need to know about the destination, indexed once. */
interface Destination {
  target: DestinationTarget;
  managedByKey: Map<string, DestinationRow>;
  otherRowsByKey: Map<string, DestinationRow[]>;
  ownLedgerHere: Map<string, LedgerEntry>;
  foreignOwnerOf: Map<string, string>;
  /** ids of rows this sync wrote at a previous place and deletes in this plan */
  movingIds: Set<string>;
  /** ids of rows this sync wrote at a previous place and keeps because deletion is disabled */
  leftBehindIds: Set<string>;
}

function decideExisting(secret: DesiredSecret, row: DestinationRow, destination: Destination): PlanAction {
  const { destinationKey, sourceKey, value, fingerprint } = secret;
  const entry = destination.ownLedgerHere.get(destinationKey);
  if (!entry || entry.qoveryId !== row.id) {
    return { type: "update", destinationKey, sourceKey, value, fingerprint, qoveryId: row.id, reason: "not-in-ledger" };
  }
  // Qovery never returns secret values, so for secrets the fingerprint of the last push is all there is to compare;
  // plain variables are listed with their value, which also catches edits made in Qovery.
  const unchanged = entry.fingerprint === fingerprint && (destination.target.kind === "secret" || row.value === value);
  if (unchanged) return { type: "unchanged", destinationKey, sourceKey };
  return { type: "update", destinationKey, sourceKey, value, fingerprint, qoveryId: row.id, reason: "changed" };
}

function collisionReason(key: string, rows: DestinationRow[], destination: Destination): string {
  const places = rows.map((row) =>
    destination.leftBehindIds.has(row.id)
      ? `${describeRow(row)} (written there by this sync before its destination changed, and kept because secret deletion is disabled)`
      : describeRow(row),
  );
  return `"${key}" already exists in Qovery as ${places.join(" and ")}; this sync does not overwrite it`;
}

function decideSecret(secret: DesiredSecret, destination: Destination): PlanAction {
  const { destinationKey, sourceKey } = secret;
  const keyProblem = qoveryKeyProblem(destinationKey);
  if (keyProblem) return { type: "skip", destinationKey, sourceKey, reason: keyProblem };
  if (secret.unresolved.length) return { type: "hold", destinationKey, sourceKey, reason: holdReason(secret.unresolved) };

  const owner = destination.foreignOwnerOf.get(destinationKey);
  if (owner) {
    return { type: "conflict", destinationKey, sourceKey, reason: `"${destinationKey}" is managed by another sync (${owner}) at this destination` };
  }
  const row = destination.managedByKey.get(destinationKey);
  if (row) return decideExisting(secret, row, destination);

  // The old row of a moved key is deleted by this same plan (before the create), so it does not block.
  const collisions = (destination.otherRowsByKey.get(destinationKey) ?? []).filter((r) => !destination.movingIds.has(r.id));
  if (collisions.length) return { type: "conflict", destinationKey, sourceKey, reason: collisionReason(destinationKey, collisions, destination) };
  return { type: "create", destinationKey, sourceKey, value: secret.value, fingerprint: secret.fingerprint };
}

function refusalFor(deleteCount: number): string {
  return (
    `The source has no secrets, so this run deletes nothing: it would otherwise delete ${deleteCount} key${deleteCount === 1 ? "" : "s"} in Qovery. ` +
    "Check the sync's environment and secret path; to clear the destination on purpose, use remove-secrets"
  );
}

/**
 * Plans a sync run. Actions come in the order they must be applied: deletes of moved keys that a create here would
 * collide with (Qovery shares one key namespace across kinds and along the project → environment chain), then one
 * action per source secret in source order, then the remaining deletes.
 */
export function planSync(input: PlanInput): Plan {
  const { target } = input;
  const deletionEnabled = !input.disableSecretDeletion;
  const managed = input.rows.filter((row) => isManaged(row, target));
  const ownLedgerHere = input.ownLedger.filter((entry) => isAtTarget(entry, target));
  const ownLedgerElsewhere = input.ownLedger.filter((entry) => !isAtTarget(entry, target));
  // A held secret's key stays wherever this sync wrote it, old places included.
  const heldSourceKeys = new Set(input.desired.filter((secret) => secret.unresolved.length).map((secret) => secret.sourceKey));
  const moving = deletionEnabled ? ownLedgerElsewhere.filter((entry) => !heldSourceKeys.has(entry.sourceKey)) : [];

  const destination: Destination = {
    target,
    managedByKey: new Map([...groupByKey(managed)].map(([key, rows]) => [key, rows[0]!])),
    otherRowsByKey: groupByKey(input.rows.filter((row) => !isManaged(row, target))),
    ownLedgerHere: new Map(ownLedgerHere.map((entry) => [entry.destinationKey, entry])),
    foreignOwnerOf: new Map(
      input.foreignLedger
        .filter((entry) => entry.scope === target.scope && entry.parentId === target.parentId)
        .map((entry) => [entry.destinationKey, entry.syncId]),
    ),
    movingIds: new Set(moving.map((entry) => entry.qoveryId)),
    leftBehindIds: new Set(deletionEnabled ? [] : ownLedgerElsewhere.map((entry) => entry.qoveryId)),
  };

  const perSecret = input.desired.map((secret) => decideSecret(secret, destination));
  const created = new Set(perSecret.filter((action) => action.type === "create").map((action) => action.destinationKey));
  const inSource = new Set(input.desired.map((secret) => secret.destinationKey));
  // Rows this sync wrote here are its own even when a key schema change put them outside the schema.
  const isOwnRow = (row: DestinationRow) => {
    const entry = destination.ownLedgerHere.get(row.key);
    return entry?.qoveryId === row.id && !heldSourceKeys.has(entry.sourceKey);
  };
  const notInSource: DeleteAction[] = deletionEnabled
    ? managed
        .filter((row) => !inSource.has(row.key) && !destination.foreignOwnerOf.has(row.key))
        .filter((row) => matchesKeySchema(input.keySchema, row.key, input.environmentSlug) || isOwnRow(row))
        .map((row) => ({ type: "delete", destinationKey: row.key, qoveryId: row.id, target, reason: "not-in-source" }))
    : [];
  const movedFirst = moving.filter((entry) => created.has(entry.destinationKey)).map((entry) => deleteOf(entry, "moved"));
  const movedLast = moving.filter((entry) => !created.has(entry.destinationKey)).map((entry) => deleteOf(entry, "moved"));

  const listedIds = new Set(managed.map((row) => row.id));
  const staleLedgerKeys = ownLedgerHere.filter((entry) => !listedIds.has(entry.qoveryId)).map((entry) => entry.destinationKey);

  const deleteCount = movedFirst.length + notInSource.length + movedLast.length;
  if (input.desired.length === 0 && deleteCount > 0) return { target, actions: [], refusal: refusalFor(deleteCount), staleLedgerKeys };
  return { target, actions: [...movedFirst, ...perSecret, ...notInSource, ...movedLast], refusal: null, staleLedgerKeys };
}

/**
 * Plans remove-secrets: deletes every row this sync's ledger shows it wrote, whatever the source holds now (W12).
 * At the target, only rows still listed with the recorded id: a key someone re-created since is not this sync's row.
 * Rows at previous places cannot be listed from here; they are deleted by their recorded id (a 404 means done).
 */
export function planRemoval(input: RemovalInput): Plan {
  const { target } = input;
  const listedIds = new Set(input.rows.filter((row) => isManaged(row, target)).map((row) => row.id));
  const isGone = (entry: LedgerEntry) => isAtTarget(entry, target) && !listedIds.has(entry.qoveryId);
  return {
    target,
    actions: input.ownLedger.filter((entry) => !isGone(entry)).map((entry) => deleteOf(entry, "remove-secrets")),
    refusal: null,
    staleLedgerKeys: input.ownLedger.filter(isGone).map((entry) => entry.destinationKey),
  };
}
