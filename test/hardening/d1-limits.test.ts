/**
 * D1's per-statement limits: the guard every test file runs under (test/setup/d1-guard.ts), and the list-valued
 * queries that had to be chunked to stay within 100 bound parameters, driven with inputs at their limits.
 */
import { env } from "cloudflare:workers";
import { createScheduledController } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { chunk, itemsPerStatement, rowsPerInsert } from "../../src/db/chunks";
import { webhookDeliveries } from "../../src/db/schema";
import { createDb } from "../../src/db/client";
import type { JobQueue } from "../../src/queue/messages";
import { publishSyncEvent } from "../../src/notifications/delivery";
import { MAX_SUBSCRIPTIONS_PER_PROJECT, MAX_WEBHOOK_SYNC_IDS } from "../../src/lib/limits";
import { api, createProject, sendSignedNotice } from "../helpers/api";
import { D1_LIMITS, d1LimitViolation, takeD1Violations } from "../helpers/d1-guard";
import { ReceiverInbox } from "../helpers/receiver";
import { createSync, getSync, syncFixture, waitForRun } from "../helpers/sync-fixtures";

vi.setConfig({ testTimeout: 60_000 });

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");
const numbers = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("the D1 guard", () => {
  it("fails a statement binding 101 parameters with a clear message; 100 run", async () => {
    const sql = `select ${placeholders(101)}`;
    expect(() => env.DB.prepare(sql).bind(...numbers(101))).toThrow(
      `D1 limit exceeded: 101 bound parameters (D1 allows 100) in: ${sql.slice(0, 160)}…`,
    );
    // recorded too, so a violation inside background work that swallows errors still fails its test
    expect(takeD1Violations()).toHaveLength(1);
    const [row] = await env.DB.prepare(`select ${placeholders(100)}`).bind(...numbers(100)).raw();
    expect(row).toEqual(numbers(100));
    expect(takeD1Violations()).toEqual([]);
  });

  it("holds statements to D1's length, value size and LIKE pattern limits at their boundaries", () => {
    const select = (length: number) => `select '${"x".repeat(length - 9)}'`;
    expect(select(D1_LIMITS.statementBytes)).toHaveLength(100_000);
    expect(d1LimitViolation(select(100_000))).toBeNull();
    expect(d1LimitViolation(select(100_001))).toMatch(/^D1 limit exceeded: statement of 100001 bytes \(D1 allows 100000\) in: select 'x/);
    expect(d1LimitViolation("select ?", ["é".repeat(1_000_000)])).toBeNull();
    expect(d1LimitViolation("select ?", ["é".repeat(1_000_000) + "x"])).toBe(
      "D1 limit exceeded: parameter 1 is 2000001 bytes (D1 allows 2000000) in: select ?",
    );
    expect(d1LimitViolation("select ?", [new Uint8Array(2_000_001)])).toMatch(/parameter 1 is 2000001 bytes/);
    expect(d1LimitViolation("select * from t where a = ? and b like ?", ["x".repeat(99), "%".repeat(50)])).toBeNull();
    expect(d1LimitViolation("select * from t where a = ? and b not like ?", ["x", "%".repeat(51)])).toBe(
      "D1 limit exceeded: LIKE/GLOB pattern of 51 bytes (D1 allows 50) in: select * from t where a = ? and b not like ?",
    );
  });

  it("guards the D1 binding of the real queue consumer (it runs in the tests' isolate)", async () => {
    const statementClass = Object.getPrototypeOf(env.DB.prepare("select 1")) as D1PreparedStatement;
    const bind = vi.spyOn(statementClass, "bind");
    const deliveryId = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
    const event = { type: "sync.failed" as const, projectId: "p", syncId: "s", syncName: "n", occurredAt: new Date().toISOString() };
    await env.SYNC_QUEUE.send({ type: "notification", subscriptionId: "none", deliveryId, event });
    // the consumer looks the delivery up by id through the guarded `bind`
    await vi.waitUntil(() => bind.mock.calls.some((args) => args.includes(deliveryId)), { timeout: 10_000, interval: 20 });
    bind.mockRestore();
  });
});

describe("chunk sizes", () => {
  it("fit rows × columns and list items into 100 parameters", () => {
    expect(itemsPerStatement(0)).toBe(100);
    expect(itemsPerStatement(2)).toBe(98);
    expect(itemsPerStatement(10, 2)).toBe(45);
    expect(() => itemsPerStatement(100)).toThrow("cannot stay within D1's 100");
    expect(rowsPerInsert(webhookDeliveries)).toBe(8); // 12 columns
    expect(chunk(numbers(250), 98).map((part) => part.length)).toEqual([98, 98, 54]);
    expect(chunk([], 98)).toEqual([]);
  });
});

describe("list-valued queries at their limits", () => {
  it(`the webhook receiver takes ${MAX_WEBHOOK_SYNC_IDS} syncIds and refuses ${MAX_WEBHOOK_SYNC_IDS + 1} with 422`, async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const endpoint = await api.post("/api/v1/webhooks/endpoints", { name: "ci", projectId: f.project.id });
    expect(endpoint.status).toBe(200);
    const signer = { id: endpoint.body.endpoint.id, secret: endpoint.body.secret };
    const notice = (syncIds: string[]) => ({ projectId: f.project.id, environment: "dev", secretPath: "/app", syncIds });
    const unknownIds = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());

    const tooMany = await sendSignedNotice(signer, notice([sync.id, ...unknownIds(MAX_WEBHOOK_SYNC_IDS)]));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ statusCode: 422, error: "ValidationFailure", message: "syncIds: syncIds lists at most 100 syncs" });
    expect(await getSync(sync.id)).toMatchObject({ syncStatus: null, lastSyncJobId: null });

    // the real id first and last: it is in both chunks of the candidates query (98 + 2), and still runs once
    const atLimit = await sendSignedNotice(signer, notice([sync.id, ...unknownIds(MAX_WEBHOOK_SYNC_IDS - 2), sync.id]));
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(202);
    expect(atLimit.body.runs).toEqual([{ syncId: sync.id, runId: expect.any(String), queued: true }]);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect((await api.get(`/api/v1/projects/${f.project.id}`)).status).toBe(200);
  });

  it("the cron looks up the last runs of 150 failed syncs and retries exactly the ones due", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    const now = Date.now();
    const justNow = new Date(now).toISOString();
    const longAgo = new Date(now - 10 * 60_000).toISOString(); // past the first retry delay (5 minutes)
    // 150 failed auto-sync syncs sharing the fixture's connection and folder, 3 of them due for a retry; every drift
    // check was just done, so the cron has nothing else to fan out
    const syncColumns = await columnsOf("secret_syncs");
    const runColumns = await columnsOf("sync_runs");
    const clones = Array.from({ length: 150 }, (_, i) => ({ id: crypto.randomUUID(), runId: crypto.randomUUID(), due: i % 50 === 49 }));
    const statements = clones.flatMap((c, i) => [
      cloneRow("secret_syncs", syncColumns, sync.id, {
        id: c.id,
        name: `failed-${i}`,
        sync_status: "failed",
        consecutive_failures: 1,
        last_sync_job_id: c.runId,
        last_drift_check_at: justNow,
      }),
      cloneRow("sync_runs", runColumns, sync.lastSyncJobId!, {
        id: c.runId,
        sync_id: c.id,
        status: "failed",
        finished_at: c.due ? longAgo : justNow,
      }),
    ]);
    for (const part of chunk(statements, 100)) await env.DB.batch(part);
    await env.DB.prepare("update secret_syncs set last_drift_check_at = ? where id = ?").bind(justNow, sync.id).run();

    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/10 * * * *" }), env);

    const retried = await env.DB.prepare("select sync_id from sync_runs where trigger = 'retry'").all<{ sync_id: string }>();
    expect(retried.results.map((r) => r.sync_id).sort()).toEqual(clones.filter((c) => c.due).map((c) => c.id).sort());
    expect((await api.get(`/api/v1/secret-syncs/qovery/${sync.id}`)).status).toBe(200);
  });

  it(`publishing an event to ${MAX_SUBSCRIPTIONS_PER_PROJECT} subscriptions records every delivery`, async () => {
    const project = await createProject();
    const inbox = new ReceiverInbox();
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_PROJECT; i++) {
      const subscription = { projectId: project.id, url: `${inbox.url}/${i}`, events: ["sync.failed"] };
      const res = await api.post("/api/v1/webhooks/subscriptions", subscription);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const queued: unknown[] = [];
    const queue = { sendBatch: async (messages: Iterable<unknown>) => void queued.push(...messages) } as unknown as JobQueue;
    const event = { type: "sync.failed" as const, projectId: project.id, syncId: "s", syncName: "n", occurredAt: new Date().toISOString() };
    expect(await publishSyncEvent({ db: createDb(env.DB), queue }, event)).toBe(MAX_SUBSCRIPTIONS_PER_PROJECT);
    expect(queued).toHaveLength(MAX_SUBSCRIPTIONS_PER_PROJECT);
    const stored = await env.DB.prepare(
      "select count(*) as n from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id where s.project_id = ?",
    )
      .bind(project.id)
      .first<{ n: number }>();
    expect(stored!.n).toBe(MAX_SUBSCRIPTIONS_PER_PROJECT);
  });

  it("1,000 secrets are created, listed, updated and deleted in one batch request each", async () => {
    const project = await createProject();
    const where = { projectId: project.id, environment: "dev", secretPath: "/" };
    const keys = Array.from({ length: 1000 }, (_, i) => `KEY_${i}`);
    const withValue = (secretValue: string) => keys.map((secretKey) => ({ secretKey, secretValue }));
    const values = async () => (await api.get("/api/v4/secrets", { query: where })).body.secrets.map((s: { secretValue: string }) => s.secretValue);
    const created = await api.post("/api/v4/secrets/batch", { ...where, secrets: withValue("v1") });
    expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(200);
    const updated = await api.patch("/api/v4/secrets/batch", { ...where, secrets: withValue("v2") });
    expect(updated.status, JSON.stringify(updated.body).slice(0, 300)).toBe(200);
    expect(await values()).toEqual(keys.map(() => "v2"));
    const deleted = await api.delete("/api/v4/secrets/batch", { ...where, secrets: keys.map((secretKey) => ({ secretKey })) });
    expect(deleted.status, JSON.stringify(deleted.body).slice(0, 300)).toBe(200);
    expect(await values()).toEqual([]);
  });
});

async function columnsOf(table: string): Promise<string[]> {
  return (await env.DB.prepare(`select name from pragma_table_info('${table}')`).all<{ name: string }>()).results.map((c) => c.name);
}

/** A copy of row `sourceId` of `table` with some columns replaced. */
function cloneRow(table: string, columns: string[], sourceId: string, replaced: Record<string, string | number>) {
  const values = columns.map((c) => (c in replaced ? "?" : c));
  return env.DB.prepare(`insert into ${table} (${columns.join(", ")}) select ${values.join(", ")} from ${table} where id = ?`).bind(
    ...columns.filter((c) => c in replaced).map((c) => replaced[c]),
    sourceId,
  );
}
