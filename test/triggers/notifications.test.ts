/**
 * Outbound notifications: subscriptions, `publishSyncEvent` → queue → consumer → a signed POST to the recording
 * receiver (host `receiver.test`, see test/support/recording-receiver.ts), with retries after receiver errors.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { loadKeyRing } from "../../src/lib/crypto";
import { createLogger } from "../../src/lib/logger";
import type { WebhookSettings } from "../../src/config";
import { verifyWebhook } from "../../src/lib/webhook-signature";
import { deliverNotification, publishSyncEvent, retryDelaySeconds, type NotificationJob } from "../../src/notifications/delivery";
import { notificationUrlProblem } from "../../src/notifications/url-policy";
import type { JobQueue } from "../../src/queue/messages";
import { emitSyncEvent, MAX_EVENT_MESSAGE_LENGTH, type SyncEvent, type SyncEventJob } from "../../src/syncs/events";
import { api, createProject, createToken } from "../helpers/api";
import { ReceiverInbox, type ReceivedRequest } from "../helpers/receiver";

vi.setConfig({ testTimeout: 30_000 });

const db = createDb(env.DB);
const deps = { db, queue: env.SYNC_QUEUE as JobQueue };

async function subscribe(projectId: string, url: string, events: string[] = ["sync.failed", "sync.succeeded"]) {
  const res = await api.post("/api/v1/webhooks/subscriptions", { projectId, url, events });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { subscription: { id: string; url: string; events: string[] }; secret: string };
}

const event = (projectId: string, over: Partial<SyncEvent> = {}): SyncEvent => ({
  type: "sync.failed",
  projectId,
  syncId: crypto.randomUUID(),
  syncName: "api-to-qovery",
  runId: crypto.randomUUID(),
  counts: { created: 1, failed: 2 },
  message: "Qovery answered 503",
  occurredAt: new Date().toISOString(),
  ...over,
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeout = 20_000): Promise<T> {
  let value!: T;
  await vi.waitUntil(
    async () => {
      value = await read();
      return done(value);
    },
    { timeout, interval: 100 },
  );
  return value;
}

async function verify(request: ReceivedRequest, secret: string) {
  return verifyWebhook({
    id: request.headers["webhook-id"],
    timestamp: request.headers["webhook-timestamp"],
    signature: request.headers["webhook-signature"],
    body: request.body,
    secrets: [secret],
  });
}

describe("subscriptions", () => {
  it("accept https URLs only, return the secret once and never list it", async () => {
    const project = await createProject();
    for (const url of ["http://receiver.test/x", "http://localhost:9000/hook", "http://127.0.0.1/hook", "ftp://receiver.test/x", "not a url", "https://user:pw@receiver.test/x"]) {
      const res = await api.post("/api/v1/webhooks/subscriptions", { projectId: project.id, url, events: ["sync.failed"] });
      expect(res.status, url).toBe(422);
      expect(res.body.details?.[0]?.path, url).toEqual(["url"]);
    }
    for (const events of [[], ["sync.exploded"], undefined]) {
      expect((await api.post("/api/v1/webhooks/subscriptions", { projectId: project.id, url: "https://receiver.test/x", events })).status).toBe(422);
    }

    const inbox = new ReceiverInbox();
    const { subscription, secret } = await subscribe(project.id, inbox.url, ["sync.removed", "sync.failed", "sync.failed"]);
    expect(secret).toMatch(/^whsec_/);
    expect(subscription).toMatchObject({ url: inbox.url, events: ["sync.failed", "sync.removed"] });
    const stored = await env.DB.prepare("select secret_ciphertext from webhook_subscriptions where id = ?").bind(subscription.id).first<{ secret_ciphertext: string }>();
    expect(stored!.secret_ciphertext).toMatch(/^v1\./);

    const list = await api.get("/api/v1/webhooks/subscriptions", { query: { projectId: project.id } });
    expect(list.body.subscriptions.map((s: any) => s.id)).toEqual([subscription.id]);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(6, 20));

    const deleted = await api.delete(`/api/v1/webhooks/subscriptions/${subscription.id}`);
    expect(deleted.status).toBe(200);
    expect((await api.get("/api/v1/webhooks/subscriptions", { query: { projectId: project.id } })).body.subscriptions).toEqual([]);
  });

  it("allows http://localhost and http://127.0.0.1 only when ALLOW_HTTP_LOCALHOST_WEBHOOKS is on", () => {
    expect(env.ALLOW_HTTP_LOCALHOST_WEBHOOKS).toBe("false");
    expect(notificationUrlProblem("https://hooks.example.com/x", false)).toBeNull();
    expect(notificationUrlProblem("http://localhost:9000/hook", false)).toMatch(/https/);
    expect(notificationUrlProblem("http://localhost:9000/hook", true)).toBeNull();
    expect(notificationUrlProblem("http://127.0.0.1/hook", true)).toBeNull();
    expect(notificationUrlProblem("http://example.com/hook", true)).toMatch(/https/);
    expect(notificationUrlProblem("http://localhost.example.com/hook", true)).toMatch(/https/);
  });

  it("need webhooks scopes on the project", async () => {
    const project = await createProject();
    const other = await createProject();
    const writer = await createToken(["webhooks:write"], project.id);
    const res = await api.post("/api/v1/webhooks/subscriptions", { projectId: project.id, url: "https://receiver.test/a", events: ["sync.failed"] }, { token: writer.token });
    expect(res.status).toBe(200);
    expect((await api.post("/api/v1/webhooks/subscriptions", { projectId: other.id, url: "https://receiver.test/a", events: ["sync.failed"] }, { token: writer.token })).status).toBe(403);
    const syncs = await createToken(["syncs:write"], project.id);
    expect((await api.get("/api/v1/webhooks/subscriptions", { query: { projectId: project.id }, token: syncs.token })).status).toBe(403);
    expect((await api.delete(`/api/v1/webhooks/subscriptions/${res.body.subscription.id}`, undefined, { token: syncs.token })).status).toBe(403);
  });
});

describe("delivery", () => {
  it("publishSyncEvent delivers a signed event to each subscription listening to its type, without values", async () => {
    const project = await createProject();
    const failures = new ReceiverInbox();
    const successes = new ReceiverInbox();
    const a = await subscribe(project.id, failures.url, ["sync.failed"]);
    const b = await subscribe(project.id, successes.url, ["sync.succeeded"]);
    const sent = event(project.id);
    expect(await publishSyncEvent(deps, sent)).toBe(1);

    const [request] = await until(() => failures.requests(), (r) => r.length === 1);
    expect(request!.method).toBe("POST");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(request!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    expect(await verify(request!, a.secret)).toMatchObject({ ok: true, id: request!.headers["webhook-id"] });
    expect(await verify(request!, b.secret)).toMatchObject({ ok: false });
    expect(JSON.parse(request!.body)).toEqual({
      type: "sync.failed",
      timestamp: sent.occurredAt,
      data: { projectId: project.id, syncId: sent.syncId, syncName: sent.syncName, runId: sent.runId, counts: sent.counts, message: sent.message },
    });
    expect(await successes.requests()).toEqual([]);

    const deliveries = await until(
      async () => (await api.get(`/api/v1/webhooks/subscriptions/${a.subscription.id}/deliveries`)).body.deliveries,
      (d: any[]) => d[0]?.status === "succeeded",
    );
    expect(deliveries[0]).toMatchObject({ webhookId: request!.headers["webhook-id"], eventType: "sync.failed", syncId: sent.syncId, attempts: 1, lastStatusCode: 204 });

    expect(await publishSyncEvent(deps, event(project.id, { type: "sync.drift_detected" }))).toBe(0);
    expect(await publishSyncEvent(deps, event((await createProject()).id))).toBe(0);
  });

  it("reaches only the subscriptions that existed when the event occurred", async () => {
    const project = await createProject();
    const earlier = event(project.id);
    const inbox = new ReceiverInbox();
    const { subscription } = await subscribe(project.id, inbox.url, ["sync.failed"]);
    expect(subscription.id).toBeTruthy();
    expect(await publishSyncEvent(deps, { ...earlier, occurredAt: new Date(Date.parse(earlier.occurredAt) - 1).toISOString() })).toBe(0);
    expect(await publishSyncEvent(deps, event(project.id))).toBe(1);
  });

  it("the engine emits an event as one queue message, its message cut to MAX_EVENT_MESSAGE_LENGTH", async () => {
    const sent: unknown[] = [];
    const queue = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue<SyncEventJob>;
    const long = event("p", { message: "x".repeat(MAX_EVENT_MESSAGE_LENGTH + 1) });
    await emitSyncEvent(queue, long);
    await emitSyncEvent(queue, event("p", { message: "x".repeat(MAX_EVENT_MESSAGE_LENGTH) }));
    await emitSyncEvent(queue, event("p", { message: null }));
    expect(sent).toEqual([
      { type: "sync-event", event: { ...long, message: "x".repeat(MAX_EVENT_MESSAGE_LENGTH) } },
      { type: "sync-event", event: expect.objectContaining({ message: "x".repeat(MAX_EVENT_MESSAGE_LENGTH) }) },
      { type: "sync-event", event: expect.objectContaining({ message: null }) },
    ]);
  });

  it("retries after receiver errors with the same webhook-id, each attempt freshly signed", async () => {
    const project = await createProject();
    const inbox = new ReceiverInbox();
    const { subscription, secret } = await subscribe(project.id, inbox.url, ["sync.succeeded"]);
    await inbox.failNext(2, 503);
    await publishSyncEvent(deps, event(project.id, { type: "sync.succeeded", message: null, counts: { unchanged: 3 } }));

    const requests = await until(() => inbox.requests(), (r) => r.length === 3);
    expect(requests.map((r) => r.status)).toEqual([503, 503, 204]);
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    for (const r of requests) expect((await verify(r, secret)).ok).toBe(true);
    // growing delays: 1 s, then 2 s (WEBHOOK_RETRY_BASE_SECONDS = 1 in tests)
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(1900);

    const [delivery] = await until(
      async () => (await api.get(`/api/v1/webhooks/subscriptions/${subscription.id}/deliveries`)).body.deliveries,
      (d: any[]) => d[0]?.status === "succeeded",
    );
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 3, lastStatusCode: 204, lastError: null });
  });
});

describe("delivery handler", () => {
  const settings: WebhookSettings = { secretGraceSeconds: 0, allowHttpLocalhost: false, deliveryTimeoutMs: 200, maxAttempts: 3, retryBaseSeconds: 10 };

  /** A delivery row and its job, without going through the queue. */
  async function pendingDelivery() {
    const project = await createProject();
    const { subscription } = await subscribe(project.id, "https://receiver.test/handler/hook", ["sync.failed"]);
    const sent = event(project.id);
    const queued: NotificationJob[] = [];
    const queue = { sendBatch: async (messages: Iterable<{ body: NotificationJob }>) => void queued.push(...[...messages].map((m) => m.body)) } as unknown as JobQueue;
    await publishSyncEvent({ db, queue }, sent);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ type: "notification", subscriptionId: subscription.id, event: sent });
    return { job: queued[0]!, subscription };
  }
  const handlerDeps = (fetch: (request: Request) => Promise<Response>) => ({
    db,
    keyRing: () => loadKeyRing(env.ENCRYPTION_KEY),
    settings,
    log: createLogger({}, "error"),
    fetch,
  });
  const deliveryRow = (id: string) => env.DB.prepare("select status, attempts, last_status_code, last_error from webhook_deliveries where id = ?").bind(id).first();

  it("requeues with growing delays, then records the failure after the last attempt", async () => {
    const { job } = await pendingDelivery();
    const seen: string[] = [];
    const failing = handlerDeps(async (request) => {
      seen.push(request.headers.get("webhook-id")!);
      return new Response("nope", { status: 500 });
    });
    expect(await deliverNotification(failing, job)).toEqual({ kind: "requeue", delaySeconds: 10 });
    expect(await deliverNotification(failing, job)).toEqual({ kind: "requeue", delaySeconds: 20 });
    expect(await deliverNotification(failing, job)).toEqual({ kind: "done" });
    expect(await deliveryRow(job.deliveryId)).toEqual({ status: "failed", attempts: 3, last_status_code: 500, last_error: "receiver answered 500" });
    // a late duplicate of the job does nothing
    expect(await deliverNotification(failing, job)).toEqual({ kind: "done" });
    expect(seen).toEqual([job.deliveryId, job.deliveryId, job.deliveryId]);
    expect(retryDelaySeconds({ ...settings, retryBaseSeconds: 30 }, 20)).toBe(3600);
  });

  it("gives up on a receiver that does not answer within the timeout, and does not follow redirects", async () => {
    const { job } = await pendingDelivery();
    const hanging = handlerDeps(
      (request) =>
        new Promise<Response>((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason))),
    );
    expect(await deliverNotification(hanging, job)).toEqual({ kind: "requeue", delaySeconds: 10 });
    expect(await deliveryRow(job.deliveryId)).toMatchObject({ status: "pending", attempts: 1, last_error: "no answer within 200 ms" });

    let redirect: string | undefined;
    const redirecting = handlerDeps(async (request) => {
      redirect = request.redirect;
      return new Response(null, { status: 302, headers: { location: "https://elsewhere.test/" } });
    });
    expect(await deliverNotification(redirecting, job)).toEqual({ kind: "requeue", delaySeconds: 20 });
    expect(redirect).toBe("manual");
    expect(await deliveryRow(job.deliveryId)).toMatchObject({ attempts: 2, last_status_code: 302 });
  });

  it("publishing forgets the subscription's deliveries older than 30 days", async () => {
    const { job } = await pendingDelivery();
    const old = new Date(Date.now() - 31 * 86400_000).toISOString();
    await env.DB.prepare("update webhook_deliveries set created_at = ? where id = ?").bind(old, job.deliveryId).run();
    const queue = { sendBatch: async () => undefined } as unknown as JobQueue;
    expect(await publishSyncEvent({ db, queue }, { ...job.event, occurredAt: new Date().toISOString() })).toBe(1);
    expect(await deliveryRow(job.deliveryId)).toBeNull();
  });

  it("stops when the subscription was deleted", async () => {
    const { job, subscription } = await pendingDelivery();
    await api.delete(`/api/v1/webhooks/subscriptions/${subscription.id}`);
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    expect(await deliverNotification(handlerDeps(fetch), job)).toEqual({ kind: "done" });
    expect(fetch).not.toHaveBeenCalled();
  });
});
