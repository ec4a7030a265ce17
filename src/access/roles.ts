/**
 * Built-in project roles, mirroring Infisical's `admin`, `member`, `viewer` and `no-access` for our subjects, and the
 * organization-wide rules of an administrator.
 *
 * One deliberate difference: Infisical's `member` may also create, edit and delete machine identities and service
 * tokens and add members, because Infisical checks that nobody grants more than they hold. Until we enforce that
 * boundary too, our `member` only reads those subjects, so a member cannot mint a credential stronger than itself.
 */
import { ORGANIZATION_PERMISSIONS, PROJECT_PERMISSIONS, type PermissionRule } from "./rules";

export const BUILT_IN_ROLES = ["admin", "member", "viewer", "no-access"] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

/** Every action on every subject of a catalogue, one unconditional rule per subject. */
function everything(catalogue: Record<string, { actions: readonly string[] }>): PermissionRule[] {
  return Object.entries(catalogue).map(([subject, { actions }]) => ({ subject, action: [...actions] }));
}

const member: PermissionRule[] = [
  { subject: "secrets", action: ["describeSecret", "readValue", "create", "edit", "delete"] },
  { subject: "secret-folders", action: ["read", "create", "edit", "delete"] },
  { subject: "secret-imports", action: ["read", "create", "edit", "delete"] },
  { subject: "secret-syncs", action: ["read", "create", "edit", "delete", "sync-secrets", "import-secrets", "remove-secrets"] },
  { subject: "app-connections", action: ["connect-app-connections"] },
  { subject: "environments", action: ["read", "create", "edit", "delete"] },
  { subject: "webhooks", action: ["read", "create", "edit", "delete"] },
  { subject: "audit-logs", action: ["read"] },
  { subject: "identity", action: ["read"] },
  { subject: "service-tokens", action: ["read"] },
  { subject: "member", action: ["read"] },
  { subject: "role", action: ["read"] },
];

const viewer: PermissionRule[] = [
  { subject: "secrets", action: ["describeSecret", "readValue"] },
  { subject: "secret-folders", action: ["read"] },
  { subject: "secret-imports", action: ["read"] },
  { subject: "secret-syncs", action: ["read"] },
  { subject: "environments", action: ["read"] },
  { subject: "webhooks", action: ["read"] },
  { subject: "audit-logs", action: ["read"] },
  { subject: "identity", action: ["read"] },
  { subject: "service-tokens", action: ["read"] },
  { subject: "member", action: ["read"] },
  { subject: "role", action: ["read"] },
];

export const BUILT_IN_ROLE_RULES: Readonly<Record<BuiltInRole, readonly PermissionRule[]>> = {
  admin: everything(PROJECT_PERMISSIONS),
  member,
  viewer,
  "no-access": [],
};

/** What an organization administrator (the admin token, an `ADMIN_EMAILS` person) may do outside any project. */
export const ORGANIZATION_ADMIN_RULES: readonly PermissionRule[] = everything(ORGANIZATION_PERMISSIONS);
