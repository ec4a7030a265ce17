/**
 * The legacy scopes as rules, so a token or identity created with `scopes` keeps exactly the rights it had.
 *
 * Each scope lists only what it grants by itself; implications (write implies read, `admin` implies everything,
 * every credential reads project metadata) stay with the scope list's own expansion, whose result is what
 * `rulesForScopes` takes. Project rules apply in the credential's project (or in every project for a credential
 * bound to none); organization rules only ever reach credentials bound to no project.
 *
 * Two rights are narrower than the bare scopes were, on purpose: using an organization-wide connection from a
 * project-bound credential now needs an explicit `connect-app-connections` grant naming that connection, and creating
 * or re-pointing a sync needs `readValue` on what it reads (`secrets:read`), so a sync can no longer carry values out
 * of folders the credential cannot read.
 */
import type { PermissionRule } from "./rules";

const CRUD = ["read", "create", "edit", "delete"];

interface ScopeGrant {
  project: readonly PermissionRule[];
  organization: readonly PermissionRule[];
}

export const SCOPE_GRANTS = {
  "projects:read": {
    project: [{ subject: "environments", action: ["read"] }],
    organization: [],
  },
  "projects:write": {
    project: [
      { subject: "workspace", action: ["edit", "delete"] },
      { subject: "environments", action: ["create", "edit", "delete"] },
    ],
    organization: [{ subject: "workspace", action: ["create"] }],
  },
  "secrets:read": {
    project: [
      { subject: "secrets", action: ["describeSecret", "readValue"] },
      { subject: "secret-folders", action: ["read"] },
      { subject: "secret-imports", action: ["read"] },
    ],
    organization: [],
  },
  "secrets:write": {
    project: [
      { subject: "secrets", action: ["create", "edit", "delete"] },
      { subject: "secret-folders", action: ["create", "edit", "delete"] },
      { subject: "secret-imports", action: ["create", "edit", "delete"] },
    ],
    organization: [],
  },
  "connections:read": {
    project: [{ subject: "app-connections", action: ["read-app-connections"] }],
    organization: [{ subject: "app-connections", action: ["read"] }],
  },
  "connections:write": {
    project: [{ subject: "app-connections", action: ["create-app-connections", "edit-app-connections", "delete-app-connections"] }],
    organization: [{ subject: "app-connections", action: ["create", "edit", "delete"] }],
  },
  "syncs:read": {
    project: [{ subject: "secret-syncs", action: ["read"] }],
    organization: [],
  },
  "syncs:write": {
    project: [
      { subject: "secret-syncs", action: ["create", "edit", "delete", "import-secrets", "remove-secrets"] },
      { subject: "app-connections", action: ["connect-app-connections"] },
    ],
    organization: [{ subject: "app-connections", action: ["connect"] }],
  },
  "syncs:trigger": {
    project: [{ subject: "secret-syncs", action: ["sync-secrets"] }],
    organization: [],
  },
  "audit:read": {
    project: [{ subject: "audit-logs", action: ["read"] }],
    organization: [{ subject: "audit-logs", action: ["read"] }],
  },
  "webhooks:read": {
    project: [{ subject: "webhooks", action: ["read"] }],
    organization: [],
  },
  "webhooks:write": {
    project: [{ subject: "webhooks", action: ["create", "edit", "delete"] }],
    organization: [],
  },
  admin: {
    project: ["service-tokens", "identity", "member", "role"].map((subject) => ({ subject, action: CRUD })),
    organization: ["service-tokens", "identity", "member", "role", "kms"].map((subject) => ({ subject, action: CRUD })),
  },
} as const satisfies Record<string, ScopeGrant>;

export type GrantingScope = keyof typeof SCOPE_GRANTS;

/** The rules of an already expanded scope set (every implied scope included). */
export function rulesForScopes(expanded: Iterable<GrantingScope>): { project: PermissionRule[]; organization: PermissionRule[] } {
  const project: PermissionRule[] = [];
  const organization: PermissionRule[] = [];
  for (const scope of expanded) {
    project.push(...SCOPE_GRANTS[scope].project);
    organization.push(...SCOPE_GRANTS[scope].organization);
  }
  return { project, organization };
}
