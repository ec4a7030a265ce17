/**
 * Concepts with one owner, checked on the source text. These checks read the code as text, so they see what is
 * written, not what runs: a check passes for code that reaches the same effect some other way (an aliased table, a
 * column name built at run time), and the comments at each check say what it relies on.
 */
import { describe, expect, it } from "vitest";
import { SOURCES } from "./source-graph";

const callersOf = (pattern: RegExp) =>
  Object.entries(SOURCES)
    .filter(([, text]) => pattern.test(text))
    .map(([file]) => file)
    .sort();

describe("value fingerprints", () => {
  it("are built by syncs/fingerprint.ts, for the run and for the drift check alike", () => {
    // `fingerprint(` of lib/crypto: the value fingerprint, and the console session's admin-token subject (another input)
    expect(callersOf(/\bfingerprint\(/)).toEqual(["src/auth/sessions.ts", "src/lib/crypto.ts", "src/syncs/fingerprint.ts"]);
    expect(callersOf(/\bvalueFingerprint\(/)).toEqual(["src/syncs/fingerprint.ts", "src/syncs/prepare.ts"]);
    expect(callersOf(/\bmatchesFingerprint\(/)).toEqual(["src/syncs/fingerprint.ts", "src/triggers/reconcile.ts"]);
  });
});
