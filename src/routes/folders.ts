import type { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { description, id, isoDateTime, refuse } from "../lib/schemas";
import { lenientFlag, openStore, projectSelector, storeFor } from "../http/store-request";
import { environmentField, optionalPathField, pathField } from "../store/path-fields";
import { MAX_FOLDERS_PER_BATCH } from "../lib/limits";
import * as store from "../store/folders";
import { folderNameProblem, ROOT_PATH } from "../store/paths";

// `/api/v2/folders` names the project `projectId`; the deprecated v1 routes (Node SDK, CLI) use `workspaceId` and
// sometimes `directory` for the path. Both are served by the same handlers.
const V1 = "/api/v1/folders";
const V2 = "/api/v2/folders";
const TAG = "Folders";

const folderName = z.string({ error: "name is required" }).trim().min(1, "name is required").superRefine(refuse(folderNameProblem));

/** `directory` is v1's name for `path`; when both come, `path` wins. */
const location = { ...projectSelector, environment: environmentField, path: optionalPathField, directory: optionalPathField };
const pathOf = (input: { path?: string; directory?: string }) => input.path ?? input.directory ?? ROOT_PATH;

const listQuery = z.object({ ...location, recursive: lenientFlag, lastSecretModified: isoDateTime("lastSecretModified").optional() });
const createBody = z.object({ ...location, name: folderName, description });
const updateBody = z.object({ ...location, name: folderName, description });
const deleteBody = z.object({ ...location, forceDelete: z.boolean({ error: "forceDelete must be a boolean" }).default(false) });
const batchUpdateBody = z.object({
  ...projectSelector,
  folders: z
    .array(z.object({ id: id("id"), environment: environmentField, name: folderName, path: pathField, description }))
    .min(1, "folders must contain at least one folder")
    .max(MAX_FOLDERS_PER_BATCH, `folders can hold at most ${MAX_FOLDERS_PER_BATCH} folders per request`),
});

const folderParams = z.object({ folderId: id("folderId") });

export function registerFolderRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "post", path: [V1, V2], tag: TAG, summary: "Create a folder (missing parents are created too)", body: createBody }, async (c, { body }) => {
    const { ctx, projectId } = await openStore(c, body);
    const folder = await store.createFolder(ctx, projectId, { environment: body.environment, path: pathOf(body), name: body.name, description: body.description });
    return c.json({ folder });
  });

  defineRoute(app, { method: "get", path: [V1, V2], tag: TAG, summary: "List the folders under a path (direct children, or all with recursive)", query: listQuery }, async (c, { query }) => {
    const { ctx, projectId } = await openStore(c, query);
    const folders = await store.listReadableFolders(ctx, projectId, {
      environment: query.environment,
      path: pathOf(query),
      recursive: query.recursive,
      lastSecretModified: query.lastSecretModified,
    });
    return c.json({ folders });
  });

  // Before `/:folderId`, which would otherwise take "batch" for an id.
  defineRoute(app, { method: "patch", path: `${V2}/batch`, tag: TAG, summary: "Rename or re-describe several folders atomically", body: batchUpdateBody }, async (c, { body }) => {
    const { ctx, projectId } = await openStore(c, body);
    const folders = await store.updateFolders(
      ctx,
      projectId,
      body.folders.map((f) => ({ idOrName: f.id, environment: f.environment, path: f.path, name: f.name, description: f.description })),
    );
    return c.json({ folders });
  });

  defineRoute(app, { method: "get", path: [`${V1}/:folderId`, `${V2}/:folderId`], tag: TAG, summary: "Get a folder by id", params: folderParams }, async (c, { params }) =>
    c.json({ folder: await store.getFolderById(storeFor(c), params.folderId) }),
  );

  defineRoute(
    app,
    { method: "patch", path: [`${V1}/:folderId`, `${V2}/:folderId`], tag: TAG, summary: "Rename a folder (by id, or by name under path); its subtree moves with it", params: folderParams, body: updateBody },
    async (c, { params, body }) => {
      const { ctx, projectId } = await openStore(c, body);
      const folder = await store.updateFolder(ctx, projectId, {
        idOrName: params.folderId,
        environment: body.environment,
        path: pathOf(body),
        name: body.name,
        description: body.description,
      });
      return c.json({ folder });
    },
  );

  defineRoute(
    app,
    {
      method: "delete",
      path: [`${V1}/:folderId`, `${V2}/:folderId`],
      tag: TAG,
      summary: "Delete a folder (by id, or by name under path); v2 needs forceDelete when it is not empty",
      params: folderParams,
      body: deleteBody,
    },
    async (c, { params, body }) => {
      const { ctx, projectId } = await openStore(c, body);
      const folder = await store.deleteFolder(ctx, projectId, {
        idOrName: params.folderId,
        environment: body.environment,
        path: pathOf(body),
        // The deprecated v1 route always deleted recursively.
        force: body.forceDelete || c.req.routePath.startsWith(V1),
      });
      return c.json({ folder });
    },
  );
}
