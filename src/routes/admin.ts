import type { Hono } from "hono";
import { z } from "zod";
import { reencryptAs } from "../admin/reencrypt";
import { actingAs } from "../auth/context";
import { revokeAllSessions } from "../auth/sessions";
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
    async (c, { body }) => c.json(await reencryptAs(actingAs(c), await loadKeyRing(c.env.ENCRYPTION_KEY), body.limit)),
  );
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/admin/sessions/revoke-all",
      tag: "Administration",
      summary: "Sign out everywhere: end every console session at once (tokens keep working)",
    },
    async (c) => c.json({ revokedSessions: await revokeAllSessions(actingAs(c)) }),
  );
}
