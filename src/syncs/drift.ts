/**
 * Drift: how the Qovery rows a sync owns differ from what it last wrote, judged from a listing and the ledger alone
 * (secret values are never readable, so a secret edited elsewhere shows as a newer `updated_at`). Pure.
 */
import { matchesKeySchema } from "./key-schema";
import { isManaged } from "./plan";
import type { DestinationRow, DestinationTarget, DriftItem, LedgerEntry } from "./types";

export interface DriftInput {
  target: DestinationTarget;
  rows: DestinationRow[];
  /** this sync's ledger entries at the target */
  ledger: LedgerEntry[];
  /** keys other syncs own at the target's place */
  foreignKeys: ReadonlySet<string>;
  keySchema: string | undefined;
  environmentSlug: string;
  /** for plain variables: does the listed value still match the ledger's fingerprint? */
  valueMatches: (entry: LedgerEntry, listedValue: string) => boolean;
}

export function detectDrift(input: DriftInput): DriftItem[] {
  const managed = new Map(input.rows.filter((r) => isManaged(r, input.target)).map((r) => [r.key, r]));
  const items: DriftItem[] = [];
  for (const entry of input.ledger) {
    const row = managed.get(entry.destinationKey);
    if (!row) items.push({ key: entry.destinationKey, kind: "missing" });
    else if (row.id !== entry.qoveryId) items.push({ key: entry.destinationKey, kind: "recreated" });
    else if (input.target.kind === "variable" && row.value !== null && !input.valueMatches(entry, row.value)) items.push({ key: entry.destinationKey, kind: "value-changed" });
    else if (entry.qoveryUpdatedAt && row.updatedAt && row.updatedAt > entry.qoveryUpdatedAt) items.push({ key: entry.destinationKey, kind: "edited-elsewhere" });
  }
  const owned = new Set(input.ledger.map((e) => e.destinationKey));
  for (const row of managed.values()) {
    if (owned.has(row.key) || input.foreignKeys.has(row.key)) continue;
    if (matchesKeySchema(input.keySchema, row.key, input.environmentSlug)) items.push({ key: row.key, kind: "unmanaged" });
  }
  return items.sort((a, b) => a.key.localeCompare(b.key));
}
