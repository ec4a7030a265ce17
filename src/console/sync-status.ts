/** How a sync's state reads in the console: status badges, progress, messages and drift. */
import type { PublicSync } from "../syncs/public-sync";
import type { DriftKind, QoveryDestinationConfig } from "../syncs/types";

export type BadgeTone = "none" | "pending" | "running" | "succeeded" | "failed" | "drift";

export interface Badge {
  tone: BadgeTone;
  label: string;
}

const IN_FLIGHT = new Set(["pending", "running"]);
type StatusFields = Pick<PublicSync, "syncStatus" | "removeStatus">;

export const isInFlight = (sync: StatusFields) => IN_FLIGHT.has(sync.syncStatus ?? "") || IN_FLIGHT.has(sync.removeStatus ?? "");

const LABELS: Record<string, string> = { pending: "Pending", running: "Running", succeeded: "Succeeded", failed: "Failed" };

export function syncBadge(sync: StatusFields): Badge {
  if (sync.removeStatus && IN_FLIGHT.has(sync.removeStatus)) return { tone: sync.removeStatus as BadgeTone, label: `Removing secrets: ${LABELS[sync.removeStatus]!.toLowerCase()}` };
  if (!sync.syncStatus) return { tone: "none", label: "Not synced yet" };
  return { tone: sync.syncStatus as BadgeTone, label: LABELS[sync.syncStatus] ?? sync.syncStatus };
}

/** A sentence for what is happening right now, announced by the status region while a run is in flight. */
export function progressOf(sync: StatusFields): string {
  if (sync.removeStatus === "pending") return "The removal is queued and starts in a moment…";
  if (sync.removeStatus === "running") return "Removing this sync's secrets from Qovery…";
  if (sync.syncStatus === "pending") return "The run is queued and starts in a moment…";
  if (sync.syncStatus === "running") return "Writing secrets to Qovery…";
  return "";
}

/**
 * `lastSyncMessage` is Infisical's JSON string `{secretKey?, message?, error}`; shown as one readable line. Anything
 * else is shown as it is.
 */
export function describeSyncMessage(raw: string | null): string | null {
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as { secretKey?: string; message?: string; error?: unknown };
    if (typeof parsed !== "object" || parsed === null) return raw;
    const error = typeof parsed.error === "string" ? parsed.error : parsed.error === undefined ? undefined : JSON.stringify(parsed.error);
    return [parsed.message, parsed.secretKey && error ? `${parsed.secretKey}: ${error}` : error].filter(Boolean).join(" — ") || raw;
  } catch {
    return raw;
  }
}

const DRIFT_KINDS: Record<DriftKind, string> = {
  missing: "deleted in Qovery",
  recreated: "deleted and re-created in Qovery",
  "value-changed": "value changed in Qovery",
  "edited-elsewhere": "edited in Qovery",
  unmanaged: "in Qovery under this sync's key names, but not written by it",
};

export const describeDriftKind = (kind: DriftKind) => DRIFT_KINDS[kind] ?? kind;

export const isDrifted = (sync: Pick<PublicSync, "driftStatus">) => sync.driftStatus === "drifted";

/** Where a sync writes, by the names Qovery gave (ids when a name is unknown). */
export function describeDestination(config: QoveryDestinationConfig): string {
  const project = `project ${config.projectName ?? config.projectId}`;
  return config.environmentId ? `${project}, environment ${config.environmentName ?? config.environmentId}` : `${project} (project level)`;
}
