import { describe, expect, it } from "vitest";
import { api, createProject, createToken } from "../helpers/api";

describe("audit log", () => {
  it("records every mutation with actor, action, target and request id", async () => {
    const project = await createProject();
    await api.patch(`/api/v1/projects/${project.id}`, { name: "Audited" }, { headers: { "x-request-id": "audit-req-0001" } });
    const env = await api.post(`/api/v1/projects/${project.id}/environments`, { name: "QA", slug: "qa" });
    const res = await api.get("/api/v1/audit-logs", { query: { projectId: project.id } });
    expect(res.status).toBe(200);
    const actions = res.body.auditLogs.map((e: { action: string }) => e.action);
    expect(actions).toEqual(["environment.create", "project.update", "project.create"]);
    const update = res.body.auditLogs.find((e: { action: string }) => e.action === "project.update");
    expect(update).toMatchObject({ actorType: "admin", targetType: "project", targetId: project.id, requestId: "audit-req-0001", metadata: { fields: ["name"] } });
    expect(res.body.auditLogs[0].targetId).toBe(env.body.environment.id);
  });

  it("never records token values", async () => {
    const { token, apiToken } = await createToken(["secrets:read"]);
    const res = await api.get("/api/v1/audit-logs", { query: { action: "api-token.create" } });
    const entry = res.body.auditLogs.find((e: { targetId: string }) => e.targetId === apiToken.id);
    expect(entry).toBeDefined();
    expect(JSON.stringify(res.body)).not.toContain(token);
  });

  it("filters by action and limits, and is restricted by scope and project", async () => {
    const project = await createProject();
    const limited = await api.get("/api/v1/audit-logs", { query: { limit: "1" } });
    expect(limited.body.auditLogs).toHaveLength(1);
    expect((await api.get("/api/v1/audit-logs", { query: { limit: "0" } })).status).toBe(422);
    const auditor = await createToken(["audit:read"], project.id);
    const own = await api.get("/api/v1/audit-logs", { token: auditor.token });
    expect(own.status).toBe(200);
    expect(own.body.auditLogs.every((e: { projectId: string }) => e.projectId === project.id)).toBe(true);
    const other = await createProject();
    expect((await api.get("/api/v1/audit-logs", { token: auditor.token, query: { projectId: other.id } })).status).toBe(403);
  });
});
