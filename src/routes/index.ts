import type { Hono } from "hono";
import type { AppEnv } from "../env";
import { registerAdminRoutes } from "./admin";
import { registerApiTokenRoutes } from "./api-tokens";
import { registerAuditLogRoutes } from "./audit-logs";
import { registerAuthRoutes } from "./auth";
import { registerDocsRoutes } from "./docs";
import { registerEnvironmentRoutes } from "./environments";
import { registerIdentityRoutes } from "./identities";
import { registerProjectRoutes } from "./projects";

/** Every HTTP resource, one line each. */
export function registerRoutes(app: Hono<AppEnv>) {
  registerAuthRoutes(app);
  registerApiTokenRoutes(app);
  registerIdentityRoutes(app);
  registerProjectRoutes(app);
  registerEnvironmentRoutes(app);
  registerAuditLogRoutes(app);
  registerAdminRoutes(app);
  registerDocsRoutes(app);
}
