import type { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { description, displayName, id } from "../lib/schemas";
import { storeFor } from "../http/store-request";
import { MAX_PROJECT_SLUG_LENGTH, MIN_PROJECT_SLUG_LENGTH } from "../lib/limits";
import { slugSchema } from "../lib/slug";
import * as store from "../store/projects";

const projectParams = z.object({ projectId: id("projectId") });

const projectSlug = slugSchema("Slug field", MIN_PROJECT_SLUG_LENGTH, MAX_PROJECT_SLUG_LENGTH);

const createBody = z.object({
  projectName: displayName("projectName"),
  projectDescription: description,
  slug: projectSlug.optional(),
});

const updateBody = z.object({
  name: displayName("name", "name cannot be empty").optional(),
  description,
  slug: projectSlug.optional(),
});

export function registerProjectRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    { method: "post", path: ["/api/v1/projects", "/api/v2/workspace"], tag: "Projects", summary: "Create a project with dev, staging and prod environments", body: createBody },
    async (c, { body }) => {
      const project = await store.createProject(storeFor(c), { name: body.projectName, description: body.projectDescription, slug: body.slug });
      return c.json({ project });
    },
  );

  defineRoute(app, { method: "get", path: ["/api/v1/projects", "/api/v1/workspace"], tag: "Projects", summary: "List the projects the caller can reach" }, async (c) => {
    const projects = await store.listProjects(storeFor(c));
    return c.json({ projects, workspaces: projects });
  });

  defineRoute(
    app,
    { method: "get", path: ["/api/v1/projects/:projectId", "/api/v1/workspace/:projectId"], tag: "Projects", summary: "Get a project", params: projectParams },
    async (c, { params }) => {
      const project = await store.readProject(storeFor(c), params.projectId);
      return c.json({ project, workspace: project });
    },
  );

  defineRoute(
    app,
    { method: "patch", path: "/api/v1/projects/:projectId", tag: "Projects", summary: "Update a project's name, description or slug", params: projectParams, body: updateBody },
    async (c, { params, body }) => c.json({ project: await store.updateProject(storeFor(c), params.projectId, body) }),
  );

  defineRoute(
    app,
    { method: "delete", path: "/api/v1/projects/:projectId", tag: "Projects", summary: "Delete a project (refused while connections or syncs use it)", params: projectParams },
    async (c, { params }) => c.json({ project: await store.deleteProject(storeFor(c), params.projectId) }),
  );
}
