import type { Context, Hono } from "hono";
import { z } from "zod";
import { interactiveQoveryClients } from "../connections/qovery-access";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { booleanString, id } from "../lib/schemas";
import { loadKeyRing } from "../lib/crypto";
import { MAX_RUNS_PER_PAGE } from "../lib/limits";
import type { JobQueue } from "../queue/messages";
import { checkDestinationBody, createSyncBody, updateSyncBody } from "../syncs/schemas";
import * as service from "../syncs/service";

const BASE = "/api/v1/secret-syncs/qovery";
const syncParams = z.object({ syncId: id("syncId") });
const projectQuery = z.object({ projectId: z.string({ error: "Project ID required" }).trim().min(1, "Project ID required") });

const QOVERY_OPTION = { name: "Qovery", destination: "qovery", connection: "qovery", canImportSecrets: false, canRemoveSecretsOnDeletion: true };

/** The service's dependencies, acting as the request's caller. */
function syncServiceDeps(c: Context<AppEnv>): service.SyncServiceDeps {
  return {
    db: createDb(c.env.DB),
    keyRing: () => loadKeyRing(c.env.ENCRYPTION_KEY),
    qovery: interactiveQoveryClients(c.env.QOVERY_API_URL),
    queue: c.env.SYNC_QUEUE as JobQueue,
    actor: c.get("actor"),
    requestId: c.get("reqId"),
  };
}

const syncResponse = (record: Parameters<typeof service.publicSync>[0]) => ({ secretSync: service.publicSync(record) });

export function registerSecretSyncRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "get", path: "/api/v1/secret-syncs/options", tag: "Secret syncs", summary: "List the supported sync destinations" }, (c) =>
    c.json({ secretSyncOptions: [QOVERY_OPTION] }),
  );

  defineRoute(
    app,
    {
      method: "get",
      path: ["/api/v1/secret-syncs", BASE],
      tag: "Secret syncs",
      summary: "List a project's syncs (those the caller may read)",
      query: projectQuery,
    },
    async (c, { query }) => c.json({ secretSyncs: (await service.listSyncs(syncServiceDeps(c), query.projectId)).map(service.publicSync) }),
  );

  defineRoute(
    app,
    { method: "post", path: `${BASE}/check-destination`, tag: "Secret syncs", summary: "Is another sync of the project writing to this destination?", body: checkDestinationBody },
    async (c, { body }) =>
      c.json(await service.findDuplicateDestination(syncServiceDeps(c), body.projectId, body.destinationConfig, body.excludeSyncId)),
  );

  defineRoute(
    app,
    {
      method: "get",
      path: `${BASE}/sync-name/:syncName`,
      tag: "Secret syncs",
      summary: "Get a sync by name",
      params: z.object({ syncName: z.string().trim().min(1, "Sync name required") }),
      query: projectQuery,
    },
    async (c, { params, query }) => c.json(syncResponse(await service.getSyncByName(syncServiceDeps(c), query.projectId, params.syncName))),
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:syncId`, tag: "Secret syncs", summary: "Get a sync", params: syncParams },
    async (c, { params }) => c.json(syncResponse(await service.loadSync(syncServiceDeps(c), params.syncId, "read"))),
  );

  defineRoute(
    app,
    {
      method: "post",
      path: BASE,
      tag: "Secret syncs",
      summary: "Create a Qovery sync (needs secrets:readValue on everything it reads; queues a first run when auto-sync is on)",
      body: createSyncBody,
    },
    async (c, { body }) => c.json(syncResponse(await service.createSync(syncServiceDeps(c), body))),
  );

  defineRoute(
    app,
    { method: "patch", path: `${BASE}/:syncId`, tag: "Secret syncs", summary: "Update a sync", params: syncParams, body: updateSyncBody },
    async (c, { params, body }) => c.json(syncResponse(await service.updateSync(syncServiceDeps(c), params.syncId, body))),
  );

  defineRoute(
    app,
    {
      method: "delete",
      path: `${BASE}/:syncId`,
      tag: "Secret syncs",
      summary: "Delete a sync; with removeSecrets=true its keys are removed from Qovery first",
      params: syncParams,
      query: z.object({ removeSecrets: booleanString("removeSecrets").default(false) }),
    },
    async (c, { params, query }) => {
      const { record } = await service.deleteSync(syncServiceDeps(c), params.syncId, query.removeSecrets);
      return c.json(syncResponse(record));
    },
  );

  for (const [suffix, kind] of [
    ["sync-secrets", "sync"],
    ["remove-secrets", "remove"],
  ] as const) {
    defineRoute(
      app,
      {
        method: "post",
        path: `${BASE}/:syncId/${suffix}`,
        tag: "Secret syncs",
        summary: kind === "sync" ? "Queue a run now (joins a run that is already waiting)" : "Remove the keys this sync wrote from Qovery",
        params: syncParams,
      },
      async (c, { params }) => {
        const { record, run } = await service.triggerSync(syncServiceDeps(c), params.syncId, kind);
        return c.json({ ...syncResponse(record), runId: run.id });
      },
    );
  }

  defineRoute(
    app,
    { method: "post", path: `${BASE}/:syncId/import-secrets`, tag: "Secret syncs", summary: "Not supported: Qovery never returns secret values", params: syncParams },
    (c, { params }) => service.importSecrets(syncServiceDeps(c), params.syncId),
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:syncId/plan`, tag: "Secret syncs", summary: "Dry run: what a run would create, update, leave, delete or hold back (keys only)", params: syncParams },
    async (c, { params }) => c.json({ plan: await service.planSync(syncServiceDeps(c), params.syncId) }),
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:syncId/drift`, tag: "Secret syncs", summary: "The last drift check: keys Qovery changed behind the sync's back (no values)", params: syncParams },
    async (c, { params }) => c.json({ drift: await service.getSyncDrift(syncServiceDeps(c), params.syncId) }),
  );

  defineRoute(
    app,
    {
      method: "get",
      path: `${BASE}/:syncId/runs`,
      tag: "Secret syncs",
      summary: "Run history, newest first, with who requested each run",
      params: syncParams,
      query: z.object({
        limit: z.coerce
          .number({ error: "limit must be a number" })
          .int()
          .min(1)
          .max(MAX_RUNS_PER_PAGE, `limit must be at most ${MAX_RUNS_PER_PAGE}`)
          .default(20),
      }),
    },
    async (c, { params, query }) => c.json({ runs: await service.listSyncRuns(syncServiceDeps(c), params.syncId, query.limit) }),
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:syncId/runs/:runId`, tag: "Secret syncs", summary: "One run with its per-key outcomes", params: syncParams.extend({ runId: id("runId") }) },
    async (c, { params }) => c.json({ run: await service.getSyncRun(syncServiceDeps(c), params.syncId, params.runId) }),
  );
}
