/**
 * Outbound notification URLs may not reach loopback, link-local (cloud metadata), private or otherwise special
 * addresses, nor internal names, however the address is spelled: refused when subscribed (422) and again before
 * each delivery; and the delivery log keeps fixed error categories, never the runtime's error text.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { loadKeyRing } from "../../src/lib/crypto";
import { createLogger } from "../../src/lib/logger";
import { deliverNotification, NO_ANSWER_ERROR, publishSyncEvent, type NotificationJob } from "../../src/notifications/delivery";
import { forbiddenTarget, notificationUrlProblem, numericHostV4, parseIpv6 } from "../../src/notifications/url-policy";
import type { JobQueue } from "../../src/queue/messages";
import type { SyncEvent } from "../../src/syncs/events";
import { api, createProject } from "../helpers/api";
import { ReceiverInbox } from "../helpers/receiver";

vi.setConfig({ testTimeout: 30_000 });

const LOOPBACK = "a loopback address (127.0.0.0/8)";
const METADATA = "a link-local address (169.254.0.0/16, cloud metadata)";

/** URL → the rule its host breaks (null: allowed), as parsed by workerd's URL parser. */
const URL_TABLE: [string, string | null][] = [
  ["https://hooks.example.com/x", null],
  ["https://receiver.test/inbox/hook", null],
  ["https://8.8.8.8/hook", null],
  ["https://[2606:4700:4700::1111]/hook", null],
  ["https://[::ffff:8.8.8.8]/hook", null],
  ["https://localhost/hook", "an internal host name (localhost)"],
  ["https://LOCALHOST./hook", "an internal host name (localhost)"],
  ["https://localhost../hook", "an internal host name (localhost)"],
  ["https://127.0.0.1../hook", LOOPBACK],
  ["https://ⓛocalhost/hook", "an internal host name (localhost)"],
  ["https://api.localhost/hook", "an internal host name (*.localhost)"],
  ["https://printer.local/hook", "an internal host name (*.local)"],
  ["https://metadata.google.internal/computeMetadata/v1/", "an internal host name (*.internal)"],
  ["https://nas.home.arpa/hook", "an internal host name (*.home.arpa)"],
  ["https://metadata/hook", "a single-label host name"],
  ["https://127.0.0.1/hook", LOOPBACK],
  ["https://127.255.255.254/hook", LOOPBACK],
  ["https://2130706433/hook", LOOPBACK],
  ["https://0x7f000001/hook", LOOPBACK],
  ["https://0177.0.0.1/hook", LOOPBACK],
  ["https://127.1/hook", LOOPBACK],
  ["https://%31%32%37.0.0.1/hook", LOOPBACK],
  ["https://0/hook", 'a "this network" address (0.0.0.0/8)'],
  ["https://169.254.169.254/latest/meta-data/", METADATA],
  ["https://10.1.2.3/hook", "a private address (10.0.0.0/8)"],
  ["https://172.15.255.255/hook", null],
  ["https://172.16.0.1/hook", "a private address (172.16.0.0/12)"],
  ["https://172.31.255.255/hook", "a private address (172.16.0.0/12)"],
  ["https://172.32.0.1/hook", null],
  ["https://192.168.1.1/hook", "a private address (192.168.0.0/16)"],
  ["https://100.63.255.255/hook", null],
  ["https://100.64.0.1/hook", "a shared (carrier-grade NAT) address (100.64.0.0/10)"],
  ["https://100.127.255.255/hook", "a shared (carrier-grade NAT) address (100.64.0.0/10)"],
  ["https://100.128.0.1/hook", null],
  ["https://198.18.0.1/hook", "a benchmarking address (198.18.0.0/15)"],
  ["https://192.0.2.1/hook", "a documentation address (192.0.2.0/24)"],
  ["https://224.0.0.1/hook", "a multicast address (224.0.0.0/4)"],
  ["https://255.255.255.255/hook", "a reserved or broadcast address (240.0.0.0/4)"],
  ["https://[::1]/hook", "a loopback address (::1)"],
  ["https://[::]/hook", "the unspecified address (::)"],
  ["https://[::ffff:127.0.0.1]/hook", LOOPBACK],
  ["https://[0:0:0:0:0:ffff:7f00:0001]/hook", LOOPBACK],
  ["https://[::ffff:a9fe:a9fe]/hook", METADATA],
  ["https://[::7f00:1]/hook", "a non-global IPv6 address (outside 2000::/3)"],
  ["https://[fc00::1]/hook", "a unique local (private) address (fc00::/7)"],
  ["https://[fd12:3456::1]/hook", "a unique local (private) address (fc00::/7)"],
  ["https://[fe80::1]/hook", "a link-local address (fe80::/10)"],
  ["https://[ff02::1]/hook", "a multicast address (ff00::/8)"],
  ["https://[64:ff9b::7f00:1]/hook", "a NAT64 address (64:ff9b::/96)"],
  ["https://[2001:db8::1]/hook", "a documentation address (2001:db8::/32)"],
  ["https://[2002:7f00:1::]/hook", "a 6to4 address (2002::/16)"],
];

/** Host names as a runtime that does not normalise them would hand them over. */
const HOST_TABLE: [string, string | null][] = [
  ["2130706433", LOOPBACK],
  ["0x7f.1", LOOPBACK],
  ["0177.0.0.1", LOOPBACK],
  ["127.1", LOOPBACK],
  ["127.0.0.1.", LOOPBACK],
  ["1.2.3.4.5", "a malformed numeric address"],
  ["09", "a malformed numeric address"],
  ["[::ffff:127.0.0.1]", LOOPBACK],
  ["[::ffff:0127.0.0.1]", "a malformed IPv6 address"],
  ["[fe80::1%eth0]", "a malformed IPv6 address"],
  ["[1::2::3]", "a malformed IPv6 address"],
  ["example.com.", null],
  ["127.0.0.1.nip.io", null],
];

describe("the target rules", () => {
  it.each(URL_TABLE)("%s → %s", (url, rule) => {
    expect(forbiddenTarget(new URL(url).hostname)).toBe(rule);
    expect(notificationUrlProblem(url, false)).toBe(rule && `must not point at ${rule}`);
  });

  it.each(HOST_TABLE)("host %s → %s", (host, rule) => {
    expect(forbiddenTarget(host)).toBe(rule);
  });

  it("reads numeric IPv4 hosts as the URL standard does, at their boundaries", () => {
    expect(numericHostV4("255.255.255.255")).toBe(0xffffffff);
    expect(numericHostV4("256.0.0.0")).toBe("invalid");
    expect(numericHostV4("0xffffffff")).toBe(0xffffffff);
    expect(numericHostV4("4294967296")).toBe("invalid");
    expect(numericHostV4("1.16777215")).toBe(0x01ffffff);
    expect(numericHostV4("1.16777216")).toBe("invalid");
    expect(numericHostV4("0x")).toBe(0);
    expect(numericHostV4("08.0.0.1")).toBe("invalid");
    expect(numericHostV4("example.com")).toBeNull();
  });

  it("parses IPv6 addresses with and without compression", () => {
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6("1:2:3:4:5:6:7")).toBeNull();
    expect(parseIpv6("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(parseIpv6("1::2:3:4:5:6:7")).toEqual([1, 0, 2, 3, 4, 5, 6, 7]);
    expect(parseIpv6("1:2:3:4:5:6:7::8")).toBeNull();
    expect(parseIpv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  });

  it("keeps the development switch to loopback names only, and https everywhere else", () => {
    expect(notificationUrlProblem("http://localhost:8787/hook", true)).toBeNull();
    expect(notificationUrlProblem("https://127.0.0.1/hook", true)).toBeNull();
    expect(notificationUrlProblem("http://[::1]:9000/hook", true)).toBeNull();
    expect(notificationUrlProblem("http://localhost:8787/hook", false)).toBe("must use https");
    expect(notificationUrlProblem("https://localhost:8787/hook", false)).toBe("must not point at an internal host name (localhost)");
    const httpsInDevelopment = "must use https (or http://localhost / http://127.0.0.1 in development)";
    expect(notificationUrlProblem("http://10.0.0.1/hook", true)).toBe(httpsInDevelopment);
    expect(notificationUrlProblem("https://10.0.0.1/hook", true)).toBe("must not point at a private address (10.0.0.0/8)");
    expect(notificationUrlProblem("https://127.0.0.2/hook", true)).toBe(`must not point at ${LOOPBACK}`);
  });
});

const db = createDb(env.DB);
const event = (projectId: string): SyncEvent => ({ type: "sync.failed", projectId, syncId: "s", syncName: "n", occurredAt: new Date().toISOString() });
const subscriptionCount = async (projectId: string) =>
  (await env.DB.prepare("select count(*) as n from webhook_subscriptions where project_id = ?").bind(projectId).first<{ n: number }>())!.n;

describe("subscribing", () => {
  it("refuses internal targets with 422 naming the rule, echoing nothing of the URL, and stores nothing", async () => {
    const project = await createProject();
    const refusals: [string, string][] = [
      ["https://169.254.169.254/latest/meta-data/iam?token=s3cr3t-token", `url: must not point at ${METADATA}`],
      ["https://0x7f000001/hook?token=s3cr3t-token", `url: must not point at ${LOOPBACK}`],
      ["https://[::ffff:7f00:1]/hook?token=s3cr3t-token", `url: must not point at ${LOOPBACK}`],
      ["https://vault.internal/hook?token=s3cr3t-token", "url: must not point at an internal host name (*.internal)"],
      ["https://10.0.0.7:8443/hook?token=s3cr3t-token", "url: must not point at a private address (10.0.0.0/8)"],
    ];
    for (const [url, message] of refusals) {
      const res = await api.post("/api/v1/webhooks/subscriptions", { projectId: project.id, url, events: ["sync.failed"] });
      expect(res.status, url).toBe(422);
      expect(res.body).toMatchObject({ statusCode: 422, error: "ValidationFailure", message });
      expect(res.body.details).toEqual([{ code: "custom", path: ["url"], message: message.slice("url: ".length) }]);
      expect(JSON.stringify(res.body)).not.toContain("s3cr3t");
    }
    expect(await subscriptionCount(project.id)).toBe(0);

    const inbox = new ReceiverInbox();
    const ok = await api.post("/api/v1/webhooks/subscriptions", { projectId: project.id, url: inbox.url, events: ["sync.failed"] });
    expect(ok.status).toBe(200);
    expect(await subscriptionCount(project.id)).toBe(1);
  });
});

describe("delivering", () => {
  /** A project with one subscription to the recording receiver and one whose stored URL was rewritten to `url`. */
  async function tamperedProject(url: string) {
    const project = await createProject();
    const inbox = new ReceiverInbox();
    const subscribe = async (target: string) => {
      const res = await api.post("/api/v1/webhooks/subscriptions", { projectId: project.id, url: target, events: ["sync.failed"] });
      expect(res.status).toBe(200);
      return res.body.subscription.id as string;
    };
    const healthy = await subscribe(inbox.url);
    const tampered = await subscribe(`${inbox.url}/soon-internal`);
    // stored before the rules existed, or written around the API
    await env.DB.prepare("update webhook_subscriptions set url = ? where id = ?").bind(url, tampered).run();
    return { project, inbox, healthy, tampered };
  }

  const deliveries = async (subscriptionId: string) => (await api.get(`/api/v1/webhooks/subscriptions/${subscriptionId}/deliveries`)).body.deliveries;

  it("fails a delivery to a stored internal URL at once, without a request, while the other subscriptions get theirs", async () => {
    const { project, inbox, healthy, tampered } = await tamperedProject("https://127.0.0.1/hook");
    expect(await publishSyncEvent({ db, queue: env.SYNC_QUEUE as JobQueue }, event(project.id))).toBe(2);

    const [refused] = await vi.waitUntil(async () => {
      const list = await deliveries(tampered);
      return list[0]?.status === "failed" && list;
    }, { timeout: 10_000, interval: 50 });
    expect(refused).toMatchObject({
      status: "failed",
      attempts: 1,
      lastStatusCode: null,
      lastError: `not sent: the subscription url must not point at ${LOOPBACK}`,
      nextAttemptAt: null,
    });
    await vi.waitUntil(async () => (await deliveries(healthy))[0]?.status === "succeeded", { timeout: 10_000, interval: 50 });
    const received = await inbox.requests();
    expect(received.map((r) => r.path)).toEqual([`/${inbox.name}/hook`]);
    const stored = await env.DB.prepare("select url from webhook_subscriptions where id = ?").bind(tampered).first<{ url: string }>();
    expect(stored!.url).toBe("https://127.0.0.1/hook");
  });

  it("never calls fetch for a refused target, and records a fixed category instead of the runtime's error text", async () => {
    const { project, tampered, healthy } = await tamperedProject("https://[::ffff:a9fe:a9fe]/latest/meta-data/");
    const queued: NotificationJob[] = [];
    const sendBatch = async (messages: Iterable<{ body: NotificationJob }>) => void queued.push(...[...messages].map((m) => m.body));
    const queue = { sendBatch } as unknown as JobQueue;
    await publishSyncEvent({ db, queue }, event(project.id));
    const jobFor = (subscriptionId: string) => queued.find((j) => j.subscriptionId === subscriptionId)!;
    const settings = { secretGraceSeconds: 0, allowHttpLocalhost: false, deliveryTimeoutMs: 200, maxAttempts: 3, retryBaseSeconds: 10 };
    const keyRing = () => loadKeyRing(env.ENCRYPTION_KEY);
    const handler = (fetch: (request: Request) => Promise<Response>) => ({ db, keyRing, settings, log: createLogger({}, "error"), fetch });
    const row = (id: string) =>
      env.DB.prepare("select status, attempts, last_status_code, last_error from webhook_deliveries where id = ?").bind(id).first();

    const neverCalled = vi.fn(async () => new Response(null, { status: 204 }));
    expect(await deliverNotification(handler(neverCalled), jobFor(tampered))).toEqual({ kind: "done" });
    expect(neverCalled).not.toHaveBeenCalled();
    expect(await row(jobFor(tampered).deliveryId)).toEqual({
      status: "failed",
      attempts: 1,
      last_status_code: null,
      last_error: `not sent: the subscription url must not point at ${METADATA}`,
    });

    const revealing = handler(async () => {
      throw new TypeError("connect ECONNREFUSED 10.20.30.40:6379 (redis.internal)");
    });
    expect(await deliverNotification(revealing, jobFor(healthy))).toEqual({ kind: "requeue", delaySeconds: 10 });
    const retrying = { status: "pending", attempts: 1, last_status_code: null, last_error: NO_ANSWER_ERROR };
    expect(await row(jobFor(healthy).deliveryId)).toEqual(retrying);
    expect(NO_ANSWER_ERROR).toBe("request failed before an answer (connection, DNS or TLS error)");
  });
});
