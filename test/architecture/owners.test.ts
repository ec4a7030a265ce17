/**
 * Concepts with one owner, checked on the source text. These checks read the code as text, so they see what is
 * written, not what runs: a check passes for code that reaches the same effect some other way (an aliased table, a
 * column name built at run time), and the comments at each check say what it relies on.
 */
import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client";
import { RUN_STATE_COLUMNS, updateSync } from "../../src/syncs/repository";
import { SOURCES } from "./source-graph";

const callersOf = (pattern: RegExp) =>
  Object.entries(SOURCES)
    .filter(([, text]) => pattern.test(text))
    .map(([file]) => file)
    .sort();

describe("the engine's Qovery client", () => {
  it("is built by syncs/engine-qovery.ts for the runner and the drift check; connections build the interactive one", () => {
    const builders = ["src/connections/qovery-access.ts", "src/qovery/client.ts", "src/syncs/engine-qovery.ts"];
    expect(callersOf(/\bcreateQoveryClient\(/)).toEqual(builders);
    expect(callersOf(/\bengineQoveryClient\(/)).toEqual(["src/syncs/engine-qovery.ts", "src/syncs/runner.ts", "src/triggers/reconcile.ts"]);
  });
});

describe("value fingerprints", () => {
  it("are built by syncs/fingerprint.ts, for the run and for the drift check alike", () => {
    // `fingerprint(` of lib/crypto: the value fingerprint, and the console session's admin-token subject (another input)
    expect(callersOf(/\bfingerprint\(/)).toEqual(["src/auth/sessions.ts", "src/lib/crypto.ts", "src/syncs/fingerprint.ts"]);
    expect(callersOf(/\bvalueFingerprint\(/)).toEqual(["src/syncs/fingerprint.ts", "src/syncs/prepare.ts"]);
    expect(callersOf(/\bmatchesFingerprint\(/)).toEqual(["src/syncs/fingerprint.ts", "src/triggers/reconcile.ts"]);
  });
});

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Every write of a run's state the text shows, as `file: what`: inserts and updates of `syncRuns` (drizzle or SQL),
 * and updates of `secretSyncs` whose `set` names one of `columns` or a computed column (`[columns.status]`). It knows
 * a table by its name (`syncRuns`, `repo.syncRunsTable`, `sync_runs`): a table passed under another name, a column
 * set through a variable patch, or a statement assembled across functions goes unseen; `updateSync`'s patch type
 * keeps the run-state columns out of the one generic sync update.
 */
export function runStateWrites(sources: Readonly<Record<string, string>>, columns: readonly string[]): string[] {
  const found: string[] = [];
  const named = (text: string, names: readonly string[]) => names.filter((name) => new RegExp(`\\b${name}\\b`).test(text));
  for (const [file, text] of Object.entries(sources)) {
    for (const m of text.matchAll(/\.(insert|update)\(\s*[\w.]*[sS]yncRuns\w*\s*\)/g)) found.push(`${file}: ${m[1]} syncRuns`);
    for (const m of text.matchAll(/\b(insert\s+into|update)\s+sync_runs\b/gi)) found.push(`${file}: SQL ${m[1]!.toLowerCase()} sync_runs`);
    for (const m of text.matchAll(/\.update\(\s*[\w.]*[sS]ecretSyncs\w*\s*\)([\s\S]*?)\.where\(/g)) {
      const written = [...named(m[1]!, columns), ...(/\[\s*[\w.]+\s*\]\s*:/.test(m[1]!) ? ["a computed column"] : [])];
      if (written.length) found.push(`${file}: update secretSyncs ${written.join(", ")}`);
    }
    for (const m of text.matchAll(/\bupdate\s+secret_syncs\s+set\b([\s\S]*?)\bwhere\b/gi)) {
      const written = named(m[1]!, columns.map(snakeCase));
      if (written.length) found.push(`${file}: SQL update secret_syncs ${written.join(", ")}`);
    }
  }
  return found.sort();
}

describe("a run's lifecycle", () => {
  const OWNER = "src/syncs/run-state.ts";

  it("is written by syncs/run-state.ts alone: the run rows, the sync's status fields and its lease", () => {
    const writes = runStateWrites(SOURCES, RUN_STATE_COLUMNS);
    expect(writes.filter((write) => !write.startsWith(`${OWNER}:`))).toEqual([]);
    // the check does see the owner's writes, of every kind
    expect(writes.map((write) => write.replace(/ .*/, "")).filter((file) => file === `${OWNER}:`).length).toBeGreaterThanOrEqual(8);
    expect(writes).toEqual(
      expect.arrayContaining([
        `${OWNER}: insert syncRuns`,
        `${OWNER}: update syncRuns`,
        `${OWNER}: update secretSyncs a computed column`,
        `${OWNER}: update secretSyncs driftStatus, lastDriftCheckAt, driftReportJson`,
        `${OWNER}: SQL update secret_syncs lease_run_id, lease_expires_at, lease_fence`,
      ]),
    );
  });

  it("cannot be written through a sync's settings", () => {
    const patchStatus = (db: Db) =>
      // @ts-expect-error the status fields are run state, not settings (a type error keeps them out of updateSync)
      updateSync(db, "sync-id", { syncStatus: "failed" });
    const patchLease = (db: Db) =>
      // @ts-expect-error so is the lease
      updateSync(db, "sync-id", { leaseRunId: null });
    expect([patchStatus, patchLease]).toHaveLength(2);
    const some = ["syncStatus", "removeStatus", "consecutiveFailures", "driftStatus", "leaseFence"];
    expect(RUN_STATE_COLUMNS).toEqual(expect.arrayContaining(some));
  });

  it("finds every form of write the check knows", () => {
    const columns = ["syncStatus", "leaseRunId"];
    const sources = {
      "a.ts": "db.update(syncRuns).set({ status })",
      "a2.ts": "db.update(repo.syncRunsTable).set({ status })",
      "b.ts": "db.insert(syncRuns).values(run)",
      "c.ts": "db.update(secretSyncs).set({ syncStatus: 'x' }).where(x)",
      "d.ts": "db.update(repo.secretSyncsTable).set({ [columns.status]: 'x' }).where(x)",
      "e.ts": "db.update(secretSyncs).set({ name: 'x' }).where(x)",
      "f.ts": "sql`UPDATE secret_syncs SET lease_run_id = null WHERE id = ${id}`",
      "g.ts": "sql`update sync_runs set status = 'x'`",
      "h.ts": "sql`update secret_syncs set name = 'x' where id = 1`",
    };
    expect(runStateWrites(sources, columns)).toEqual([
      "a.ts: update syncRuns",
      "a2.ts: update syncRuns",
      "b.ts: insert syncRuns",
      "c.ts: update secretSyncs syncStatus",
      "d.ts: update secretSyncs a computed column",
      "f.ts: SQL update secret_syncs lease_run_id",
      "g.ts: SQL update sync_runs",
    ]);
  });
});
