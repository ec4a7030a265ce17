import type { Hono } from "hono";
import { z } from "zod";
import { requireAccess } from "../auth/context";
import {
  createClientSecret,
  createIdentity,
  DEFAULT_ACCESS_TOKEN_TTL,
  getIdentityRow,
  listClientSecrets,
  listIdentities,
  publicIdentity,
  revokeClientSecret,
  revokeIdentity,
} from "../auth/identities";
import { scopesSchema } from "../auth/scopes";
import { recordAudit } from "../audit/audit-log";
import { createDb, type Db } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { displayName, id } from "../http/schemas";
import { MAX_DESCRIPTION_LENGTH } from "../lib/limits";
import type { AuthContext } from "../auth/context";
import { getProjectRow } from "../store/projects";

const MAX_TTL = 315_360_000; // Infisical's cap: 10 years
const ttl = (field: string) => z.number({ error: `${field} must be a number of seconds` }).int().min(60, `${field} must be at least 60 seconds`).max(MAX_TTL, `${field} must be at most ${MAX_TTL} seconds`);

const createBody = z
  .object({
    name: displayName("name"),
    projectId: id("projectId").optional(),
    scopes: scopesSchema,
    accessTokenTTL: ttl("accessTokenTTL").default(DEFAULT_ACCESS_TOKEN_TTL),
    accessTokenMaxTTL: ttl("accessTokenMaxTTL").default(DEFAULT_ACCESS_TOKEN_TTL),
  })
  .refine((b) => b.accessTokenTTL <= b.accessTokenMaxTTL, { message: "accessTokenTTL cannot exceed accessTokenMaxTTL", path: ["accessTokenTTL"] });

const identityParams = z.object({ identityId: id("identityId") });
const secretParams = identityParams.extend({ clientSecretId: id("clientSecretId") });

// Infisical keeps client secrets under /auth/universal-auth/identities/:identityId.
const SECRETS_PATHS = ["/api/v1/identities/:identityId/client-secrets", "/api/v1/auth/universal-auth/identities/:identityId/client-secrets"];

async function loadIdentityFor(db: Db, auth: AuthContext, identityId: string) {
  const row = await getIdentityRow(db, identityId);
  requireAccess(auth, "admin", row.projectId ?? undefined);
  return row;
}

export function registerIdentityRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "post", path: "/api/v1/identities", tag: "Machine identities", summary: "Create a machine identity (universal auth)", body: createBody }, async (c, { body }) => {
    requireAccess(c.get("auth"), "admin", body.projectId);
    const db = createDb(c.env.DB);
    if (body.projectId) await getProjectRow(db, body.projectId);
    const identity = await createIdentity(db, { ...body, projectId: body.projectId ?? null });
    await recordAudit(c, { action: "identity.create", projectId: identity.projectId, targetType: "identity", targetId: identity.id, metadata: { name: identity.name, scopes: identity.scopes } });
    return c.json({ identity });
  });

  defineRoute(
    app,
    { method: "get", path: "/api/v1/identities", tag: "Machine identities", summary: "List machine identities", query: z.object({ projectId: id("projectId").optional() }) },
    async (c, { query }) => {
      const auth = c.get("auth");
      const projectId = query.projectId ?? auth.projectId ?? undefined;
      requireAccess(auth, "admin", projectId);
      return c.json({ identities: await listIdentities(createDb(c.env.DB), projectId) });
    },
  );

  defineRoute(app, { method: "get", path: "/api/v1/identities/:identityId", tag: "Machine identities", summary: "Get a machine identity", params: identityParams }, async (c, { params }) => {
    const row = await loadIdentityFor(createDb(c.env.DB), c.get("auth"), params.identityId);
    return c.json({ identity: publicIdentity(row) });
  });

  defineRoute(
    app,
    { method: "post", path: "/api/v1/identities/:identityId/revoke", tag: "Machine identities", summary: "Revoke an identity and end all its access tokens", params: identityParams },
    async (c, { params }) => {
      const db = createDb(c.env.DB);
      const row = await loadIdentityFor(db, c.get("auth"), params.identityId);
      const identity = await revokeIdentity(db, row.id);
      await recordAudit(c, { action: "identity.revoke", projectId: row.projectId, targetType: "identity", targetId: row.id, metadata: { name: row.name } });
      return c.json({ identity });
    },
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
    async (c, { params, body }) => {
      const db = createDb(c.env.DB);
      const row = await loadIdentityFor(db, c.get("auth"), params.identityId);
      const created = await createClientSecret(db, row.id, body.description);
      await recordAudit(c, { action: "identity.client-secret.create", projectId: row.projectId, targetType: "identity", targetId: row.id, metadata: { clientSecretId: created.clientSecretData.id } });
      return c.json(created);
    },
  );

  defineRoute(app, { method: "get", path: SECRETS_PATHS, tag: "Machine identities", summary: "List client secrets (never their values)", params: identityParams }, async (c, { params }) => {
    const db = createDb(c.env.DB);
    const row = await loadIdentityFor(db, c.get("auth"), params.identityId);
    return c.json({ clientSecretData: await listClientSecrets(db, row.id) });
  });

  defineRoute(
    app,
    {
      method: "post",
      path: SECRETS_PATHS.map((p) => `${p}/:clientSecretId/revoke`),
      tag: "Machine identities",
      summary: "Revoke a client secret and the access tokens it issued",
      params: secretParams,
    },
    async (c, { params }) => {
      const db = createDb(c.env.DB);
      const row = await loadIdentityFor(db, c.get("auth"), params.identityId);
      const clientSecretData = await revokeClientSecret(db, row.id, params.clientSecretId);
      await recordAudit(c, { action: "identity.client-secret.revoke", projectId: row.projectId, targetType: "identity", targetId: row.id, metadata: { clientSecretId: params.clientSecretId } });
      return c.json({ clientSecretData });
    },
  );
}
