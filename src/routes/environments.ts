import type { Context, Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { displayName, id } from "../lib/schemas";
import { storeFor } from "../http/store-request";
import { MAX_ENVIRONMENT_SLUG_LENGTH } from "../lib/limits";
import { slugSchema } from "../lib/slug";
import * as store from "../store/projects";

// Infisical serves environments under /projects/:projectId and, for older SDKs, /workspace/:workspaceId.
const CURRENT = "/api/v1/projects/:projectId/environments";
const LEGACY = "/api/v1/workspace/:projectId/environments";

const projectParams = z.object({ projectId: id("projectId") });
const envParams = projectParams.extend({ environmentId: id("environmentId") });

const name = displayName("name");
const slug = slugSchema("Slug field", 1, MAX_ENVIRONMENT_SLUG_LENGTH);
const position = z.number({ error: "position must be a number" }).int("position must be an integer").min(1, "position must be at least 1");

const createBody = z.object({ name, slug, position: position.optional() });
const updateBody = z.object({ name: name.optional(), slug: slug.optional(), position: position.optional() });

/** The legacy workspace routes name the project key `workspace`. */
const envelope = (c: Context<AppEnv>, message: string, projectId: string, environment: unknown) =>
  c.json(c.req.routePath.startsWith("/api/v1/workspace") ? { message, workspace: projectId, environment } : { message, projectId, environment });

export function registerEnvironmentRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "get", path: [CURRENT, LEGACY], tag: "Environments", summary: "List a project's environments", params: projectParams }, async (c, { params }) =>
    c.json({ environments: await store.listEnvironments(storeFor(c), params.projectId) }),
  );

  defineRoute(
    app,
    { method: "get", path: [`${CURRENT}/:environmentId`, `${LEGACY}/:environmentId`], tag: "Environments", summary: "Get an environment", params: envParams },
    async (c, { params }) => c.json({ environment: await store.getEnvironment(storeFor(c), params.projectId, params.environmentId) }),
  );

  defineRoute(app, { method: "post", path: [CURRENT, LEGACY], tag: "Environments", summary: "Create an environment", params: projectParams, body: createBody }, async (c, { params, body }) => {
    const environment = await store.createEnvironment(storeFor(c), params.projectId, body);
    return envelope(c, "Successfully created new environment", params.projectId, environment);
  });

  defineRoute(
    app,
    { method: "patch", path: [`${CURRENT}/:environmentId`, `${LEGACY}/:environmentId`], tag: "Environments", summary: "Rename, re-slug or move an environment", params: envParams, body: updateBody },
    async (c, { params, body }) => {
      const environment = await store.updateEnvironment(storeFor(c), params.projectId, params.environmentId, body);
      return envelope(c, "Successfully updated environment", params.projectId, environment);
    },
  );

  defineRoute(
    app,
    { method: "delete", path: [`${CURRENT}/:environmentId`, `${LEGACY}/:environmentId`], tag: "Environments", summary: "Delete an environment with its folders and secrets", params: envParams },
    async (c, { params }) => {
      const environment = await store.deleteEnvironment(storeFor(c), params.projectId, params.environmentId);
      return envelope(c, "Successfully deleted environment", params.projectId, environment);
    },
  );
}
