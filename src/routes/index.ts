import type { Hono } from "hono";
import type { AppEnv } from "../env";
import { registerAdminRoutes } from "./admin";
import { registerApiTokenRoutes } from "./api-tokens";
import { registerAppConnectionRoutes } from "./app-connections";
import { registerAuditLogRoutes } from "./audit-logs";
import { registerAuthRoutes } from "./auth";
import { registerConsoleRoutes } from "./console";
import { registerDocsRoutes } from "./docs";
import { registerEnvironmentRoutes } from "./environments";
import { registerFolderRoutes } from "./folders";
import { registerIdentityRoutes } from "./identities";
import { registerMemberRoutes } from "./members";
import { registerPermissionRoutes } from "./permissions";
import { registerProjectRoutes } from "./projects";
import { registerRoleRoutes } from "./roles";
import { registerSecretImportRoutes } from "./secret-imports";
import { registerSecretRoutes } from "./secrets";
import { registerSecretSyncRoutes } from "./secret-syncs";
import { registerWebhookRoutes } from "./webhooks";

/** Every HTTP resource, one line each. */
export function registerRoutes(app: Hono<AppEnv>) {
  registerAuthRoutes(app);
  registerApiTokenRoutes(app);
  registerIdentityRoutes(app);
  // Before the project routes: `/projects/roles/:roleId` is not a project id.
  registerRoleRoutes(app);
  registerMemberRoutes(app);
  registerPermissionRoutes(app);
  registerProjectRoutes(app);
  registerEnvironmentRoutes(app);
  registerAppConnectionRoutes(app);
  registerFolderRoutes(app);
  registerSecretRoutes(app);
  registerSecretImportRoutes(app);
  registerSecretSyncRoutes(app);
  registerWebhookRoutes(app);
  registerAuditLogRoutes(app);
  registerAdminRoutes(app);
  registerDocsRoutes(app);
  registerConsoleRoutes(app);
}
