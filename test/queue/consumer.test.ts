/** The queue consumer called as the runtime calls it: acks, follow-ups, crash retries and the dead-letter queue. */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { QueueJob } from "../../src/queue/messages";
import { api } from "../helpers/api";
import { createSync, getSync, syncFixture, triggerSync, waitForRun } from "../helpers/sync-fixtures";

async function deliver(queue: string, body: QueueJob, attempts = 1) {
  const batch = createMessageBatch<QueueJob>(queue, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }]);
  await worker.queue(batch, env);
  return getQueueResult(batch, createExecutionContext());
}

describe("queue consumer", () => {
  it("acks a finished run's redelivered job", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f);
    await waitForRun(sync.id);
    const result = await deliver("secret-sync-jobs", { type: "sync-run", syncId: sync.id, runId: (await getSync(sync.id)).lastSyncJobId });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
  });

  it("retries a job that crashed (not a Qovery failure) instead of losing it", async () => {
    const spy = vi.spyOn(env.DB, "prepare").mockImplementationOnce(() => {
      throw new Error("D1 is having a moment");
    });
    const result = await deliver("secret-sync-jobs", { type: "drift-check", syncId: "whatever" });
    spy.mockRestore();
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toEqual([]);
  });

  it("marks a dead-lettered run failed so the sync never stays running", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    const { runId } = await triggerSync(sync.id);
    // Take the sync's lease so the real consumer leaves this run pending while the dead letter arrives.
    await env.DB.prepare("update secret_syncs set lease_run_id = 'someone-else', lease_expires_at = ? where id = ?").bind(new Date(Date.now() + 60_000).toISOString(), sync.id).run();
    const result = await deliver("secret-sync-jobs-dlq", { type: "sync-run", syncId: sync.id, runId });
    expect(result.explicitAcks).toHaveLength(1);
    const after = await getSync(sync.id);
    expect(after.syncStatus).toBe("failed");
    expect(JSON.parse(after.lastSyncMessage).error).toMatch(/dead-lettered/);
    const run = (await api.get(`/api/v1/secret-syncs/qovery/${sync.id}/runs/${runId}`)).body.run;
    expect(run.status).toBe("failed");
  });
});

describe("removal that fails keeps the sync", () => {
  it("DELETE ?removeSecrets=true keeps the sync with removeStatus failed when Qovery refuses", async () => {
    const f = await syncFixture({ A: "1" });
    const sync = await createSync(f);
    await waitForRun(sync.id);
    await f.tenant.revokeToken(f.tenant.token);
    const res = await api.delete(`/api/v1/secret-syncs/qovery/${sync.id}`, undefined, { query: { removeSecrets: "true" } });
    expect(res.status).toBe(200);
    const after = await waitForRun(sync.id, "remove");
    expect(after.removeStatus).toBe("failed");
    expect(JSON.parse(after.lastRemoveMessage).error).toMatch(/rejected the API token/);
    expect((await api.get(`/api/v1/secret-syncs/qovery/${sync.id}`)).status).toBe(200);
  });
});

describe("dead-lettered notifications", () => {
  it("are recorded as failed deliveries", async () => {
    const f = await syncFixture({ A: "1" });
    const sub = await api.post("/api/v1/webhooks/subscriptions", { projectId: f.project.id, url: "https://receiver.test/dead/hook", events: ["sync.failed"] });
    expect(sub.status).toBe(200);
    const deliveryId = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
    const now = new Date().toISOString();
    await env.DB.prepare(
      "insert into webhook_deliveries (id, subscription_id, event_type, sync_id, status, attempts, created_at, updated_at) values (?, ?, 'sync.failed', 'some-sync', 'pending', 3, ?, ?)",
    )
      .bind(deliveryId, sub.body.subscription.id, now, now)
      .run();
    const event = { type: "sync.failed" as const, projectId: f.project.id, syncId: "some-sync", syncName: "s", occurredAt: now };
    await deliver("secret-sync-jobs-dlq", { type: "notification", subscriptionId: sub.body.subscription.id, deliveryId, event });
    const deliveries = (await api.get(`/api/v1/webhooks/subscriptions/${sub.body.subscription.id}/deliveries`)).body.deliveries;
    expect(deliveries).toEqual([expect.objectContaining({ webhookId: deliveryId, status: "failed", lastError: expect.stringContaining("dead-lettered") })]);
  });
});
