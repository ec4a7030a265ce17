/**
 * The checks this area moved from routes into services, each proven both ways: a credential with exactly the rule
 * can, one without it gets Infisical's 403; and the service writes the audit entry naming who acted.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createProject, unique } from "../helpers/api";
import { grantToken } from "../helpers/people";

let project: { id: string };
let other: { id: string };
beforeAll(async () => {
  project = await createProject();
  other = await createProject();
});

const webhookRules = (actions: string[]) => [{ subject: "webhooks", action: actions }];

describe("webhook endpoints and subscriptions need the webhooks rules", () => {
  it("reads with read, changes with create/edit/delete, nothing in another project", async () => {
    const reader = (await grantToken({ permissions: webhookRules(["read"]) }, project.id)).token;
    const writer = (await grantToken({ permissions: webhookRules(["read", "create", "edit", "delete"]) }, project.id)).token;

    const refused = await api.post("/api/v1/webhooks/endpoints", { name: unique("hook"), projectId: project.id }, { token: reader });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to create on webhooks", details: [] });
    const created = await api.post("/api/v1/webhooks/endpoints", { name: unique("hook"), projectId: project.id }, { token: writer });
    expect(created.status).toBe(200);
    const endpointId = created.body.endpoint.id;
    expect((await api.get(`/api/v1/webhooks/endpoints/${endpointId}`, { token: reader })).status).toBe(200);
    expect((await api.get("/api/v1/webhooks/endpoints", { token: reader, query: { projectId: project.id } })).status).toBe(200);
    expect((await api.post(`/api/v1/webhooks/endpoints/${endpointId}/rotate`, {}, { token: reader })).status).toBe(403);
    expect((await api.delete(`/api/v1/webhooks/endpoints/${endpointId}`, undefined, { token: reader })).status).toBe(403);
    expect((await api.get("/api/v1/webhooks/endpoints", { token: writer, query: { projectId: other.id } })).status).toBe(403);
    expect((await api.post(`/api/v1/webhooks/endpoints/${endpointId}/rotate`, {}, { token: writer })).status).toBe(200);
    expect((await api.delete(`/api/v1/webhooks/endpoints/${endpointId}`, undefined, { token: writer })).status).toBe(200);

    const subscription = { projectId: project.id, url: "https://receiver.test/checks", events: ["sync.failed"] };
    expect((await api.post("/api/v1/webhooks/subscriptions", subscription, { token: reader })).status).toBe(403);
    const subscribed = await api.post("/api/v1/webhooks/subscriptions", subscription, { token: writer });
    expect(subscribed.status).toBe(200);
    const subscriptionId = subscribed.body.subscription.id;
    expect((await api.get(`/api/v1/webhooks/subscriptions/${subscriptionId}/deliveries`, { token: reader })).status).toBe(200);
    expect((await api.delete(`/api/v1/webhooks/subscriptions/${subscriptionId}`, undefined, { token: reader })).status).toBe(403);
    expect((await api.delete(`/api/v1/webhooks/subscriptions/${subscriptionId}`, undefined, { token: writer })).status).toBe(200);

    const audit = await env.DB.prepare("select action, actor_type from audit_logs where target_id in (?, ?) order by created_at").bind(endpointId, subscriptionId).all();
    expect(audit.results.map((r) => r.action)).toEqual([
      "webhook-endpoint.create",
      "webhook-endpoint.rotate",
      "webhook-endpoint.delete",
      "webhook-subscription.create",
      "webhook-subscription.delete",
    ]);
    expect(audit.results.every((r) => r.actor_type === "api-token")).toBe(true);
  });
});

describe("audit logs need audit-logs:read", () => {
  it("in a project with the project rule; organization-wide only with the organization rule", async () => {
    const reader = (await grantToken({ permissions: [{ subject: "audit-logs", action: ["read"] }] }, project.id)).token;
    const own = await api.get("/api/v1/audit-logs", { token: reader });
    expect(own.status).toBe(200);
    expect(own.body.auditLogs.length).toBeGreaterThan(0);
    expect(own.body.auditLogs.every((e: { projectId: string }) => e.projectId === project.id)).toBe(true);
    const elsewhere = await api.get("/api/v1/audit-logs", { token: reader, query: { projectId: other.id } });
    expect(elsewhere.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to read on audit-logs" });

    const viewerEverywhere = (await grantToken({ role: "viewer" })).token;
    const organizationWide = await api.get("/api/v1/audit-logs", { token: viewerEverywhere });
    expect(organizationWide.status).toBe(403);
    expect((await api.get("/api/v1/audit-logs", { token: viewerEverywhere, query: { projectId: other.id } })).status).toBe(200);
    const scoped = (await grantToken({ scopes: ["audit:read"] })).token;
    const all = await api.get("/api/v1/audit-logs", { token: scoped, query: { action: "api-token.create" } });
    expect(all.status).toBe(200);
    expect(all.body.auditLogs.some((e: { projectId: string | null }) => e.projectId === null)).toBe(true);
  });
});

describe("administration needs the organization administrator", () => {
  it("re-encrypts with kms:edit and signs everyone out only as an administrator", async () => {
    const projectAdmin = (await grantToken({ scopes: ["admin"] }, project.id)).token;
    const reencrypt = await api.post("/api/v1/admin/encryption/reencrypt", { limit: 1 }, { token: projectAdmin });
    expect(reencrypt.status).toBe(403);
    expect(reencrypt.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to edit on kms" });
    const revoke = await api.post("/api/v1/admin/sessions/revoke-all", undefined, { token: projectAdmin });
    expect(revoke.status).toBe(403);
    const organizationAdmin = (await grantToken({ scopes: ["admin"] })).token;
    expect((await api.post("/api/v1/admin/encryption/reencrypt", { limit: 1 }, { token: organizationAdmin })).status).toBe(200);
  });
});
