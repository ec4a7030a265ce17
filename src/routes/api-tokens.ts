import type { Hono } from "hono";
import { z } from "zod";
import { createApiToken, getApiToken, listApiTokens, revokeApiToken, updateApiToken } from "../auth/api-tokens";
import { actingAs } from "../auth/context";
import { GRANT_REQUIRED, grantFields, grantPatchFields, hasGrant } from "../auth/grants";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { displayName, id, isoDateTime } from "../lib/schemas";

const createBody = z
  .object({
    name: displayName("name"),
    projectId: id("projectId").optional(),
    ...grantFields,
    expiresAt: isoDateTime("expiresAt").optional(),
  })
  .refine(hasGrant, { message: GRANT_REQUIRED, path: ["scopes"] });

const updateBody = z.object({ name: displayName("name").optional(), ...grantPatchFields });

const tokenParams = z.object({ tokenId: id("tokenId") });

export function registerApiTokenRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/api-tokens",
      tag: "API tokens",
      summary: "Create an API token with scopes, a role and/or permission rules (the token is returned once)",
      body: createBody,
    },
    async (c, { body }) => c.json(await createApiToken(actingAs(c), { ...body, projectId: body.projectId ?? null, expiresAt: body.expiresAt ?? null })),
  );

  defineRoute(
    app,
    { method: "get", path: "/api/v1/api-tokens", tag: "API tokens", summary: "List API tokens (never their values)", query: z.object({ projectId: id("projectId").optional() }) },
    async (c, { query }) => c.json({ apiTokens: await listApiTokens(actingAs(c), query.projectId) }),
  );

  defineRoute(app, { method: "get", path: "/api/v1/api-tokens/:tokenId", tag: "API tokens", summary: "Get an API token (never its value)", params: tokenParams }, async (c, { params }) =>
    c.json({ apiToken: await getApiToken(actingAs(c), params.tokenId) }),
  );

  defineRoute(
    app,
    { method: "patch", path: "/api/v1/api-tokens/:tokenId", tag: "API tokens", summary: "Rename an API token or change its scopes, role or permissions", params: tokenParams, body: updateBody },
    async (c, { params, body }) => c.json({ apiToken: await updateApiToken(actingAs(c), params.tokenId, body) }),
  );

  defineRoute(
    app,
    { method: "post", path: "/api/v1/api-tokens/:tokenId/revoke", tag: "API tokens", summary: "Revoke an API token", params: tokenParams },
    async (c, { params }) => c.json({ apiToken: await revokeApiToken(actingAs(c), params.tokenId) }),
  );
}
