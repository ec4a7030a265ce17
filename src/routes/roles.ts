/** A project's roles, at Infisical's project-role paths (`/api/v1/projects/:projectId/roles…`). */
import type { Hono } from "hono";
import { z } from "zod";
import { actingAs } from "../auth/context";
import { createRole, deleteRole, getRoleById, getRoleBySlug, listRoles, roleInputSchema, roleUpdateSchema, updateRole } from "../auth/project-roles";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { id } from "../lib/schemas";

const TAG = "Project roles";
const ROLES = "/api/v1/projects/:projectId/roles";

const projectParams = z.object({ projectId: id("projectId") });
const roleParams = projectParams.extend({ roleId: id("roleId") });

export function registerRoleRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "post", path: ROLES, tag: TAG, summary: "Create a custom project role", params: projectParams, body: roleInputSchema }, async (c, { params, body }) =>
    c.json({ role: await createRole(actingAs(c), params.projectId, body) }),
  );

  defineRoute(
    app,
    { method: "get", path: ROLES, tag: TAG, summary: "List a project's roles: the built-in ones, then custom roles by slug (without their rules)", params: projectParams },
    async (c, { params }) => {
      const roles = await listRoles(actingAs(c), params.projectId);
      return c.json({ roles: roles.map(({ permissions: _rules, ...role }) => role) });
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${ROLES}/slug/:roleSlug`, tag: TAG, summary: "Get a role (built-in or custom) by slug, with its rules", params: projectParams.extend({ roleSlug: id("roleSlug") }) },
    async (c, { params }) => c.json({ role: await getRoleBySlug(actingAs(c), params.projectId, params.roleSlug) }),
  );

  defineRoute(app, { method: "get", path: "/api/v1/projects/roles/:roleId", tag: TAG, summary: "Get a custom role by id, with its rules", params: z.object({ roleId: id("roleId") }) }, async (c, { params }) =>
    c.json({ role: await getRoleById(actingAs(c), params.roleId) }),
  );

  defineRoute(
    app,
    { method: "patch", path: `${ROLES}/:roleId`, tag: TAG, summary: "Update a custom role (a new slug is renamed wherever the role is held)", params: roleParams, body: roleUpdateSchema },
    async (c, { params, body }) => c.json({ role: await updateRole(actingAs(c), params.projectId, params.roleId, body) }),
  );

  defineRoute(app, { method: "delete", path: `${ROLES}/:roleId`, tag: TAG, summary: "Delete a custom role that nobody holds", params: roleParams }, async (c, { params }) =>
    c.json({ role: await deleteRole(actingAs(c), params.projectId, params.roleId) }),
  );
}
