/**
 * Reference bombs: a few hundred stored bytes of nested references that describe a value of 100 GB. Reads answer
 * 200 with the bomb as stored, syncs hold that key back and sync the rest, and writes that trigger auto-sync
 * matching keep working; nothing stored changes and the service keeps answering.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MAX_EXPANDED_VALUE_BYTES, MAX_EXPANSION_BYTES_PER_READ } from "../../src/lib/limits";
import { api, createProject } from "../helpers/api";
import { listSecrets, makeFolder, putSecrets } from "../helpers/store";
import { storedRows, SYNC_RUN_TABLES } from "../helpers/stored-rows";
import {
  createFolder,
  createSync,
  getSync,
  latestRun,
  putSecrets as upsertSecrets,
  qoveryValues,
  syncFixture,
  triggerSync,
  waitForRun,
} from "../helpers/sync-fixtures";

const LEVELS = 9;
/** `/parts`: L1 = ten ${L2}, …, L9 = ten ${L10}, L10 = ten bytes; so ${dev.parts.L1} expands to 10^10 bytes. */
async function makeBombParts(projectId: string) {
  await makeFolder(projectId, "/", "parts");
  const parts: Record<string, string> = { [`L${LEVELS + 1}`]: "0123456789" };
  for (let i = 1; i <= LEVELS; i++) parts[`L${i}`] = `\${L${i + 1}}`.repeat(10);
  await putSecrets(projectId, parts, { secretPath: "/parts" });
}
/** Ten ${dev.parts.L1}: 100 GB expanded, 170 bytes stored. */
const BOMB = "${dev.parts.L1}".repeat(10);

const heldBack = (key: string) =>
  `Held back: \${${key}} expands beyond the ${MAX_EXPANDED_VALUE_BYTES / 1024} KiB limit for an expanded value (${MAX_EXPANDED_VALUE_BYTES} bytes of UTF-8). ` +
  "The key is neither written nor deleted in Qovery until its references resolve";

const valuesOf = (list: { secretKey: string; secretValue: string }[]) => Object.fromEntries(list.map((s) => [s.secretKey, s.secretValue]));

describe("reference bombs", () => {
  it("reads a folder holding a bomb: 200, the bomb as stored, every other value expanded", async () => {
    const p = await createProject();
    await makeBombParts(p.id);
    await putSecrets(p.id, { BOMB, NAME: "app", URL: "${NAME}@host" });
    const before = await storedRows({ projectId: p.id });

    const list = await api.get("/api/v4/secrets", { query: { projectId: p.id, environment: "dev", expandSecretReferences: "true" } });
    expect(list.status).toBe(200);
    expect(valuesOf(list.body.secrets)).toEqual({ BOMB, NAME: "app", URL: "app@host" });
    const one = await api.get("/api/v3/secrets/raw/BOMB", { query: { workspaceId: p.id, environment: "dev", expandSecretReferences: "true" } });
    expect(one.status).toBe(200);
    expect(one.body.secret.secretValue).toBe(BOMB);
    // Within the parts, the levels that fit expand (L6 would be 10^5 bytes).
    const parts = valuesOf((await listSecrets(p.id, { secretPath: "/parts", expandSecretReferences: "true" })).secrets);
    expect(parts.L7).toBe("0123456789".repeat(1000));
    expect(parts.L6).toBe("${L7}".repeat(10));

    expect(await storedRows({ projectId: p.id })).toEqual(before);
    expect((await listSecrets(p.id, { secretPath: "/parts" })).secrets).toHaveLength(LEVELS + 1);
  });

  const mib = MAX_EXPANSION_BYTES_PER_READ / 1024 / 1024;
  it(`reads a folder expanding to more than ${mib} MiB: 200, values past the budget as stored`, { timeout: 30_000 }, async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "parts");
    const chunk = "c".repeat(60_000);
    await putSecrets(p.id, { CHUNK: chunk }, { secretPath: "/parts" });
    // 150 values of 60,000 bytes: 9 MB, of which 139 fit in the budget.
    const keys = Array.from({ length: 150 }, (_, i) => `V${String(i).padStart(3, "0")}`);
    for (let i = 0; i < keys.length; i += 50) await putSecrets(p.id, Object.fromEntries(keys.slice(i, i + 50).map((k) => [k, "${dev.parts.CHUNK}"])));
    const before = await storedRows({ projectId: p.id });

    const list = await api.get("/api/v4/secrets", { query: { projectId: p.id, environment: "dev", expandSecretReferences: "true" } });
    expect(list.status).toBe(200);
    const values = list.body.secrets.map((s: any) => s.secretValue);
    const fitting = Math.floor(MAX_EXPANSION_BYTES_PER_READ / chunk.length);
    expect(values.slice(0, fitting).every((v: string) => v === chunk)).toBe(true);
    expect(values.slice(fitting)).toEqual(Array(keys.length - fitting).fill("${dev.parts.CHUNK}"));

    expect(await storedRows({ projectId: p.id })).toEqual(before);
    const one = await api.get("/api/v3/secrets/raw/V149", { query: { workspaceId: p.id, environment: "dev", expandSecretReferences: "true" } });
    expect(one.body.secret.secretValue).toBe(chunk);
  });

  it("syncs a folder holding a bomb: that key is held back (neither written nor deleted), the rest lands in Qovery", { timeout: 30_000 }, async () => {
    const f = await syncFixture({ NAME: "app", URL: "${NAME}@host", BOMB: "small" });
    const sync = await createSync(f);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    await makeBombParts(f.project.id);
    await upsertSecrets(f.project.id, "dev", "/app", { BOMB, NAME: "app2" });
    const before = await storedRows({ projectId: f.project.id, except: SYNC_RUN_TABLES });

    await triggerSync(sync.id);
    const finished = await waitForRun(sync.id);
    expect(finished.syncStatus).toBe("failed");
    expect(JSON.parse(finished.lastSyncMessage)).toEqual({ secretKey: "BOMB", message: "1 key was not synced: 1 held back", error: heldBack("BOMB") });
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ NAME: "app2", URL: "app2@host", BOMB: "small" });
    const run = await latestRun(sync.id);
    expect(run.results).toEqual(
      expect.arrayContaining([
        { key: "BOMB", action: "hold", outcome: "failed", errorClass: "held_back", message: heldBack("BOMB") },
        { key: "NAME", action: "update", outcome: "done" },
        { key: "URL", action: "update", outcome: "done" },
      ]),
    );
    const plan = await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/plan`);
    expect(plan.status).toBe(200);

    expect(await storedRows({ projectId: f.project.id, except: SYNC_RUN_TABLES })).toEqual(before);
    expect((await getSync(sync.id)).id).toBe(sync.id);
  });

  it("keeps auto-sync matching working: a write elsewhere succeeds and triggers the sync that depends on it", { timeout: 30_000 }, async () => {
    const f = await syncFixture({ DSN: "db://${dev.shared.PASSWORD}", BOMB });
    await makeBombParts(f.project.id);
    await createFolder(f.project.id, "dev", "/shared");
    await createFolder(f.project.id, "dev", "/unrelated");
    await upsertSecrets(f.project.id, "dev", "/shared", { PASSWORD: "one" });
    const sync = await createSync(f);
    expect((await waitForRun(sync.id)).syncStatus).toBe("failed");
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({ DSN: "db://one" });
    // As for a sync whose runs never got as far as recording what its source reads: matching reads the source itself.
    await env.DB.prepare("update secret_syncs set source_dependencies_json = null where id = ?").bind(sync.id).run();

    const unrelated = await api.post("/api/v3/secrets/raw/OTHER", { workspaceId: f.project.id, environment: "dev", secretPath: "/unrelated", secretValue: "x" });
    expect(unrelated.status).toBe(200);
    const dependency = await api.patch("/api/v3/secrets/raw/PASSWORD", { workspaceId: f.project.id, environment: "dev", secretPath: "/shared", secretValue: "two" });
    expect(dependency.status).toBe(200);
    await vi.waitUntil(async () => (await qoveryValues(f.tenant, f.tenant.environment.id)).DSN === "db://two", { timeout: 15_000, interval: 100 });
    const runs = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs`)).body.runs as { trigger: string }[];
    expect(runs.map((r) => r.trigger)).toEqual(["auto", "create"]);
    expect((await latestRun(sync.id)).results).toEqual(
      expect.arrayContaining([{ key: "BOMB", action: "hold", outcome: "failed", errorClass: "held_back", message: heldBack("BOMB") }]),
    );
  });
});
