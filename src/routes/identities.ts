import type { Hono } from "hono";
import { z } from "zod";
import { actingAs } from "../auth/context";
import { GRANT_REQUIRED, grantFields, grantPatchFields, hasGrant } from "../auth/grants";
import {
  createClientSecret,
  createIdentity,
  DEFAULT_ACCESS_TOKEN_TTL,
  getIdentity,
  listClientSecrets,
  listIdentities,
  revokeClientSecret,
  revokeIdentity,
  updateIdentity,
} from "../auth/identities";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { displayName, id } from "../lib/schemas";
import { MAX_DESCRIPTION_LENGTH } from "../lib/limits";

const MAX_TTL = 315_360_000; // Infisical's cap: 10 years
const ttl = (field: string) => z.number({ error: `${field} must be a number of seconds` }).int().min(60, `${field} must be at least 60 seconds`).max(MAX_TTL, `${field} must be at most ${MAX_TTL} seconds`);

const createBody = z
  .object({
    name: displayName("name"),
    projectId: id("projectId").optional(),
    ...grantFields,
    accessTokenTTL: ttl("accessTokenTTL").default(DEFAULT_ACCESS_TOKEN_TTL),
    accessTokenMaxTTL: ttl("accessTokenMaxTTL").default(DEFAULT_ACCESS_TOKEN_TTL),
  })
  .refine((b) => b.accessTokenTTL <= b.accessTokenMaxTTL, { message: "accessTokenTTL cannot exceed accessTokenMaxTTL", path: ["accessTokenTTL"] })
  .refine(hasGrant, { message: GRANT_REQUIRED, path: ["scopes"] });

const updateBody = z.object({ name: displayName("name").optional(), ...grantPatchFields });

const identityParams = z.object({ identityId: id("identityId") });
const secretParams = identityParams.extend({ clientSecretId: id("clientSecretId") });

// Infisical keeps client secrets under /auth/universal-auth/identities/:identityId.
const SECRETS_PATHS = ["/api/v1/identities/:identityId/client-secrets", "/api/v1/auth/universal-auth/identities/:identityId/client-secrets"];

export function registerIdentityRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    { method: "post", path: "/api/v1/identities", tag: "Machine identities", summary: "Create a machine identity (universal auth) with scopes, a role and/or permission rules", body: createBody },
    async (c, { body }) => c.json({ identity: await createIdentity(actingAs(c), { ...body, projectId: body.projectId ?? null }) }),
  );

  defineRoute(
    app,
    { method: "get", path: "/api/v1/identities", tag: "Machine identities", summary: "List machine identities", query: z.object({ projectId: id("projectId").optional() }) },
    async (c, { query }) => c.json({ identities: await listIdentities(actingAs(c), query.projectId) }),
  );

  defineRoute(app, { method: "get", path: "/api/v1/identities/:identityId", tag: "Machine identities", summary: "Get a machine identity", params: identityParams }, async (c, { params }) =>
    c.json({ identity: await getIdentity(actingAs(c), params.identityId) }),
  );

  defineRoute(
    app,
    { method: "patch", path: "/api/v1/identities/:identityId", tag: "Machine identities", summary: "Rename an identity or change its scopes, role or permissions", params: identityParams, body: updateBody },
    async (c, { params, body }) => c.json({ identity: await updateIdentity(actingAs(c), params.identityId, body) }),
  );

  defineRoute(
    app,
    { method: "post", path: "/api/v1/identities/:identityId/revoke", tag: "Machine identities", summary: "Revoke an identity and end all its access tokens", params: identityParams },
    async (c, { params }) => c.json({ identity: await revokeIdentity(actingAs(c), params.identityId) }),
  );

  defineRoute(
    app,
    {
      method: "post",
      path: SECRETS_PATHS,
      tag: "Machine identities",
      summary: "Create a client secret (returned once)",
      params: identityParams,
      body: z.object({
        description: z
          .string()
          .trim()
          .max(MAX_DESCRIPTION_LENGTH, `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`)
          .default(""),
      }),
    },
    async (c, { params, body }) => c.json(await createClientSecret(actingAs(c), params.identityId, body.description)),
  );

  defineRoute(app, { method: "get", path: SECRETS_PATHS, tag: "Machine identities", summary: "List client secrets (never their values)", params: identityParams }, async (c, { params }) =>
    c.json({ clientSecretData: await listClientSecrets(actingAs(c), params.identityId) }),
  );

  defineRoute(
    app,
    {
      method: "post",
      path: SECRETS_PATHS.map((p) => `${p}/:clientSecretId/revoke`),
      tag: "Machine identities",
      summary: "Revoke a client secret and the access tokens it issued",
      params: secretParams,
    },
    async (c, { params }) => c.json({ clientSecretData: await revokeClientSecret(actingAs(c), params.identityId, params.clientSecretId) }),
  );
}
