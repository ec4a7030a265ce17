/** Value fingerprints: what the runner records in the ledger and the drift check compares Qovery's values with. */
import { describe, expect, it } from "vitest";
import { loadKeyRing } from "../../src/lib/crypto";
import { toBase64 } from "../../src/lib/encoding";
import { fingerprintKeyOf, matchesFingerprint, valueFingerprint } from "../../src/syncs/fingerprint";

const newKey = () => toBase64(crypto.getRandomValues(new Uint8Array(32)));

describe("value fingerprints", () => {
  it("name the key they were made with and depend on both the destination key and the value", async () => {
    const ring = await loadKeyRing(`current:${newKey()}`);
    const made = await valueFingerprint(ring, "API_KEY", "v1");
    expect(made).toMatch(/^current:[0-9a-f]{64}$/);
    expect(await valueFingerprint(ring, "API_KEY", "v1")).toBe(made);
    expect(await valueFingerprint(ring, "API_KEY", "v2")).not.toBe(made);
    expect(await valueFingerprint(ring, "OTHER", "v1")).not.toBe(made);
    // the separator keeps the key and the value apart: moving characters across it changes the fingerprint
    expect(await valueFingerprint(ring, "AB", "C")).not.toBe(await valueFingerprint(ring, "A", "BC"));
  });

  it("still match under the key they were made with once it is no longer the primary, and never without it", async () => {
    const [older, newer] = [newKey(), newKey()];
    const before = await loadKeyRing(`old:${older}`);
    const stored = await valueFingerprint(before, "DB_URL", "postgres://db");
    const rotated = await loadKeyRing(`new:${newer},old:${older}`);
    expect(fingerprintKeyOf(rotated, stored)).toBe("old");
    expect(await matchesFingerprint(rotated, stored, "DB_URL", "postgres://db")).toBe(true);
    expect(await matchesFingerprint(rotated, stored, "DB_URL", "postgres://elsewhere")).toBe(false);
    expect(await matchesFingerprint(rotated, stored, "OTHER_KEY", "postgres://db")).toBe(false);
    const retired = await loadKeyRing(`new:${newer}`);
    expect(fingerprintKeyOf(retired, stored)).toBeNull();
    expect(await matchesFingerprint(retired, stored, "DB_URL", "postgres://db")).toBe(false);
  });

  it("treat a ledger entry whose fingerprint was invalidated as matching nothing", async () => {
    const ring = await loadKeyRing(`current:${newKey()}`);
    expect(fingerprintKeyOf(ring, "invalidated")).toBeNull();
    expect(await matchesFingerprint(ring, "invalidated", "K", "v")).toBe(false);
  });
});
