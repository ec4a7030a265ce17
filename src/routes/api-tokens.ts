import type { Hono } from "hono";
import { z } from "zod";
import { createApiToken, getApiToken, listApiTokens, revokeApiToken } from "../auth/api-tokens";
import { requireAccess } from "../auth/context";
import { scopesSchema } from "../auth/scopes";
import { recordAudit } from "../audit/audit-log";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { displayName, id, isoDateTime } from "../http/schemas";
import { badRequest } from "../lib/errors";
import { getProjectRow } from "../store/projects";

const createBody = z.object({
  name: displayName("name"),
  projectId: id("projectId").optional(),
  scopes: scopesSchema,
  expiresAt: isoDateTime("expiresAt").optional(),
});

const tokenParams = z.object({ tokenId: id("tokenId") });

export function registerApiTokenRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "post", path: "/api/v1/api-tokens", tag: "API tokens", summary: "Create an API token (the token is returned once)", body: createBody }, async (c, { body }) => {
    requireAccess(c.get("auth"), "admin", body.projectId);
    const db = createDb(c.env.DB);
    if (body.projectId) await getProjectRow(db, body.projectId);
    if (body.expiresAt && Date.parse(body.expiresAt) <= Date.now()) throw badRequest("expiresAt must be in the future");
    const expiresAt = body.expiresAt ? new Date(body.expiresAt).toISOString() : null;
    const created = await createApiToken(db, { name: body.name, projectId: body.projectId ?? null, scopes: body.scopes, expiresAt });
    await recordAudit(c, {
      action: "api-token.create",
      projectId: body.projectId ?? null,
      targetType: "api-token",
      targetId: created.apiToken.id,
      metadata: { name: body.name, scopes: body.scopes },
    });
    return c.json(created);
  });

  defineRoute(
    app,
    { method: "get", path: "/api/v1/api-tokens", tag: "API tokens", summary: "List API tokens (never their values)", query: z.object({ projectId: id("projectId").optional() }) },
    async (c, { query }) => {
      const auth = c.get("auth");
      const projectId = query.projectId ?? auth.projectId ?? undefined;
      requireAccess(auth, "admin", projectId);
      return c.json({ apiTokens: await listApiTokens(createDb(c.env.DB), projectId) });
    },
  );

  defineRoute(
    app,
    { method: "post", path: "/api/v1/api-tokens/:tokenId/revoke", tag: "API tokens", summary: "Revoke an API token", params: tokenParams },
    async (c, { params }) => {
      const db = createDb(c.env.DB);
      const row = await getApiToken(db, params.tokenId);
      requireAccess(c.get("auth"), "admin", row.projectId ?? undefined);
      const apiToken = await revokeApiToken(db, params.tokenId);
      await recordAudit(c, { action: "api-token.revoke", projectId: row.projectId, targetType: "api-token", targetId: row.id, metadata: { name: row.name } });
      return c.json({ apiToken });
    },
  );
}
