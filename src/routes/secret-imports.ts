import type { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { id } from "../lib/schemas";
import { openStore, projectSelector, storeFor } from "../http/store-request";
import { environmentField, optionalPathField, pathField } from "../store/path-fields";
import { badRequest } from "../lib/errors";
import * as store from "../store/secret-imports";
import { importedSecretsView } from "../store/secret-reader";

// `/api/v2/secret-imports` names the project `projectId`, the deprecated v1 routes `workspaceId`; same handlers.
const V1 = "/api/v1/secret-imports";
const V2 = "/api/v2/secret-imports";
const TAG = "Secret imports";

const location = { ...projectSelector, environment: environmentField, path: pathField };

const createBody = z.object({
  ...location,
  import: z.object({ environment: environmentField, path: pathField }, { error: "import is required" }),
  isReplication: z.boolean().default(false),
});
const updateBody = z.object({
  ...location,
  import: z.object({
    environment: environmentField.optional(),
    path: optionalPathField,
    position: z.number({ error: "position must be a number" }).int().min(1, "position must be at least 1").optional(),
  }),
});
const importParams = z.object({ secretImportId: id("secretImportId") });

export function registerSecretImportRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "post", path: [V1, V2], tag: TAG, summary: "Import another folder's secrets into a folder (cycles are refused)", body: createBody }, async (c, { body }) => {
    const { ctx, projectId } = await openStore(c, body);
    // Replication copies secrets into reserved folders: an Infisical paid feature we do not offer.
    if (body.isReplication) throw badRequest("Secret replication is not supported by this server; omit isReplication");
    const secretImport = await store.createSecretImport(ctx, projectId, { environment: body.environment, path: body.path, source: body.import });
    return c.json({ message: "Successfully created secret import", secretImport });
  });

  defineRoute(app, { method: "get", path: [V1, V2], tag: TAG, summary: "List a folder's imports in position order", query: z.object(location) }, async (c, { query }) => {
    const { ctx, projectId } = await openStore(c, query);
    const secretImports = await store.listSecretImports(ctx, projectId, { environment: query.environment, path: query.path });
    return c.json({ message: "Successfully fetched secret imports", secretImports });
  });

  // Before `/:secretImportId`, which would otherwise take "secrets" for an id.
  defineRoute(
    app,
    { method: "get", path: [`${V2}/secrets`, `${V1}/secrets/raw`], tag: TAG, summary: "The secrets each import of a folder brings (references expanded)", query: z.object(location) },
    async (c, { query }) => {
      const { ctx, projectId } = await openStore(c, query);
      const secrets = await importedSecretsView(ctx, { projectId, environmentSlug: query.environment, path: query.path });
      return c.json({ secrets });
    },
  );

  defineRoute(app, { method: "get", path: [`${V1}/:secretImportId`, `${V2}/:secretImportId`], tag: TAG, summary: "Get a secret import", params: importParams }, async (c, { params }) =>
    c.json({ secretImport: await store.getSecretImport(storeFor(c), params.secretImportId) }),
  );

  defineRoute(
    app,
    { method: "patch", path: [`${V1}/:secretImportId`, `${V2}/:secretImportId`], tag: TAG, summary: "Re-point or move a secret import", params: importParams, body: updateBody },
    async (c, { params, body }) => {
      const { ctx, projectId } = await openStore(c, body);
      const secretImport = await store.updateSecretImport(ctx, projectId, params.secretImportId, { environment: body.environment, path: body.path, source: body.import });
      return c.json({ message: "Successfully updated secret import", secretImport });
    },
  );

  defineRoute(
    app,
    { method: "delete", path: [`${V1}/:secretImportId`, `${V2}/:secretImportId`], tag: TAG, summary: "Delete a secret import", params: importParams, body: z.object(location) },
    async (c, { params, body }) => {
      const { ctx, projectId } = await openStore(c, body);
      const secretImport = await store.deleteSecretImport(ctx, projectId, params.secretImportId, { environment: body.environment, path: body.path });
      return c.json({ message: "Successfully deleted secret import", secretImport });
    },
  );
}
