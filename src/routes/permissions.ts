/** The caller's effective rules in a project (Infisical's `GET /api/v1/projects/:projectId/permissions`). */
import type { Hono } from "hono";
import { z } from "zod";
import { actingAs } from "../auth/context";
import { effectivePermissions } from "../auth/permissions";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { id } from "../lib/schemas";

export function registerPermissionRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/projects/:projectId/permissions",
      tag: "Project roles",
      summary: "The caller's effective rules in the project, in evaluation order (later rules win), and its membership",
      params: z.object({ projectId: id("projectId") }),
    },
    async (c, { params }) => c.json({ data: await effectivePermissions(actingAs(c), params.projectId) }),
  );
}
