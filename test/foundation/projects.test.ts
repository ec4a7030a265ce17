import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createProject, createToken, unique } from "../helpers/api";

const countRows = async (table: string) => (await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>())!.n;

describe("projects", () => {
  it("creates a project with dev, staging and prod, each with a root folder", async () => {
    const res = await api.post("/api/v1/projects", { projectName: "  Payments API  ", projectDescription: "card flows" });
    expect(res.status).toBe(200);
    const { project } = res.body;
    expect(project).toMatchObject({ name: "Payments API", description: "card flows", type: "secret-manager", _id: project.id });
    expect(project.slug).toMatch(/^payments-api-[0-9a-f]{8}$/);
    expect(project.environments.map((e: { name: string; slug: string }) => [e.name, e.slug])).toEqual([
      ["Development", "dev"],
      ["Staging", "staging"],
      ["Production", "prod"],
    ]);
    const roots = await env.DB.prepare("select path, parent_id from folders where project_id = ?").bind(project.id).all();
    expect(roots.results).toEqual([
      { path: "/", parent_id: null },
      { path: "/", parent_id: null },
      { path: "/", parent_id: null },
    ]);
  });

  it("serves the legacy /api/v2/workspace create used by the Node SDK, with an explicit slug", async () => {
    const slug = unique("legacy").replace(/[^a-z0-9-]/g, "");
    const res = await api.post("/api/v2/workspace", { projectName: "Legacy", slug });
    expect(res.status).toBe(200);
    expect(res.body.project.slug).toBe(slug);
    const dup = await api.post("/api/v1/projects", { projectName: "Other", slug });
    expect(dup.status).toBe(400);
    expect(dup.body.message).toBe(`A project with the slug "${slug}" already exists`);
  });

  it("rejects invalid names and slugs without storing anything", async () => {
    const before = await countRows("projects");
    for (const body of [{}, { projectName: "" }, { projectName: "x".repeat(65) }, { projectName: "ok", slug: "UPPER" }, { projectName: "ok", slug: "ab" }, { projectName: "ok", slug: "a--b-c" }]) {
      const res = await api.post("/api/v1/projects", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error).toBe("ValidationFailure");
    }
    expect(await countRows("projects")).toBe(before);
  });

  it("lists, gets (also via the legacy workspace path), updates and deletes", async () => {
    const project = await createProject();
    expect((await api.get("/api/v1/projects")).body.projects.map((p: { id: string }) => p.id)).toContain(project.id);
    expect((await api.get(`/api/v1/workspace/${project.id}`)).body.workspace.id).toBe(project.id);
    const updated = await api.patch(`/api/v1/projects/${project.id}`, { name: "Renamed", description: null });
    expect(updated.status).toBe(200);
    expect(updated.body.project).toMatchObject({ name: "Renamed", description: null, slug: project.slug });
    const deleted = await api.delete(`/api/v1/projects/${project.id}`);
    expect(deleted.status).toBe(200);
    expect((await api.get(`/api/v1/projects/${project.id}`)).status).toBe(404);
    const orphanFolders = await env.DB.prepare("select count(*) as n from folders where project_id = ?").bind(project.id).first<{ n: number }>();
    expect(orphanFolders!.n).toBe(0);
  });

  it("404s unknown projects", async () => {
    for (const res of [
      await api.get("/api/v1/projects/unknown"),
      await api.patch("/api/v1/projects/unknown", { name: "x" }),
      await api.delete("/api/v1/projects/unknown"),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.message).toBe("Project with ID 'unknown' not found");
    }
  });

  it("refuses to delete a project a connection still uses", async () => {
    const project = await createProject();
    const now = new Date().toISOString();
    await env.DB.prepare(
      "insert into app_connections (id, name, app, method, project_id, credentials_ciphertext, credentials_hash, version, created_at, updated_at) values (?, 'conn', 'qovery', 'access-token', ?, 'v1.x.y.z', 'h', 1, ?, ?)",
    )
      .bind(crypto.randomUUID(), project.id, now, now)
      .run();
    const res = await api.delete(`/api/v1/projects/${project.id}`);
    expect(res.status).toBe(409);
    expect(res.body.message).toContain("1 app connections");
    expect((await api.get(`/api/v1/projects/${project.id}`)).status).toBe(200);
  });
});

describe("environments", () => {
  it("creates at the end or at a position, shifting the others", async () => {
    const project = await createProject();
    const qa = await api.post(`/api/v1/projects/${project.id}/environments`, { name: "QA", slug: "qa" });
    expect(qa.status).toBe(200);
    expect(qa.body).toMatchObject({ message: "Successfully created new environment", projectId: project.id, environment: { slug: "qa", position: 4 } });
    const preview = await api.post(`/api/v1/projects/${project.id}/environments`, { name: "Preview", slug: "preview", position: 1 });
    expect(preview.body.environment.position).toBe(1);
    const list = await api.get(`/api/v1/projects/${project.id}/environments`);
    expect(list.body.environments.map((e: { slug: string; position: number }) => `${e.position}:${e.slug}`)).toEqual(["1:preview", "2:dev", "3:staging", "4:prod", "5:qa"]);
    const root = await env.DB.prepare("select path from folders where environment_id = ?").bind(qa.body.environment.id).first();
    expect(root).toEqual({ path: "/" });
  });

  it("serves the legacy workspace paths with a `workspace` key", async () => {
    const project = await createProject();
    const res = await api.post(`/api/v1/workspace/${project.id}/environments`, { name: "Legacy", slug: "legacy" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workspace: project.id, environment: { slug: "legacy" } });
    expect(res.body).not.toHaveProperty("projectId");
  });

  it("updates name, slug and position, and deletes with compaction", async () => {
    const project = await createProject();
    const [dev, staging, prod] = project.environments;
    const moved = await api.patch(`/api/v1/projects/${project.id}/environments/${prod!.id}`, { name: "Live", slug: "live", position: 1 });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ message: "Successfully updated environment", environment: { name: "Live", slug: "live", position: 1 } });
    const del = await api.delete(`/api/v1/projects/${project.id}/environments/${dev!.id}`);
    expect(del.body.message).toBe("Successfully deleted environment");
    const list = await api.get(`/api/v1/projects/${project.id}/environments`);
    expect(list.body.environments.map((e: { slug: string; position: number }) => `${e.position}:${e.slug}`)).toEqual(["1:live", "2:staging"]);
    expect((await api.get(`/api/v1/projects/${project.id}/environments/${staging!.id}`)).body.environment.slug).toBe("staging");
  });

  it("applies Infisical's slug rules and duplicate message without storing anything", async () => {
    const project = await createProject();
    const before = await countRows("environments");
    const dup = await api.post(`/api/v1/projects/${project.id}/environments`, { name: "Dev again", slug: "dev" });
    expect(dup.status).toBe(400);
    expect(dup.body.message).toBe("Environment with slug already exists");
    for (const slug of ["Dev", "dev_1", "-dev", "dev-", "", "x".repeat(65)]) {
      const res = await api.post(`/api/v1/projects/${project.id}/environments`, { name: "Bad", slug });
      expect(res.status, slug).toBe(422);
    }
    const badPosition = await api.post(`/api/v1/projects/${project.id}/environments`, { name: "P", slug: "p", position: 0 });
    expect(badPosition.status).toBe(422);
    expect(await countRows("environments")).toBe(before);
    const dupRename = await api.patch(`/api/v1/projects/${project.id}/environments/${project.environments[0]!.id}`, { slug: "prod" });
    expect(dupRename.status).toBe(400);
  });

  it("404s unknown environments and projects", async () => {
    const project = await createProject();
    const res = await api.get(`/api/v1/projects/${project.id}/environments/unknown`);
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(`Environment with id 'unknown' in project with ID '${project.id}' not found`);
    expect((await api.post("/api/v1/projects/unknown/environments", { name: "x", slug: "x" })).status).toBe(404);
  });

  it("needs projects:write to change environments and stays within a bound project", async () => {
    const project = await createProject();
    const reader = await createToken(["secrets:read"], project.id);
    expect((await api.get(`/api/v1/projects/${project.id}/environments`, { token: reader.token })).status).toBe(200);
    expect((await api.post(`/api/v1/projects/${project.id}/environments`, { name: "x", slug: "x" }, { token: reader.token })).status).toBe(403);
    const other = await createProject();
    expect((await api.get(`/api/v1/projects/${other.id}/environments`, { token: reader.token })).status).toBe(403);
    expect((await api.get(`/api/v1/projects/${project.id}/environments`, { token: null })).status).toBe(401);
  });
});
