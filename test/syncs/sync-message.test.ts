/** lastSyncMessage in Infisical's JSON format, and the summary of a run whose keys partly failed. */
import { describe, expect, it } from "vitest";
import { MAX_SYNC_MESSAGE_LENGTH, formatSyncMessage, summarizeFailures } from "../../src/syncs/sync-message";
import type { KeyResult } from "../../src/syncs/types";

describe("formatSyncMessage", () => {
  it("writes secretKey, message and error in Infisical's order", () => {
    expect(formatSyncMessage({ secretKey: "APP_DB_URL", message: "1 key failed", error: "boom" })).toBe(
      '{"secretKey":"APP_DB_URL","message":"1 key failed","error":"boom"}',
    );
  });

  it("leaves out fields that are not given", () => {
    expect(formatSyncMessage({ error: "Qovery rejected the token" })).toBe('{"error":"Qovery rejected the token"}');
    expect(formatSyncMessage({ secretKey: "K", error: "x" })).toBe('{"secretKey":"K","error":"x"}');
  });

  it("embeds an error body as an object, like Infisical's axios bodies", () => {
    const error = { status: 409, error: "Conflict", detail: "Variable already exists: APP_DB_URL" };
    expect(JSON.parse(formatSyncMessage({ secretKey: "APP_DB_URL", error }))).toEqual({ secretKey: "APP_DB_URL", error });
  });

  it("keeps messages of exactly 1024 characters, and cuts longer ones to 1021 + ...", () => {
    const envelope = '{"error":""}'.length;
    const exact = formatSyncMessage({ error: "x".repeat(MAX_SYNC_MESSAGE_LENGTH - envelope) });
    expect(exact).toHaveLength(1024);
    expect(exact.endsWith('x"}')).toBe(true);

    const long = formatSyncMessage({ secretKey: "K", error: "y".repeat(5000) });
    expect(long).toHaveLength(1024);
    expect(long).toBe(`{"secretKey":"K","error":"${"y".repeat(1021 - '{"secretKey":"K","error":"'.length)}...`);
  });
});

describe("summarizeFailures", () => {
  const done = (key: string, action: KeyResult["action"] = "create"): KeyResult => ({ key, action, outcome: "done" });

  it("is null when every key went through", () => {
    expect(summarizeFailures([done("A"), done("B", "update"), done("C", "unchanged"), done("D", "delete")], null)).toBeNull();
    expect(summarizeFailures([], null)).toBeNull();
  });

  it("reports the refusal of a plan that refused to run", () => {
    expect(summarizeFailures([], "The source has no secrets")).toBe('{"error":"The source has no secrets"}');
  });

  it("names the first key that did not sync with its error, and counts every kind of problem", () => {
    const results: KeyResult[] = [
      done("OK"),
      { key: "HELD", action: "hold", outcome: "not-attempted", errorClass: "held-back", message: "Held back: ${X} points to a secret that does not exist" },
      { key: "BAD", action: "update", outcome: "failed", errorClass: "qovery_validation", message: "Qovery rejected the value (400)" },
      { key: "TAKEN", action: "conflict", outcome: "failed", errorClass: "conflict" },
      { key: "WORSE", action: "create", outcome: "failed", errorClass: "qovery_upstream" },
      { key: "my-key", action: "skip", outcome: "failed", errorClass: "validation" },
      { key: "LATER", action: "delete", outcome: "not-attempted" },
    ];
    expect(JSON.parse(summarizeFailures(results, null)!)).toEqual({
      secretKey: "HELD",
      message: "5 keys were not synced: 2 failed, 1 held back, 1 in conflict, 1 skipped",
      error: "Held back: ${X} points to a secret that does not exist",
    });
  });

  it("counts held, conflicting and skipped keys by kind, whether recorded as failed or as not attempted", () => {
    const results: KeyResult[] = [
      { key: "H1", action: "hold", outcome: "failed", errorClass: "held_back" },
      { key: "H2", action: "hold", outcome: "not-attempted" },
      { key: "C", action: "conflict", outcome: "failed" },
      { key: "S", action: "skip", outcome: "not-attempted" },
      { key: "LATER", action: "create", outcome: "not-attempted" },
    ];
    expect(JSON.parse(summarizeFailures(results, null)!)).toMatchObject({
      secretKey: "H1",
      message: "4 keys were not synced: 2 held back, 1 in conflict, 1 skipped",
      error: "held_back",
    });
  });

  it("falls back to the error class, then to the kind of problem, when a key has no message", () => {
    expect(summarizeFailures([{ key: "A", action: "create", outcome: "failed", errorClass: "qovery_rate_limited" }], null)).toBe(
      '{"secretKey":"A","message":"1 key was not synced: 1 failed","error":"qovery_rate_limited"}',
    );
    expect(summarizeFailures([{ key: "B", action: "conflict", outcome: "not-attempted" }], null)).toBe(
      '{"secretKey":"B","message":"1 key was not synced: 1 in conflict","error":"in conflict"}',
    );
  });

  it("counts a failed delete as failed", () => {
    expect(JSON.parse(summarizeFailures([done("A"), { key: "OLD", action: "delete", outcome: "failed", message: "403" }], null)!)).toEqual({
      secretKey: "OLD",
      message: "1 key was not synced: 1 failed",
      error: "403",
    });
  });

  it("stays within 1024 characters however many keys failed", () => {
    const many: KeyResult[] = Array.from({ length: 500 }, (_, i) => ({
      key: `KEY_${i}`,
      action: "update",
      outcome: "failed",
      message: "Qovery is unavailable ".repeat(100),
    }));
    const message = summarizeFailures(many, null)!;
    expect(message).toHaveLength(1024);
    expect(message.startsWith('{"secretKey":"KEY_0","message":"500 keys were not synced: 500 failed","error":"Qovery is unavailable')).toBe(true);
    expect(message.endsWith("...")).toBe(true);
  });
});
