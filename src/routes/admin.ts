import type { Hono } from "hono";
import { z } from "zod";
import { reencryptChunk } from "../admin/reencrypt";
import { requireAccess } from "../auth/context";
import { allSessionsRevokedAudit, revokeAllSessions } from "../auth/sessions";
import { recordAudit } from "../audit/audit-log";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { loadKeyRing } from "../lib/crypto";

const body = z.object({ limit: z.number({ error: "limit must be a number" }).int().min(1).max(500, "limit must be at most 500").default(200) });

export function registerAdminRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/admin/encryption/reencrypt",
      tag: "Administration",
      summary: "Re-encrypt up to `limit` values under the primary key; repeat until remaining is 0",
      body,
    },
    async (c, { body }) => {
      requireAccess(c.get("auth"), "admin");
      const report = await reencryptChunk(createDb(c.env.DB), await loadKeyRing(c.env.ENCRYPTION_KEY), body.limit);
      await recordAudit(c, { action: "encryption.reencrypt", projectId: null, targetType: "encryption", targetId: report.primaryKeyId, metadata: { reencrypted: report.reencrypted, remaining: report.remaining } });
      return c.json(report);
    },
  );
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/admin/sessions/revoke-all",
      tag: "Administration",
      summary: "Sign out everywhere: end every console session at once (tokens keep working)",
    },
    async (c) => {
      requireAccess(c.get("auth"), "admin");
      const revokedSessions = await revokeAllSessions(createDb(c.env.DB));
      await recordAudit(c, allSessionsRevokedAudit(revokedSessions));
      return c.json({ revokedSessions });
    },
  );
}
