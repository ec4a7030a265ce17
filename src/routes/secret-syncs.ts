import type { Context, Hono } from "hono";
import { z } from "zod";
import { requireAccess } from "../auth/context";
import { recordAudit } from "../audit/audit-log";
import { interactiveQoveryClients, listFromQovery } from "../connections/qovery-access";
import { qoveryAs } from "../connections/service";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { booleanString, id } from "../http/schemas";
import { loadKeyRing } from "../lib/crypto";
import { MAX_RUNS_PER_PAGE } from "../lib/limits";
import { badRequest, notFound } from "../lib/errors";
import type { JobQueue } from "../queue/messages";
import { prepareSyncPlan } from "../syncs/prepare";
import { driftReportOf } from "../syncs/public-sync";
import { describePlan, publicRun } from "../syncs/reports";
import { getRun, listRuns, listSyncRecords } from "../syncs/repository";
import { checkDestinationBody, createSyncBody, updateSyncBody } from "../syncs/schemas";
import * as service from "../syncs/service";

const BASE = "/api/v1/secret-syncs/qovery";
const syncParams = z.object({ syncId: id("syncId") });
const projectQuery = z.object({ projectId: z.string({ error: "Project ID required" }).trim().min(1, "Project ID required") });

const QOVERY_OPTION = { name: "Qovery", destination: "qovery", connection: "qovery", canImportSecrets: false, canRemoveSecretsOnDeletion: true };

function deps(c: Context<AppEnv>): service.SyncServiceDeps {
  return {
    db: createDb(c.env.DB),
    keyRing: () => loadKeyRing(c.env.ENCRYPTION_KEY),
    qovery: interactiveQoveryClients(c.env.QOVERY_API_URL),
    queue: c.env.SYNC_QUEUE as JobQueue,
  };
}

async function listProjectSyncs(c: Context<AppEnv>, projectId: string) {
  requireAccess(c.get("auth"), "syncs:read", projectId);
  const records = await listSyncRecords(createDb(c.env.DB), projectId);
  return c.json({ secretSyncs: records.map(service.publicSync) });
}

export function registerSecretSyncRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "get", path: "/api/v1/secret-syncs/options", tag: "Secret syncs", summary: "List the supported sync destinations" }, (c) =>
    c.json({ secretSyncOptions: [QOVERY_OPTION] }),
  );

  defineRoute(app, { method: "get", path: ["/api/v1/secret-syncs", BASE], tag: "Secret syncs", summary: "List a project's syncs", query: projectQuery }, (c, { query }) =>
    listProjectSyncs(c, query.projectId),
  );

  defineRoute(
    app,
    { method: "post", path: `${BASE}/check-destination`, tag: "Secret syncs", summary: "Is another sync of the project writing to this destination?", body: checkDestinationBody },
    async (c, { body }) => {
      requireAccess(c.get("auth"), "syncs:read", body.projectId);
      return c.json(await service.findDuplicateDestination(createDb(c.env.DB), body.projectId, body.destinationConfig, body.excludeSyncId));
    },
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
    async (c, { params, query }) => {
      requireAccess(c.get("auth"), "syncs:read", query.projectId);
      const record = await service.getSyncByName(createDb(c.env.DB), query.projectId, params.syncName);
      return c.json({ secretSync: service.publicSync(record) });
    },
  );

  defineRoute(app, { method: "get", path: `${BASE}/:syncId`, tag: "Secret syncs", summary: "Get a sync", params: syncParams }, async (c, { params }) => {
    const record = await service.syncFor(createDb(c.env.DB), c.get("auth"), params.syncId, "syncs:read");
    return c.json({ secretSync: service.publicSync(record) });
  });

  defineRoute(app, { method: "post", path: BASE, tag: "Secret syncs", summary: "Create a Qovery sync (queues a first run when auto-sync is on)", body: createSyncBody }, async (c, { body }) => {
    requireAccess(c.get("auth"), "syncs:write", body.projectId);
    const record = await service.createSync(deps(c), body);
    await recordAudit(c, service.syncCreationAudit(body, record.sync.id));
    return c.json({ secretSync: service.publicSync(record) });
  });

  defineRoute(app, { method: "patch", path: `${BASE}/:syncId`, tag: "Secret syncs", summary: "Update a sync", params: syncParams, body: updateSyncBody }, async (c, { params, body }) => {
    const d = deps(c);
    const current = await service.syncFor(d.db, c.get("auth"), params.syncId, "syncs:write");
    const record = await service.updateSync(d, current, body);
    await recordAudit(c, { action: "secret-sync.update", projectId: record.sync.projectId, targetType: "secret-sync", targetId: record.sync.id, metadata: { fields: Object.keys(body) } });
    return c.json({ secretSync: service.publicSync(record) });
  });

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
      const d = deps(c);
      const current = await service.syncFor(d.db, c.get("auth"), params.syncId, "syncs:write");
      const { record, removalQueued } = await service.deleteSync(d, current, query.removeSecrets);
      await recordAudit(c, {
        action: removalQueued ? "secret-sync.delete-after-remove" : "secret-sync.delete",
        projectId: record.sync.projectId,
        targetType: "secret-sync",
        targetId: record.sync.id,
        metadata: { name: record.sync.name, removeSecrets: query.removeSecrets },
      });
      return c.json({ secretSync: service.publicSync(record) });
    },
  );

  for (const [suffix, kind, scope] of [
    ["sync-secrets", "sync", "syncs:trigger"],
    ["remove-secrets", "remove", "syncs:write"],
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
        const d = deps(c);
        const current = await service.syncFor(d.db, c.get("auth"), params.syncId, scope);
        const { record, run, queued } = await service.triggerRun(d, current, kind, "manual");
        await recordAudit(c, { action: `secret-sync.${suffix}`, projectId: record.sync.projectId, targetType: "secret-sync", targetId: record.sync.id, metadata: { runId: run.id, queued } });
        return c.json({ secretSync: service.publicSync(record), runId: run.id });
      },
    );
  }

  defineRoute(
    app,
    { method: "post", path: `${BASE}/:syncId/import-secrets`, tag: "Secret syncs", summary: "Not supported: Qovery never returns secret values", params: syncParams },
    () => {
      throw badRequest("Qovery does not support importing secrets.");
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:syncId/plan`, tag: "Secret syncs", summary: "Dry run: what a run would create, update, leave, delete or hold back (keys only)", params: syncParams },
    async (c, { params }) => {
      const d = deps(c);
      const record = await service.syncFor(d.db, c.get("auth"), params.syncId, "syncs:read");
      const qovery = await qoveryAs(d, record.sync.connectionId);
      const prepared = await listFromQovery("Qovery destination", async () => prepareSyncPlan(d.db, await d.keyRing(), qovery, record, "sync"));
      return c.json({ plan: describePlan(prepared.plan) });
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:syncId/drift`, tag: "Secret syncs", summary: "The last drift check: keys Qovery changed behind the sync's back (no values)", params: syncParams },
    async (c, { params }) => {
      const record = await service.syncFor(createDb(c.env.DB), c.get("auth"), params.syncId, "syncs:read");
      return c.json({ drift: driftReportOf(record.sync) });
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: `${BASE}/:syncId/runs`,
      tag: "Secret syncs",
      summary: "Run history, newest first",
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
    async (c, { params, query }) => {
      const db = createDb(c.env.DB);
      await service.syncFor(db, c.get("auth"), params.syncId, "syncs:read");
      return c.json({ runs: (await listRuns(db, params.syncId, query.limit)).map((run) => publicRun(run, false)) });
    },
  );

  defineRoute(
    app,
    { method: "get", path: `${BASE}/:syncId/runs/:runId`, tag: "Secret syncs", summary: "One run with its per-key outcomes", params: syncParams.extend({ runId: id("runId") }) },
    async (c, { params }) => {
      const db = createDb(c.env.DB);
      await service.syncFor(db, c.get("auth"), params.syncId, "syncs:read");
      const run = await getRun(db, params.runId);
      if (!run || run.syncId !== params.syncId) throw notFound(`Could not find run with ID "${params.runId}" for this sync`);
      return c.json({ run: publicRun(run, true) });
    },
  );
}
