/** A sync's stored configuration, parsed: where it writes in Qovery and with which options. */
import type { SyncRecord } from "./repository";
import type { DestinationTarget, QoveryDestinationConfig, QoverySyncOptions } from "./types";

export interface SyncConfig {
  target: DestinationTarget;
  options: QoverySyncOptions;
  destination: QoveryDestinationConfig;
}

/** Where a sync's configuration says it writes. */
export function destinationTarget(config: QoveryDestinationConfig): DestinationTarget {
  return config.environmentId
    ? { scope: "environment", parentId: config.environmentId, kind: config.variableType }
    : { scope: "project", parentId: config.projectId, kind: config.variableType };
}

export function syncConfig(record: SyncRecord): SyncConfig {
  const destination = JSON.parse(record.sync.destinationConfigJson) as QoveryDestinationConfig;
  return { destination, target: destinationTarget(destination), options: JSON.parse(record.sync.syncOptionsJson) as QoverySyncOptions };
}
