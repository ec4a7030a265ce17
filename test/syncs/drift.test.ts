import { describe, expect, it } from "vitest";
import { detectDrift, type DriftInput } from "../../src/syncs/drift";
import type { DestinationRow, LedgerEntry } from "../../src/syncs/types";

const target = { scope: "environment" as const, parentId: "env-1", kind: "variable" as const };
const row = (key: string, o: Partial<DestinationRow> = {}): DestinationRow => ({
  id: `q-${key}`, key, value: "v", scope: "ENVIRONMENT", variableType: "VALUE", kind: "variable", updatedAt: "2026-01-01T00:00:00.000000Z", ...o,
});
const entry = (key: string, o: Partial<LedgerEntry> = {}): LedgerEntry => ({
  syncId: "s", destinationKey: key, sourceKey: key, scope: "environment", parentId: "env-1", kind: "variable",
  qoveryId: `q-${key}`, fingerprint: "f", writtenAt: "2026-01-01T00:00:01Z", qoveryUpdatedAt: "2026-01-01T00:00:00.000000Z", ...o,
});
const input = (o: Partial<DriftInput>): DriftInput => ({
  target, rows: [], ledger: [], foreignKeys: new Set(), keySchema: "APP_{{secretKey}}", environmentSlug: "dev", valueMatches: () => true, ...o,
});

describe("detectDrift", () => {
  it("finds nothing when Qovery holds exactly what the ledger says", () => {
    expect(detectDrift(input({ rows: [row("APP_A")], ledger: [entry("APP_A")] }))).toEqual([]);
  });

  it("names each kind of drift, sorted by key", () => {
    const items = detectDrift(
      input({
        rows: [
          row("APP_B", { id: "new-id" }),
          row("APP_C", { value: "edited" }),
          row("APP_D", { updatedAt: "2026-02-01T00:00:00.000000Z" }),
          row("APP_E"),
          row("MANUAL"),
          row("APP_F", { variableType: "ALIAS" }),
          row("APP_G", { scope: "PROJECT" }),
          row("APP_THEIRS"),
        ],
        ledger: [entry("APP_A"), entry("APP_B"), entry("APP_C"), entry("APP_D")],
        foreignKeys: new Set(["APP_THEIRS"]),
        valueMatches: (e, value) => !(e.destinationKey === "APP_C" && value === "edited"),
      }),
    );
    expect(items).toEqual([
      { key: "APP_A", kind: "missing" },
      { key: "APP_B", kind: "recreated" },
      { key: "APP_C", kind: "value-changed" },
      { key: "APP_D", kind: "edited-elsewhere" },
      { key: "APP_E", kind: "unmanaged" },
    ]);
  });

  it("judges secrets by updated_at only (their values are never listed)", () => {
    const secretTarget = { ...target, kind: "secret" as const };
    const rows = [row("APP_S", { kind: "secret", value: null, updatedAt: "2026-03-01T00:00:00.000000Z" })];
    const ledger = [entry("APP_S", { kind: "secret" })];
    expect(detectDrift(input({ target: secretTarget, rows, ledger, valueMatches: () => false }))).toEqual([{ key: "APP_S", kind: "edited-elsewhere" }]);
  });
});
