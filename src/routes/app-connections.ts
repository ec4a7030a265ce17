import type { Context, Hono } from "hono";
import { z } from "zod";
import { requireAccess, type AuthContext } from "../auth/context";
import type { Scope } from "../auth/scopes";
import { recordAudit } from "../audit/audit-log";
import { interactiveQoveryClients } from "../connections/qovery-access";
import * as connections from "../connections/service";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { description, id } from "../http/schemas";
import { loadKeyRing } from "../lib/crypto";
import { MAX_NAME_LENGTH } from "../lib/limits";
import { slugSchema } from "../lib/slug";

const BASE = "/api/v1/app-connections/qovery";
const TAG = "App connections";

const credentials = z.object(
  { accessToken: z.string({ error: "Project Access Token required" }).trim().min(1, "Project Access Token required") },
  { error: "credentials must be an object with an accessToken" },
);

const notSupported = {
  isPlatformManagedCredentials: z.literal(false, { error: "Platform managed credentials are not supported for Qovery" }).optional(),
  gatewayId: z.null({ error: "Gateways are not supported for Qovery" }).optional(),
};

const createBody = z.object({
  name: slugSchema("name", 1, MAX_NAME_LENGTH),
  description,
  method: z.literal(connections.ACCESS_TOKEN_METHOD, { error: `method must be "${connections.ACCESS_TOKEN_METHOD}"` }),
  credentials,
  projectId: id("projectId").optional(),
  ...notSupported,
});

const updateBody = z.object({
  name: slugSchema("name", 1, MAX_NAME_LENGTH).optional(),
  description,
  method: z.literal(connections.ACCESS_TOKEN_METHOD, { error: `method must be "${connections.ACCESS_TOKEN_METHOD}"` }).optional(),
  credentials: credentials.optional(),
  ...notSupported,
});

const connectionParams = z.object({ connectionId: id("connectionId") });
const byNameParams = z.object({ connectionName: z.string().trim().min(1, "Connection name required") });
const projectFilter = z.object({ projectId: id("projectId").optional() });

/**
 * A project's connections follow the project's access rules. Organization-wide connections (no project) can be read
 * and used by any credential with the scope, but only credentials not bound to a project may change them.
 */
function requireConnectionAccess(auth: AuthContext, scope: Scope, connectionProjectId: string | null): void {
  if (connectionProjectId !== null) return requireAccess(auth, scope, connectionProjectId);
  requireAccess(auth, scope, scope === "connections:read" ? auth.projectId : undefined);
}

function serviceDeps(c: Context<AppEnv>): connections.ConnectionServiceDeps {
  return {
    db: createDb(c.env.DB),
    keyRing: () => loadKeyRing(c.env.ENCRYPTION_KEY),
    qovery: interactiveQoveryClients(c.env.QOVERY_API_URL),
  };
}

async function readableConnection(c: Context<AppEnv>, connectionId: string) {
  const connection = await connections.getQoveryConnection(createDb(c.env.DB), connectionId);
  requireConnectionAccess(c.get("auth"), "connections:read", connection.projectId);
  return connection;
}

const auditTarget = (connection: connections.PublicConnection) => ({
  projectId: connection.projectId,
  targetType: "app-connection",
  targetId: connection.id,
});

export function registerAppConnectionRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    { method: "get", path: "/api/v1/app-connections/options", tag: TAG, summary: "List the apps connections can be made to" },
    (c) => {
      const auth = c.get("auth");
      requireAccess(auth, "connections:read", auth.projectId);
      return c.json({ appConnectionOptions: connections.APP_CONNECTION_OPTIONS });
    },
  );

  defineRoute(
    app,
    { method: "get", path: BASE, tag: TAG, summary: "List Qovery connections (of a project, with the organization-wide ones)", query: projectFilter },
    async (c, { query }) => {
      const auth = c.get("auth");
      const projectId = query.projectId ?? auth.projectId ?? undefined;
      requireAccess(auth, "connections:read", projectId);
      return c.json({ appConnections: await connections.listQoveryConnections(createDb(c.env.DB), projectId) });
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/connection-name/:connectionName`, tag: TAG, summary: "Get a Qovery connection by name", params: byNameParams, query: projectFilter },
    async (c, { params, query }) => {
      const auth = c.get("auth");
      const projectId = query.projectId ?? auth.projectId;
      const appConnection = await connections.findQoveryConnectionByName(createDb(c.env.DB), params.connectionName, projectId);
      requireConnectionAccess(auth, "connections:read", appConnection.projectId);
      return c.json({ appConnection });
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:connectionId`, tag: TAG, summary: "Get a Qovery connection", params: connectionParams },
    async (c, { params }) => c.json({ appConnection: await readableConnection(c, params.connectionId) }),
  );

  defineRoute(
    app,
    { method: "post", path: BASE, tag: TAG, summary: "Create a Qovery connection (the token is checked with Qovery first)", body: createBody },
    async (c, { body }) => {
      requireAccess(c.get("auth"), "connections:write", body.projectId);
      const appConnection = await connections.createQoveryConnection(serviceDeps(c), {
        name: body.name,
        description: body.description ?? null,
        projectId: body.projectId ?? null,
        accessToken: body.credentials.accessToken,
      });
      await recordAudit(c, { action: "app-connection.create", ...auditTarget(appConnection), metadata: { app: appConnection.app, name: appConnection.name } });
      return c.json({ appConnection });
    },
  );

  defineRoute(
    app,
    { method: "patch", path: `${BASE}/:connectionId`, tag: TAG, summary: "Update a Qovery connection (new credentials are checked with Qovery first)", params: connectionParams, body: updateBody },
    async (c, { params, body }) => {
      const db = createDb(c.env.DB);
      const current = await connections.getQoveryConnection(db, params.connectionId);
      requireConnectionAccess(c.get("auth"), "connections:write", current.projectId);
      const appConnection = await connections.updateQoveryConnection(serviceDeps(c), params.connectionId, {
        name: body.name,
        description: body.description,
        accessToken: body.credentials?.accessToken,
      });
      await recordAudit(c, {
        action: "app-connection.update",
        ...auditTarget(appConnection),
        metadata: { name: appConnection.name, previousName: current.name, credentialsChanged: body.credentials !== undefined },
      });
      return c.json({ appConnection });
    },
  );

  defineRoute(
    app,
    { method: "delete", path: `${BASE}/:connectionId`, tag: TAG, summary: "Delete a Qovery connection (refused while a secret sync uses it)", params: connectionParams },
    async (c, { params }) => {
      const db = createDb(c.env.DB);
      const current = await connections.getQoveryConnection(db, params.connectionId);
      requireConnectionAccess(c.get("auth"), "connections:write", current.projectId);
      const appConnection = await connections.deleteQoveryConnection(db, params.connectionId);
      await recordAudit(c, { action: "app-connection.delete", ...auditTarget(appConnection), metadata: { name: appConnection.name } });
      return c.json({ appConnection });
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:connectionId/organizations`, tag: TAG, summary: "List the Qovery organizations the connection's token reaches", params: connectionParams },
    async (c, { params }) => {
      await readableConnection(c, params.connectionId);
      return c.json(await connections.listConnectionOrganizations(serviceDeps(c), params.connectionId));
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: `${BASE}/:connectionId/organizations/:organizationId/projects`,
      tag: TAG,
      summary: "List the projects of a Qovery organization",
      params: connectionParams.extend({ organizationId: id("organizationId") }),
    },
    async (c, { params }) => {
      await readableConnection(c, params.connectionId);
      return c.json(await connections.listConnectionProjects(serviceDeps(c), params.connectionId, params.organizationId));
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: `${BASE}/:connectionId/projects/:projectId/environments`,
      tag: TAG,
      summary: "List the environments of a Qovery project",
      params: connectionParams.extend({ projectId: id("projectId") }),
    },
    async (c, { params }) => {
      await readableConnection(c, params.connectionId);
      return c.json(await connections.listConnectionEnvironments(serviceDeps(c), params.connectionId, params.projectId));
    },
  );
}
