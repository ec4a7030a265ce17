/**
 * Scopes as rules: for every scope, bound or not, on its own project and another, each check that replaced a
 * `requireAccess` call allows exactly what `requireAccess` allowed. The table below maps those former call sites (API
 * routes and console pages) to the checks the services make; `requireAccess` itself is kept here as the frozen
 * reference of what scopes used to mean.
 */
import { describe, expect, it } from "vitest";
import { can as allows } from "../../src/access/evaluate";
import { canUseConnection, credentialActor, type Actor } from "../../src/access/actor";
import { BUILT_IN_ROLE_RULES, ORGANIZATION_ADMIN_RULES } from "../../src/access/roles";
import { ORGANIZATION_PERMISSIONS, organizationRulesSchema, PROJECT_PERMISSIONS, projectRulesSchema } from "../../src/access/rules";
import { rulesForScopes, SCOPE_GRANTS } from "../../src/access/scopes";
import { expandScopes, SCOPES, type Scope } from "../../src/auth/scopes";

const OWN = "project-own";
const OTHER = "project-other";

type Check =
  | { level: "project"; action: string; subject: string }
  | { level: "organization"; action: string; subject: string }
  /** reading the project itself (name, slug): having any rules in it */
  | { level: "visible" };

interface Site {
  site: string;
  scope: Scope;
  /** the project `requireAccess` is given today: the resource's project, or none (an organization-wide operation) */
  today: "project" | "none";
  /** call sites that pass the caller's own binding apply to one kind of credential only */
  only?: "bound" | "unbound";
  check: Check;
}

const project = (action: string, subject: string): Check => ({ level: "project", action, subject });
const organization = (action: string, subject: string): Check => ({ level: "organization", action, subject });
const inProject = (scope: Scope, check: Check, ...sites: string[]): Site[] =>
  sites.map((site) => ({ site, scope, today: "project", check }));
const outsideProjects = (scope: Scope, check: Check, ...sites: string[]): Site[] =>
  sites.map((site) => ({ site, scope, today: "none", check }));
/** `requireAccess(scope, auth.projectId)`: the bound credential's own project, or organization-wide when unbound */
const ownOrOrganization = (scope: Scope, projectCheck: Check, organizationCheck: Check, site: string): Site[] => [
  { site, scope, today: "project", only: "bound", check: projectCheck },
  { site, scope, today: "none", only: "unbound", check: organizationCheck },
];

const SITES: Site[] = [
  ...outsideProjects("projects:write", organization("create", "workspace"), "POST /api/v1/projects", "console POST /projects"),
  ...inProject("projects:read", { level: "visible" }, "GET /api/v1/projects/:projectId", "console project pages (loadProject)"),
  ...inProject("projects:read", project("read", "environments"), "GET /api/v1/projects/:projectId/environments", "GET …/environments/:environmentId"),
  ...inProject("projects:write", project("edit", "workspace"), "PATCH /api/v1/projects/:projectId"),
  ...inProject("projects:write", project("delete", "workspace"), "DELETE /api/v1/projects/:projectId"),
  ...inProject("projects:write", project("create", "environments"), "POST …/environments"),
  ...inProject("projects:write", project("edit", "environments"), "PATCH …/environments/:environmentId"),
  ...inProject("projects:write", project("delete", "environments"), "DELETE …/environments/:environmentId"),

  ...inProject("secrets:read", project("describeSecret", "secrets"), "GET /api/v3|v4/secrets (list)", "console secrets page (names)"),
  ...inProject("secrets:read", project("readValue", "secrets"), "GET …/secrets/:secretName", "GET …/secrets/id/:secretId", "GET /api/v2/secret-imports/secrets"),
  ...inProject("secrets:write", project("create", "secrets"), "POST …/secrets/:secretName", "POST …/secrets/batch", "console create secret"),
  ...inProject("secrets:write", project("edit", "secrets"), "PATCH …/secrets/:secretName", "PATCH …/secrets/batch", "console update secret"),
  ...inProject("secrets:write", project("delete", "secrets"), "DELETE …/secrets/:secretName", "DELETE …/secrets/batch", "console delete secret"),
  ...inProject("secrets:read", project("read", "secret-folders"), "GET /api/v1|v2/folders", "GET …/folders/:folderId"),
  ...inProject("secrets:write", project("create", "secret-folders"), "POST /api/v1|v2/folders", "console create folder"),
  ...inProject("secrets:write", project("edit", "secret-folders"), "PATCH …/folders/:folderId", "PATCH /api/v2/folders/batch"),
  ...inProject("secrets:write", project("delete", "secret-folders"), "DELETE …/folders/:folderId"),
  ...inProject("secrets:read", project("read", "secret-imports"), "GET /api/v1|v2/secret-imports", "GET …/secret-imports/:secretImportId"),
  ...inProject("secrets:write", project("create", "secret-imports"), "POST /api/v1|v2/secret-imports"),
  ...inProject("secrets:write", project("edit", "secret-imports"), "PATCH …/secret-imports/:secretImportId"),
  ...inProject("secrets:write", project("delete", "secret-imports"), "DELETE …/secret-imports/:secretImportId"),

  ...["GET /api/v1/app-connections/options", "GET /api/v1/app-connections/qovery (no projectId)", "read an organization-wide connection"].flatMap(
    (site) => ownOrOrganization("connections:read", project("read-app-connections", "app-connections"), organization("read", "app-connections"), site),
  ),
  ...inProject(
    "connections:read",
    project("read-app-connections", "app-connections"),
    "GET /api/v1/app-connections/qovery?projectId",
    "GET …/qovery/:connectionId (project connection)",
    "GET …/qovery/connection-name/:connectionName",
    "GET …/:connectionId/organizations|projects|environments",
    "console connections page",
  ),
  ...inProject("connections:write", project("create-app-connections", "app-connections"), "POST /api/v1/app-connections/qovery (projectId)", "console create connection"),
  ...inProject("connections:write", project("edit-app-connections", "app-connections"), "PATCH …/qovery/:connectionId (project connection)"),
  ...inProject("connections:write", project("delete-app-connections", "app-connections"), "DELETE …/qovery/:connectionId (project connection)", "console delete connection"),
  ...outsideProjects("connections:write", organization("create", "app-connections"), "POST /api/v1/app-connections/qovery (organization-wide)"),
  ...outsideProjects("connections:write", organization("edit", "app-connections"), "PATCH …/qovery/:connectionId (organization-wide)"),
  ...outsideProjects("connections:write", organization("delete", "app-connections"), "DELETE …/qovery/:connectionId (organization-wide)"),

  ...inProject(
    "syncs:read",
    project("read", "secret-syncs"),
    "GET /api/v1/secret-syncs",
    "POST …/qovery/check-destination",
    "GET …/qovery/sync-name/:syncName",
    "GET …/qovery/:syncId",
    "GET …/:syncId/plan|drift|runs|runs/:runId",
    "console syncs pages",
  ),
  ...inProject("syncs:write", project("create", "secret-syncs"), "POST /api/v1/secret-syncs/qovery", "console sync wizard"),
  ...inProject("syncs:write", project("edit", "secret-syncs"), "PATCH …/qovery/:syncId", "console edit sync"),
  ...inProject("syncs:write", project("delete", "secret-syncs"), "DELETE …/qovery/:syncId", "console delete sync"),
  ...inProject("syncs:write", project("remove-secrets", "secret-syncs"), "POST …/:syncId/remove-secrets", "console remove secrets"),
  ...inProject("syncs:write", project("connect-app-connections", "app-connections"), "use a project connection in a sync"),
  ...inProject("syncs:trigger", project("sync-secrets", "secret-syncs"), "POST …/:syncId/sync-secrets", "console sync now"),

  ...inProject("audit:read", project("read", "audit-logs"), "GET /api/v1/audit-logs?projectId"),
  ...ownOrOrganization("audit:read", project("read", "audit-logs"), organization("read", "audit-logs"), "GET /api/v1/audit-logs (no projectId)"),

  ...inProject("webhooks:read", project("read", "webhooks"), "GET /api/v1/webhook-endpoints|subscriptions", "GET …/:endpointId", "GET …/:subscriptionId/deliveries"),
  ...inProject("webhooks:write", project("create", "webhooks"), "POST /api/v1/webhook-endpoints", "POST /api/v1/webhook-subscriptions"),
  ...inProject("webhooks:write", project("edit", "webhooks"), "POST …/:endpointId/rotate"),
  ...inProject("webhooks:write", project("delete", "webhooks"), "DELETE …/:endpointId", "DELETE …/:subscriptionId"),

  ...inProject("admin", project("create", "service-tokens"), "POST /api/v1/api-tokens (projectId)"),
  ...inProject("admin", project("read", "service-tokens"), "GET /api/v1/api-tokens?projectId"),
  ...inProject("admin", project("delete", "service-tokens"), "POST /api/v1/api-tokens/:tokenId/revoke (project token)"),
  ...ownOrOrganization("admin", project("read", "service-tokens"), organization("read", "service-tokens"), "GET /api/v1/api-tokens (no projectId)"),
  ...outsideProjects("admin", organization("create", "service-tokens"), "POST /api/v1/api-tokens (organization-wide)"),
  ...outsideProjects("admin", organization("delete", "service-tokens"), "POST /api/v1/api-tokens/:tokenId/revoke (organization-wide)"),
  ...inProject("admin", project("create", "identity"), "POST /api/v1/identities (projectId)"),
  ...inProject("admin", project("read", "identity"), "GET /api/v1/identities?projectId", "GET …/:identityId", "GET …/:identityId/universal-auth/client-secrets"),
  ...inProject("admin", project("edit", "identity"), "POST …/client-secrets", "POST …/client-secrets/:clientSecretId/revoke"),
  ...inProject("admin", project("delete", "identity"), "POST /api/v1/identities/:identityId/revoke"),
  ...ownOrOrganization("admin", project("read", "identity"), organization("read", "identity"), "GET /api/v1/identities (no projectId)"),
  ...outsideProjects("admin", organization("create", "identity"), "POST /api/v1/identities (organization-wide)"),
  ...outsideProjects("admin", organization("edit", "identity"), "client secrets of an organization-wide identity"),
  ...outsideProjects("admin", organization("delete", "identity"), "POST /api/v1/identities/:identityId/revoke (organization-wide)"),
  ...outsideProjects("admin", organization("edit", "kms"), "POST /api/v1/admin/encryption/reencrypt"),
];

/** Sample facts for subjects with condition fields; scope rules are unconditional, so any values do. */
const SAMPLE_FIELDS = { environment: "prod", secretPath: "/app/api", connectionId: "conn-1" };

/** A credential as scopes described it: what it holds and the project it is bound to (null: none). */
interface AuthContext {
  projectId: string | null;
  scopes: ReadonlySet<Scope>;
}

/**
 * What scopes allowed before rules: the scope, and for a project-bound credential, its own project only (an
 * operation about no project, `projectId` omitted, was refused to it).
 */
function requireAccess(auth: AuthContext, scope: Scope, projectId?: string | null): void {
  if (!auth.scopes.has(scope)) throw new Error(`This credential lacks the "${scope}" scope`);
  if (auth.projectId === null) return;
  if (projectId === undefined || projectId === null) throw new Error("This credential is bound to a single project");
  if (projectId !== auth.projectId) throw new Error("This credential is bound to another project");
}

function authFor(scope: Scope, binding: string | null): AuthContext {
  return { projectId: binding, scopes: expandScopes([scope]) };
}

function actorFor(scope: Scope, binding: string | null): Actor {
  return credentialActor({ kind: "api-token", id: "t", name: "t", projectId: binding, rules: rulesForScopes(expandScopes([scope])) });
}

function allowedToday(auth: AuthContext, site: Site, target: string): boolean {
  try {
    requireAccess(auth, site.scope, site.today === "project" ? target : undefined);
    return true;
  } catch {
    return false;
  }
}

function allowedNow(actor: Actor, check: Check, target: string): boolean {
  if (check.level === "organization") return allows(actor.organizationRules, check.action, check.subject, SAMPLE_FIELDS);
  const rules = actor.projectRules(target);
  if (check.level === "visible") return rules !== null;
  return rules !== null && allows(rules, check.action, check.subject, SAMPLE_FIELDS);
}

describe("scope expansion", () => {
  it("covers exactly the scopes there are", () => {
    expect(Object.keys(SCOPE_GRANTS).sort()).toEqual([...SCOPES].sort());
  });

  it("the table names every scope and only valid checks", () => {
    expect(new Set(SITES.map((s) => s.scope))).toEqual(new Set(SCOPES));
    for (const { check } of SITES) {
      if (check.level === "visible") continue;
      const catalogue: Record<string, { actions: readonly string[] }> =
        check.level === "project" ? PROJECT_PERMISSIONS : ORGANIZATION_PERMISSIONS;
      expect(catalogue[check.subject]?.actions, `${check.level} ${check.action} on ${check.subject}`).toContain(check.action);
    }
  });

  const cases = SCOPES.flatMap((granted) => [null, OWN].map((binding) => ({ granted, binding })));

  it.each(cases)("$granted, bound to $binding: every site allows exactly what requireAccess allows", ({ granted, binding }) => {
    const auth = authFor(granted, binding);
    const actor = actorFor(granted, binding);
    const differences = SITES.filter((site) => !site.only || (site.only === "bound") === (binding !== null)).flatMap((site) =>
      [OWN, OTHER]
        .map((target) => ({ site: site.site, target, today: allowedToday(auth, site, target), now: allowedNow(actor, site.check, target) }))
        .filter((c) => c.today !== c.now),
    );
    expect(differences).toEqual([]);
  });

  it("every scope together is the built-in admin role in a project and the organization administrator outside", () => {
    const everything = rulesForScopes(expandScopes(["admin"]));
    for (const [subject, { actions }] of Object.entries(PROJECT_PERMISSIONS)) {
      for (const action of actions) {
        const expected = allows(BUILT_IN_ROLE_RULES.admin, action, subject, SAMPLE_FIELDS);
        expect(allows(everything.project, action, subject, SAMPLE_FIELDS), `${action} on ${subject}`).toBe(expected);
      }
    }
    for (const [subject, { actions }] of Object.entries(ORGANIZATION_PERMISSIONS)) {
      for (const action of actions) {
        const expected = allows(ORGANIZATION_ADMIN_RULES, action, subject, SAMPLE_FIELDS);
        expect(allows(everything.organization, action, subject, SAMPLE_FIELDS), `${action} on ${subject}`).toBe(expected);
      }
    }
  });
});

describe("the two rights scopes no longer give, on purpose", () => {
  const orgWide = { id: "shared-conn", projectId: null };

  it("a project-bound syncs:write credential cannot use an organization-wide connection; an unbound one still can", () => {
    // Today requireAccess("syncs:write", project) is the only check, and any credential may use a shared connection.
    expect(() => requireAccess(authFor("syncs:write", OWN), "syncs:write", OWN)).not.toThrow();
    expect(canUseConnection(actorFor("syncs:write", OWN), OWN, orgWide)).toBe(false);
    expect(canUseConnection(actorFor("syncs:write", null), OWN, orgWide)).toBe(true);
    expect(canUseConnection(actorFor("syncs:write", OWN), OWN, { id: "own-conn", projectId: OWN })).toBe(true);
  });

  it("syncs:write alone no longer reads the values a sync would carry out", () => {
    const rules = rulesForScopes(expandScopes(["syncs:write"])).project;
    expect(allows(rules, "create", "secret-syncs", SAMPLE_FIELDS)).toBe(true);
    expect(allows(rules, "readValue", "secrets", SAMPLE_FIELDS)).toBe(false);
    const withRead = rulesForScopes(expandScopes(["syncs:write", "secrets:read"])).project;
    expect(allows(withRead, "readValue", "secrets", SAMPLE_FIELDS)).toBe(true);
  });
});

describe("built-in roles", () => {
  /** Every (subject, action) of the project catalogue a role allows, as "subject:action". */
  const allowedBy = (role: keyof typeof BUILT_IN_ROLE_RULES) =>
    Object.entries(PROJECT_PERMISSIONS).flatMap(([subject, { actions }]) =>
      actions.filter((action) => allows(BUILT_IN_ROLE_RULES[role], action, subject, SAMPLE_FIELDS)).map((action) => `${subject}:${action}`),
    );
  const all = Object.entries(PROJECT_PERMISSIONS).flatMap(([subject, { actions }]) => actions.map((a) => `${subject}:${a}`));

  it("admin may do everything", () => {
    expect(allowedBy("admin")).toEqual(all);
  });

  it("no-access may do nothing", () => {
    expect(allowedBy("no-access")).toEqual([]);
  });

  it("viewer reads, including secret values, and changes nothing", () => {
    expect(allowedBy("viewer")).toEqual([
      "secrets:describeSecret",
      "secrets:readValue",
      "secret-folders:read",
      "secret-imports:read",
      "secret-syncs:read",
      "environments:read",
      "webhooks:read",
      "audit-logs:read",
      "identity:read",
      "service-tokens:read",
      "member:read",
      "role:read",
    ]);
  });

  it("member works with secrets, syncs, environments and webhooks, and connects, but manages neither connections nor access", () => {
    const member = allowedBy("member");
    expect(all.filter((p) => !member.includes(p))).toEqual([
      "app-connections:read-app-connections",
      "app-connections:create-app-connections",
      "app-connections:edit-app-connections",
      "app-connections:delete-app-connections",
      "workspace:edit",
      "workspace:delete",
      "identity:create",
      "identity:edit",
      "identity:delete",
      "service-tokens:create",
      "service-tokens:edit",
      "service-tokens:delete",
      "member:create",
      "member:edit",
      "member:delete",
      "role:create",
      "role:edit",
      "role:delete",
    ]);
  });

  it("built-in rules pass the rule schema", () => {
    for (const rules of Object.values(BUILT_IN_ROLE_RULES)) expect(projectRulesSchema.safeParse(rules).success).toBe(true);
    expect(organizationRulesSchema.safeParse(ORGANIZATION_ADMIN_RULES).success).toBe(true);
    for (const grant of Object.values(SCOPE_GRANTS)) {
      expect(projectRulesSchema.safeParse(grant.project).success).toBe(true);
      expect(organizationRulesSchema.safeParse(grant.organization).success).toBe(true);
    }
  });
});
