/** Shared vocabulary of the sync engine: configuration, plan actions and run outcomes. */
import type { QoveryVariableKind, QoveryVariableScope } from "../qovery/types";
import type { UnresolvedReference } from "../store/references";

export type SyncStatus = "pending" | "running" | "succeeded" | "failed";
export type RunKind = "sync" | "remove";
export type RunTrigger = "create" | "update" | "manual" | "auto" | "webhook" | "cron" | "retry" | "delete";

/** Where a sync writes in Qovery: a project or an environment, as secrets or as plain variables. */
export interface DestinationTarget {
  scope: QoveryVariableScope;
  /** Qovery project id (scope project) or environment id (scope environment) */
  parentId: string;
  kind: QoveryVariableKind;
}

export interface QoveryDestinationConfig {
  organizationId: string;
  organizationName?: string;
  projectId: string;
  projectName?: string;
  environmentId?: string;
  environmentName?: string;
  variableType: "secret" | "variable";
}

export interface QoverySyncOptions {
  initialSyncBehavior: "overwrite-destination";
  keySchema?: string;
  disableSecretDeletion?: boolean;
  /** the seed's spelling of isAutoSyncEnabled; kept in sync with the column for compatibility */
  autoSyncEnabled?: boolean;
}

/** One secret of the source as the plan sees it: its destination key already computed. */
export interface DesiredSecret {
  sourceKey: string;
  destinationKey: string;
  value: string;
  /** keyed fingerprint of (destinationKey, value); compared with the ledger to skip unchanged secrets */
  fingerprint: string;
  /** references that could not be expanded, or the value itself when over an expansion limit: the key is held back */
  unresolved: UnresolvedReference[];
}

/** A Qovery row as listed at the target (inherited rows included; the plan filters them). */
export interface DestinationRow {
  id: string;
  key: string;
  /** null for secrets: Qovery never returns their values */
  value: string | null;
  /** PROJECT, ENVIRONMENT, BUILT_IN, ... */
  scope: string;
  variableType: string | null;
  kind: QoveryVariableKind;
  updatedAt: string | null;
}

/** What the ledger remembers of a row a sync wrote. */
export interface LedgerEntry {
  syncId: string;
  destinationKey: string;
  sourceKey: string;
  scope: QoveryVariableScope;
  parentId: string;
  kind: QoveryVariableKind;
  qoveryId: string;
  fingerprint: string;
  writtenAt: string;
  /** Qovery's `updated_at` of the row right after our write: a later one means someone else edited it */
  qoveryUpdatedAt: string | null;
}

export type PlanAction =
  | { type: "create"; destinationKey: string; sourceKey: string; value: string; fingerprint: string }
  | { type: "update"; destinationKey: string; sourceKey: string; value: string; fingerprint: string; qoveryId: string; reason: "changed" | "not-in-ledger" }
  | { type: "unchanged"; destinationKey: string; sourceKey: string }
  | { type: "delete"; destinationKey: string; qoveryId: string; target: DestinationTarget; reason: "not-in-source" | "moved" | "remove-secrets" }
  | { type: "hold"; destinationKey: string; sourceKey: string; reason: string }
  | { type: "conflict"; destinationKey: string; sourceKey?: string; reason: string }
  | { type: "skip"; destinationKey: string; sourceKey?: string; reason: string };

export interface Plan {
  target: DestinationTarget;
  actions: PlanAction[];
  /** set when the plan refuses to run at all (e.g. an empty source that would wipe Qovery) */
  refusal: string | null;
  /** ledger entries whose Qovery row has disappeared: forgotten when the plan is applied */
  staleLedgerKeys: string[];
}

export type KeyOutcome = "done" | "failed" | "not-attempted";

export interface KeyResult {
  key: string;
  action: PlanAction["type"];
  outcome: KeyOutcome;
  /** QoveryErrorKind or a local class (validation, held-back, conflict) */
  errorClass?: string;
  message?: string;
}

export type DriftKind = "missing" | "recreated" | "value-changed" | "edited-elsewhere" | "unmanaged";

export interface DriftItem {
  key: string;
  kind: DriftKind;
}

export interface DriftReport {
  checkedAt: string;
  items: DriftItem[];
}
