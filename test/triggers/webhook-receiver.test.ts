/**
 * Inbound webhook endpoints and the signed receiver `POST /api/v1/webhooks/secret-changes?endpointId=…`:
 * the real Worker, D1, queue and consumer, with syncs running against the Qovery simulator.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { RECEIVER_MAX_BODY_BYTES } from "../../src/lib/limits";
import { INVALID_SIGNATURE_MESSAGE } from "../../src/triggers/webhook-receiver";
import { webhookHeaders } from "../../src/lib/webhook-signature";
import { api, call, createProject, createToken, unique } from "../helpers/api";
import { createFolder, createSync, putSecrets, qoveryValues, syncFixture, waitForRun, type SyncFixture } from "../helpers/sync-fixtures";

vi.setConfig({ testTimeout: 30_000 });

const RECEIVER = "/api/v1/webhooks/secret-changes";
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function createEndpoint(projectId: string, name = unique("endpoint")) {
  const res = await api.post("/api/v1/webhooks/endpoints", { name, projectId });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { endpoint: { id: string; projectId: string; name: string; receiverUrl: string; previousSecretExpiresAt: string | null }; secret: string };
}

interface SendOptions {
  /** secrets to sign with (default: none → no signature header) */
  secrets?: string[];
  id?: string;
  timestamp?: number;
  /** sign this body but send `body` */
  signedBody?: string;
  headers?: Record<string, string | undefined>;
  endpointId?: string | null;
}

/** Sends `payload` (an object, or raw text) to the receiver, signed like a Standard Webhooks sender would. */
async function send(endpointId: string | null, payload: unknown, o: Omit<SendOptions, "endpointId"> = {}) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const id = o.id ?? `msg_${crypto.randomUUID()}`;
  const signed: Record<string, string> = o.secrets?.length ? { ...(await webhookHeaders(o.secrets, id, o.signedBody ?? body, o.timestamp ?? nowSeconds())) } : {};
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries<string | undefined>({ ...signed, ...o.headers })) if (v !== undefined) headers[k] = v;
  return call("POST", RECEIVER, { token: null, rawBody: body, headers, query: { endpointId: endpointId ?? undefined } });
}

async function runsOf(syncId: string) {
  return (await api.get(`/api/v1/secret-syncs/qovery/${syncId}/runs`, { query: { limit: "100" } })).body.runs as { id: string; trigger: string; status: string }[];
}

async function untilValue(f: SyncFixture, key: string, value: string) {
  await vi.waitUntil(async () => (await qoveryValues(f.tenant, f.tenant.environment.id))[key] === value, { timeout: 15_000, interval: 100 });
}

/** A project whose /app sync has auto-sync off (so only the webhook moves it: not even its creation runs it), and an endpoint. */
async function receiverFixture(secrets: Record<string, string> = { A: "1" }) {
  const f = await syncFixture(secrets);
  const sync = await createSync(f, { autoSyncEnabled: false });
  const { endpoint, secret } = await createEndpoint(f.project.id);
  const notice = (over: Record<string, unknown> = {}) => ({ projectId: f.project.id, environment: "dev", secretPath: "/app", syncIds: [sync.id], ...over });
  return { f, sync, endpoint, secret, notice };
}

function expectGeneric401(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBe(401);
  expect(res.body).toMatchObject({ statusCode: 401, error: "UnauthorizedError", message: INVALID_SIGNATURE_MESSAGE });
  expect(Object.keys(res.body).sort()).toEqual(["error", "message", "reqId", "statusCode"]);
}

describe("webhook endpoints", () => {
  it("returns the whsec_ secret once, stores it encrypted, and never lists it", async () => {
    const project = await createProject();
    const { endpoint, secret } = await createEndpoint(project.id, "ci-pipeline");
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({ projectId: project.id, name: "ci-pipeline", previousSecretExpiresAt: null });
    expect(endpoint.receiverUrl).toBe(`https://sync.test${RECEIVER}?endpointId=${endpoint.id}`);

    const stored = await env.DB.prepare("select secret_ciphertext from webhook_endpoints where id = ?").bind(endpoint.id).first<{ secret_ciphertext: string }>();
    expect(stored!.secret_ciphertext).toMatch(/^v1\./);
    expect(stored!.secret_ciphertext).not.toContain(secret.slice(6));

    const list = await api.get("/api/v1/webhooks/endpoints", { query: { projectId: project.id } });
    expect(list.status).toBe(200);
    expect(list.body.endpoints.map((e: any) => e.id)).toEqual([endpoint.id]);
    const one = await api.get(`/api/v1/webhooks/endpoints/${endpoint.id}`);
    expect(one.body.endpoint).toMatchObject({ id: endpoint.id, name: "ci-pipeline" });
    for (const body of [list.body, one.body]) {
      expect(JSON.stringify(body)).not.toContain(secret.slice(6, 20));
      expect(JSON.stringify(body)).not.toMatch(/"secret"/);
    }

    const audit = await api.get("/api/v1/audit-logs", { query: { projectId: project.id } });
    expect(audit.body.auditLogs.map((a: any) => a.action)).toContain("webhook-endpoint.create");
    expect(JSON.stringify(audit.body)).not.toContain(secret.slice(6, 20));
  });

  it("refuses duplicate names, unknown projects and credentials without webhooks:write on the project", async () => {
    const project = await createProject();
    const other = await createProject();
    await createEndpoint(project.id, "dup");
    expect((await api.post("/api/v1/webhooks/endpoints", { name: "dup", projectId: project.id })).status).toBe(409);
    expect((await api.post("/api/v1/webhooks/endpoints", { name: "x", projectId: "nope" })).status).toBe(404);
    expect((await api.post("/api/v1/webhooks/endpoints", { projectId: project.id })).status).toBe(422);

    const reader = await createToken(["webhooks:read"], project.id);
    expect((await api.post("/api/v1/webhooks/endpoints", { name: "r", projectId: project.id }, { token: reader.token })).status).toBe(403);
    expect((await api.get("/api/v1/webhooks/endpoints", { query: { projectId: project.id }, token: reader.token })).status).toBe(200);
    const writer = await createToken(["webhooks:write"], project.id);
    expect((await api.post("/api/v1/webhooks/endpoints", { name: "w", projectId: project.id }, { token: writer.token })).status).toBe(200);
    expect((await api.post("/api/v1/webhooks/endpoints", { name: "w", projectId: other.id }, { token: writer.token })).status).toBe(403);
    const syncsOnly = await createToken(["syncs:write"], project.id);
    expect((await api.get("/api/v1/webhooks/endpoints", { query: { projectId: project.id }, token: syncsOnly.token })).status).toBe(403);
  });

  it("delete revokes the endpoint: its secret no longer opens the receiver", async () => {
    const { endpoint, secret, notice } = await receiverFixture();
    expect((await send(endpoint.id, notice(), { secrets: [secret] })).status).toBe(202);
    const deleted = await api.delete(`/api/v1/webhooks/endpoints/${endpoint.id}`);
    expect(deleted.status).toBe(200);
    expectGeneric401(await send(endpoint.id, notice(), { secrets: [secret] }));
    expect((await api.get(`/api/v1/webhooks/endpoints/${endpoint.id}`)).status).toBe(404);
  });
});

describe("receiver: accepted notices", () => {
  it("a valid signature → 202 with the queued run, and the sync's secrets land in Qovery", async () => {
    const { f, sync, endpoint, secret, notice } = await receiverFixture({ A: "1" });
    await putSecrets(f.project.id, "dev", "/app", { A: "2", B: "new" }); // auto-sync is off: nothing moves yet
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the auto-sync debounce
    expect(await runsOf(sync.id)).toEqual([]);
    expect(await qoveryValues(f.tenant, f.tenant.environment.id)).toEqual({});
    const res = await send(endpoint.id, notice(), { secrets: [secret] });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.runs).toHaveLength(1);
    expect(res.body.runs[0]).toMatchObject({ syncId: sync.id, queued: true, runId: expect.any(String) });
    await untilValue(f, "B", "new");
    expect((await qoveryValues(f.tenant, f.tenant.environment.id)).A).toBe("2");
    const runs = await runsOf(sync.id);
    expect(runs[0]).toMatchObject({ id: res.body.runs[0].runId, trigger: "webhook", requestedBy: { type: "webhook-endpoint", id: endpoint.id, name: endpoint.name } });

    const audit = await api.get("/api/v1/audit-logs", { query: { projectId: f.project.id, action: "webhook.secret-change.receive" } });
    expect(audit.body.auditLogs[0]).toMatchObject({ actorType: "webhook-endpoint", actorId: endpoint.id, targetId: endpoint.id });
    expect(JSON.stringify(audit.body)).not.toContain("new");
  });

  it("without syncIds, runs the enabled auto-sync syncs the location affects, like an internal change", async () => {
    const f = await syncFixture({ A: "1" });
    await createFolder(f.project.id, "dev", "/other");
    await putSecrets(f.project.id, "dev", "/other", { O: "x" });
    const app = await createSync(f);
    const other = await createSync(f, { secretPath: "/other", keySchema: "O_{{secretKey}}" });
    const manual = await createSync(f, { secretPath: "/app", keySchema: "M_{{secretKey}}", autoSyncEnabled: false });
    for (const s of [app, other]) await waitForRun(s.id);
    const { endpoint, secret } = await createEndpoint(f.project.id);
    const res = await send(endpoint.id, { projectId: f.project.id, environment: "dev", secretPath: "app/" }, { secrets: [secret] });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.runs.map((r: any) => r.syncId)).toEqual([app.id]);
    expect((await waitForRun(app.id)).syncStatus).toBe("succeeded");
  });

  it("a replayed webhook-id → 200 with no new run; a new id with the same body runs again", async () => {
    const { sync, endpoint, secret, notice } = await receiverFixture();
    const id = `msg_${crypto.randomUUID()}`;
    const first = await send(endpoint.id, notice(), { secrets: [secret], id });
    expect(first.status).toBe(202);
    await waitForRun(sync.id);
    const before = await runsOf(sync.id);

    const replay = await send(endpoint.id, notice(), { secrets: [secret], id });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ runs: [], replayed: true });
    expect(await runsOf(sync.id)).toEqual(before);

    const fresh = await send(endpoint.id, notice(), { secrets: [secret] });
    expect(fresh.status).toBe(202);
    expect((await runsOf(sync.id)).length).toBe(before.length + 1);
  });

  it("forgets receipts once their timestamp is out of the tolerance window", async () => {
    const { endpoint, secret, notice } = await receiverFixture();
    await env.DB.prepare("insert into webhook_receipts (endpoint_id, message_id, timestamp, received_at) values (?, ?, ?, ?)")
      .bind(endpoint.id, "msg_ancient", nowSeconds() - 301, new Date().toISOString())
      .run();
    expect((await send(endpoint.id, notice(), { secrets: [secret] })).status).toBe(202);
    const left = await env.DB.prepare("select message_id from webhook_receipts where endpoint_id = ?").bind(endpoint.id).all<{ message_id: string }>();
    expect(left.results.map((r) => r.message_id)).not.toContain("msg_ancient");
    expect(left.results).toHaveLength(1);
  });
});

describe("receiver: refused notices (one generic 401, no run)", () => {
  it("wrong secret, stale and future timestamps, tampered body, malformed or missing headers, unknown endpoint", async () => {
    const { sync, endpoint, secret, notice } = await receiverFixture();
    const before = await runsOf(sync.id);
    const { secret: otherSecret } = await createEndpoint(endpoint.projectId);
    const body = JSON.stringify(notice());
    const cases: [string, Promise<{ status: number; body: any }>][] = [
      ["wrong secret", send(endpoint.id, body, { secrets: [otherSecret] })],
      ["stale timestamp", send(endpoint.id, body, { secrets: [secret], timestamp: nowSeconds() - 301 })],
      // The exact ±300 s boundary is pinned in webhook-signature.test.ts with a fixed clock; here the margin absorbs
      // the time a loaded machine takes between signing and checking.
      ["future timestamp", send(endpoint.id, body, { secrets: [secret], timestamp: nowSeconds() + 360 })],
      ["tampered body", send(endpoint.id, body.replace('"/app"', '"/app2"'), { secrets: [secret], signedBody: body })],
      ["no signature", send(endpoint.id, body)],
      ["malformed signature", send(endpoint.id, body, { secrets: [secret], headers: { "webhook-signature": "v1,not base64!" } })],
      ["signature without version", send(endpoint.id, body, { secrets: [secret], headers: { "webhook-signature": "c2lnbmF0dXJl" } })],
      ["missing timestamp", send(endpoint.id, body, { secrets: [secret], headers: { "webhook-timestamp": undefined } })],
      ["non-numeric timestamp", send(endpoint.id, body, { secrets: [secret], headers: { "webhook-timestamp": "yesterday" } })],
      ["missing id", send(endpoint.id, body, { secrets: [secret], headers: { "webhook-id": undefined } })],
      ["unknown endpoint", send(crypto.randomUUID(), body, { secrets: [secret] })],
      ["no endpoint", send(null, body, { secrets: [secret] })],
      ["not JSON, not signed", send(endpoint.id, "{oops")],
    ];
    for (const [label, pending] of cases) {
      const res = await pending;
      expect(res.status, label).toBe(401);
      expectGeneric401(res);
    }
    expect(await runsOf(sync.id)).toEqual(before);
  });

  it("still accepts the same notice signed correctly (the refusals above were about the signature only)", async () => {
    const { endpoint, secret, notice } = await receiverFixture();
    expect((await send(endpoint.id, notice(), { secrets: [secret] })).status).toBe(202);
  });

  it("an oversized body → 413 even when signed", async () => {
    const { endpoint, secret, notice } = await receiverFixture();
    const big = JSON.stringify(notice({ padding: "x".repeat(RECEIVER_MAX_BODY_BYTES) }));
    const res = await send(endpoint.id, big, { secrets: [secret] });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: "PayloadTooLarge" });
    // just under the limit is fine (unknown fields are ignored)
    const fits = JSON.stringify(notice({ padding: "x".repeat(RECEIVER_MAX_BODY_BYTES - 500) }));
    expect((await send(endpoint.id, fits, { secrets: [secret] })).status).toBe(202);
  });
});

describe("receiver: rotation", () => {
  it("during the grace period both secrets work; after it only the new one does", async () => {
    const { endpoint, secret: oldSecret, notice } = await receiverFixture();
    const rotated = await api.post(`/api/v1/webhooks/endpoints/${endpoint.id}/rotate`);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const graceEnds = Date.parse(rotated.body.endpoint.previousSecretExpiresAt);
    expect(graceEnds - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(graceEnds - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    expect((await send(endpoint.id, notice(), { secrets: [oldSecret] })).status).toBe(202);
    expect((await send(endpoint.id, notice(), { secrets: [newSecret] })).status).toBe(202);
    // a sender mid-rotation may sign with both
    expect((await send(endpoint.id, notice(), { secrets: [oldSecret, newSecret] })).status).toBe(202);

    // the grace period ends (moved into the past in D1)
    await env.DB.prepare("update webhook_endpoints set previous_secret_expires_at = ? where id = ?").bind(new Date(Date.now() - 1000).toISOString(), endpoint.id).run();
    expectGeneric401(await send(endpoint.id, notice(), { secrets: [oldSecret] }));
    expect((await send(endpoint.id, notice(), { secrets: [newSecret] })).status).toBe(202);
    expect((await api.get(`/api/v1/webhooks/endpoints/${endpoint.id}`)).body.endpoint.previousSecretExpiresAt).toBeNull();
  });

  it("gracePeriodSeconds: 0 revokes the old secret at once; a second rotation drops the first secret", async () => {
    const { endpoint, secret: first, notice } = await receiverFixture();
    const second = (await api.post(`/api/v1/webhooks/endpoints/${endpoint.id}/rotate`, { gracePeriodSeconds: 0 })).body;
    expect(second.endpoint.previousSecretExpiresAt).toBeNull();
    expectGeneric401(await send(endpoint.id, notice(), { secrets: [first] }));
    const third = (await api.post(`/api/v1/webhooks/endpoints/${endpoint.id}/rotate`, { gracePeriodSeconds: 60 })).body;
    expect((await send(endpoint.id, notice(), { secrets: [second.secret] })).status).toBe(202);
    expect((await send(endpoint.id, notice(), { secrets: [third.secret] })).status).toBe(202);
    expect((await api.post(`/api/v1/webhooks/endpoints/${endpoint.id}/rotate`, { gracePeriodSeconds: -1 })).status).toBe(422);
  });
});

describe("receiver: payload after a valid signature", () => {
  it("an endpoint of another project cannot trigger this project's syncs (403, no run)", async () => {
    const { f, sync } = await receiverFixture();
    const elsewhere = await createProject();
    const { endpoint, secret } = await createEndpoint(elsewhere.id);
    const before = await runsOf(sync.id);
    const res = await send(endpoint.id, { projectId: f.project.id, environment: "dev", secretPath: "/app", syncIds: [sync.id] }, { secrets: [secret] });
    expect(res.status).toBe(403);
    // and naming its own project does not reach syncs of another one
    const own = await send(endpoint.id, { projectId: elsewhere.id, environment: "dev", secretPath: "/app", syncIds: [sync.id] }, { secrets: [secret] });
    expect(own.status).toBe(202);
    expect(own.body.runs).toEqual([]);
    expect(await runsOf(sync.id)).toEqual(before);
  });

  it("validates the payload: 422 for missing or bad fields, 400 for malformed JSON, 404 for an unknown environment", async () => {
    const { endpoint, secret, notice } = await receiverFixture();
    const missing = await send(endpoint.id, { projectId: endpoint.projectId }, { secrets: [secret] });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain("environment");
    expect((await send(endpoint.id, notice({ secretPath: "/app/../etc" }), { secrets: [secret] })).status).toBe(422);
    expect((await send(endpoint.id, notice({ syncIds: [] }), { secrets: [secret] })).status).toBe(422);
    expect((await send(endpoint.id, "{oops", { secrets: [secret] })).status).toBe(400);
    expect((await send(endpoint.id, notice({ environment: "nope" }), { secrets: [secret] })).status).toBe(404);
  });
});
