import type { Context, Hono } from "hono";
import { z } from "zod";
import { allowedDestinationsSchema } from "../connections/allowed-destinations";
import { interactiveQoveryClients } from "../connections/qovery-access";
import * as connections from "../connections/service";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { description, id } from "../lib/schemas";
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
  allowedDestinations: allowedDestinationsSchema.optional(),
  ...notSupported,
});

const updateBody = z.object({
  name: slugSchema("name", 1, MAX_NAME_LENGTH).optional(),
  description,
  method: z.literal(connections.ACCESS_TOKEN_METHOD, { error: `method must be "${connections.ACCESS_TOKEN_METHOD}"` }).optional(),
  credentials: credentials.optional(),
  allowedDestinations: allowedDestinationsSchema.optional(),
  ...notSupported,
});

const connectionParams = z.object({ connectionId: id("connectionId") });
const byNameParams = z.object({ connectionName: z.string().trim().min(1, "Connection name required") });
const projectFilter = z.object({ projectId: id("projectId").optional() });

/** The service's dependencies, acting as the request's caller. */
function serviceDeps(c: Context<AppEnv>): connections.ConnectionServiceDeps {
  return {
    db: createDb(c.env.DB),
    keyRing: () => loadKeyRing(c.env.ENCRYPTION_KEY),
    qovery: interactiveQoveryClients(c.env.QOVERY_API_URL),
    actor: c.get("actor"),
    requestId: c.get("reqId"),
  };
}

/** Infisical's shape for the connections a caller may use. */
const availableConnection = (connection: connections.PublicConnection) => ({
  app: connection.app,
  name: connection.name,
  id: connection.id,
  projectId: connection.projectId,
  orgId: connection.orgId,
});

export function registerAppConnectionRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    { method: "get", path: "/api/v1/app-connections/options", tag: TAG, summary: "List the apps connections can be made to" },
    (c) => c.json({ appConnectionOptions: connections.APP_CONNECTION_OPTIONS }),
  );

  defineRoute(
    app,
    {
      method: "get",
      path: BASE,
      tag: TAG,
      summary: "List Qovery connections (of a project, with the organization-wide ones) the caller may read",
      query: projectFilter,
    },
    async (c, { query }) => c.json({ appConnections: await connections.listQoveryConnections(serviceDeps(c), query.projectId) }),
  );

  // Before `:connectionId`, which would otherwise take "available" for an id.
  defineRoute(
    app,
    {
      method: "get",
      path: `${BASE}/available`,
      tag: TAG,
      summary: "List the Qovery connections the caller may use in a sync of the project",
      query: z.object({ projectId: id("projectId") }),
    },
    async (c, { query }) => {
      const available = await connections.listAvailableConnections(serviceDeps(c), query.projectId);
      return c.json({ appConnections: available.map(availableConnection) });
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/connection-name/:connectionName`, tag: TAG, summary: "Get a Qovery connection by name", params: byNameParams, query: projectFilter },
    async (c, { params, query }) =>
      c.json({ appConnection: await connections.findQoveryConnectionByName(serviceDeps(c), params.connectionName, query.projectId) }),
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:connectionId`, tag: TAG, summary: "Get a Qovery connection", params: connectionParams },
    async (c, { params }) => c.json({ appConnection: await connections.getQoveryConnection(serviceDeps(c), params.connectionId) }),
  );

  defineRoute(
    app,
    {
      method: "post",
      path: BASE,
      tag: TAG,
      summary: "Create a Qovery connection (the token is checked with Qovery first), optionally with allowed destinations",
      body: createBody,
    },
    async (c, { body }) => {
      const appConnection = await connections.createQoveryConnection(serviceDeps(c), {
        name: body.name,
        description: body.description ?? null,
        projectId: body.projectId ?? null,
        accessToken: body.credentials.accessToken,
        allowedDestinations: body.allowedDestinations ?? null,
      });
      return c.json({ appConnection });
    },
  );

  defineRoute(
    app,
    {
      method: "patch",
      path: `${BASE}/:connectionId`,
      tag: TAG,
      summary: "Update a Qovery connection (new credentials are checked with Qovery first; allowedDestinations: null lifts the restriction)",
      params: connectionParams,
      body: updateBody,
    },
    async (c, { params, body }) => {
      const appConnection = await connections.updateQoveryConnection(serviceDeps(c), params.connectionId, {
        name: body.name,
        description: body.description,
        accessToken: body.credentials?.accessToken,
        allowedDestinations: body.allowedDestinations,
      });
      return c.json({ appConnection });
    },
  );

  defineRoute(
    app,
    { method: "delete", path: `${BASE}/:connectionId`, tag: TAG, summary: "Delete a Qovery connection (refused while a secret sync uses it)", params: connectionParams },
    async (c, { params }) => c.json({ appConnection: await connections.deleteQoveryConnection(serviceDeps(c), params.connectionId) }),
  );

  defineRoute(
    app,
    {
      method: "get",
      path: `${BASE}/:connectionId/organizations`,
      tag: TAG,
      summary: "List the Qovery organizations the connection's token reaches",
      params: connectionParams,
    },
    async (c, { params }) => c.json(await connections.listConnectionOrganizations(serviceDeps(c), params.connectionId)),
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
    async (c, { params }) => c.json(await connections.listConnectionProjects(serviceDeps(c), params.connectionId, params.organizationId)),
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
    async (c, { params }) => c.json(await connections.listConnectionEnvironments(serviceDeps(c), params.connectionId, params.projectId)),
  );
}
