import type { Hono } from "hono";
import { z } from "zod";
import { listAuditLogs } from "../audit/audit-log";
import { actingAs } from "../auth/context";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { id, isoDateTime } from "../lib/schemas";
import { MAX_AUDIT_LOGS_PER_PAGE } from "../lib/limits";

const query = z.object({
  projectId: id("projectId").optional(),
  action: z.string().trim().min(1).optional(),
  before: isoDateTime("before").optional(),
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int()
    .min(1)
    .max(MAX_AUDIT_LOGS_PER_PAGE, `limit must be at most ${MAX_AUDIT_LOGS_PER_PAGE}`)
    .default(100),
});

export function registerAuditLogRoutes(app: Hono<AppEnv>) {
  defineRoute(app, { method: "get", path: "/api/v1/audit-logs", tag: "Audit logs", summary: "List audit log entries, newest first", query }, async (c, { query }) =>
    c.json({ auditLogs: await listAuditLogs(actingAs(c), query) }),
  );
}
