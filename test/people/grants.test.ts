/**
 * Tokens and identities with roles and permission rules, custom roles, the privilege boundary and the effective
 * permissions route, through the API. What a credential may do is read back from `GET …/permissions` (the rules the
 * middleware's actor carries) and checked with the evaluation engine.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { can } from "../../src/access/evaluate";
import { BUILT_IN_ROLE_RULES } from "../../src/access/roles";
import type { PermissionRule } from "../../src/access/rules";
import { rulesForScopes } from "../../src/access/scopes";
import { MAX_CUSTOM_ROLES_PER_PROJECT } from "../../src/auth/project-roles";
import { expandScopes } from "../../src/auth/scopes";
import { api, createProject, unique } from "../helpers/api";
import { createRole, grantIdentity, grantToken, permissionsOf } from "../helpers/people";
import { createSimTenant } from "../helpers/qovery-sim";

const at = (environment: string, secretPath: string) => ({ environment, secretPath });

/** The CI identity of the README: reads prod under /app/** and nothing else. */
const CI_RULES = [{ subject: "secrets", action: ["describeSecret", "readValue"], conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } }];
/** The developer role of the README: edits dev, only reads prod. */
const DEVELOPER_RULES = [
  { subject: "secrets", action: ["describeSecret", "readValue", "create", "edit", "delete"], conditions: { environment: "dev" } },
  { subject: "secrets", action: ["describeSecret", "readValue"], conditions: { environment: "prod" } },
  { subject: "secret-folders", action: ["read"] },
];

async function rulesOf(projectId: string, token: string): Promise<PermissionRule[]> {
  const res = await permissionsOf(projectId, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.permissions;
}

let project: { id: string };
beforeAll(async () => {
  project = await createProject();
});

describe("tokens and identities with roles and permissions", () => {
  it("a CI identity may read prod under /app/** only, and carries exactly its rules", async () => {
    const { identity, accessToken } = await grantIdentity({ permissions: CI_RULES }, project.id);
    expect(identity).toMatchObject({ scopes: [], role: null, permissions: CI_RULES });
    const rules = await rulesOf(project.id, accessToken);
    expect(rules).toEqual(CI_RULES);
    expect(can(rules, "readValue", "secrets", at("prod", "/app"))).toBe(true);
    expect(can(rules, "readValue", "secrets", at("prod", "/app/api/v1"))).toBe(true);
    expect(can(rules, "readValue", "secrets", at("prod", "/ops"))).toBe(false);
    expect(can(rules, "readValue", "secrets", at("dev", "/app"))).toBe(false);
    expect(can(rules, "edit", "secrets", at("prod", "/app"))).toBe(false);
    expect(can(rules, "read", "environments")).toBe(false);
    const read = await api.get(`/api/v1/identities/${identity.id}`);
    expect(read.body.identity).toMatchObject({ role: null, permissions: CI_RULES });
  });

  it("a developer role edits dev and only reads prod", async () => {
    const role = await createRole(project.id, DEVELOPER_RULES, unique("developer"));
    const { token, apiToken } = await grantToken({ role: role.slug }, project.id);
    expect(apiToken).toMatchObject({ role: role.slug, permissions: [], scopes: [] });
    const rules = await rulesOf(project.id, token);
    expect(rules).toEqual(DEVELOPER_RULES);
    expect(can(rules, "edit", "secrets", at("dev", "/any/folder"))).toBe(true);
    expect(can(rules, "readValue", "secrets", at("prod", "/"))).toBe(true);
    expect(can(rules, "edit", "secrets", at("prod", "/"))).toBe(false);
    expect(can(rules, "delete", "secrets", at("staging", "/"))).toBe(false);
  });

  it("composes scopes, then the role, then explicit permissions: an inverted explicit rule narrows the role", async () => {
    const guard = [{ subject: "secrets", action: ["create", "edit", "delete"], conditions: { environment: "prod" }, inverted: true }];
    const { token } = await grantToken({ scopes: ["webhooks:read"], role: "member", permissions: guard }, project.id);
    const rules = await rulesOf(project.id, token);
    const fromScopes = rulesForScopes(expandScopes(["webhooks:read"])).project;
    expect(rules).toEqual([...fromScopes, ...BUILT_IN_ROLE_RULES.member, ...guard]);
    expect(can(rules, "edit", "secrets", at("dev", "/"))).toBe(true);
    expect(can(rules, "edit", "secrets", at("prod", "/"))).toBe(false);
    expect(can(rules, "readValue", "secrets", at("prod", "/"))).toBe(true);
  });

  it("keeps scopes-only credentials exactly as they were", async () => {
    const { token, apiToken } = await grantToken({ scopes: ["secrets:read"] }, project.id);
    expect(apiToken).toMatchObject({ scopes: ["secrets:read"], role: null, permissions: [] });
    expect(await rulesOf(project.id, token)).toEqual(rulesForScopes(expandScopes(["secrets:read"])).project);
  });

  it("lists, reads and changes a token's role and permissions; a change applies to the live token at once", async () => {
    const { token, apiToken } = await grantToken({ role: "viewer" }, project.id);
    const listed = await api.get("/api/v1/api-tokens", { query: { projectId: project.id } });
    expect(listed.body.apiTokens.find((t: { id: string }) => t.id === apiToken.id)).toMatchObject({ role: "viewer", permissions: [] });
    expect(await rulesOf(project.id, token)).toEqual(BUILT_IN_ROLE_RULES.viewer);

    const changed = await api.patch(`/api/v1/api-tokens/${apiToken.id}`, { role: null, permissions: CI_RULES, name: "ci-reader" });
    expect(changed.status).toBe(200);
    expect(changed.body.apiToken).toMatchObject({ name: "ci-reader", role: null, permissions: CI_RULES });
    expect(await rulesOf(project.id, token)).toEqual(CI_RULES);
    expect((await api.get(`/api/v1/api-tokens/${apiToken.id}`)).body.apiToken).toMatchObject({ name: "ci-reader", permissions: CI_RULES });

    const emptied = await api.patch(`/api/v1/api-tokens/${apiToken.id}`, { permissions: null });
    expect(emptied.status).toBe(400);
    expect(emptied.body.message).toBe("A credential must keep scopes, a role or permissions");

    const audit = await env.DB.prepare("select metadata_json from audit_logs where action = 'api-token.update' and target_id = ?").bind(apiToken.id).first<{ metadata_json: string }>();
    expect(JSON.parse(audit!.metadata_json)).toEqual({ name: "ci-reader", fields: ["name", "role", "permissions"], scopes: [], role: null, permissions: CI_RULES });
  });

  it("changes an identity's rights for the access tokens it already issued", async () => {
    const { identity, accessToken } = await grantIdentity({ role: "viewer" }, project.id);
    expect(await rulesOf(project.id, accessToken)).toEqual(BUILT_IN_ROLE_RULES.viewer);
    const changed = await api.patch(`/api/v1/identities/${identity.id}`, { role: "no-access" });
    expect(changed.body.identity).toMatchObject({ role: "no-access", permissions: [] });
    expect(await rulesOf(project.id, accessToken)).toEqual([]);
  });

  it("validates grants: at least one part, known roles, custom roles on bound credentials only, well-formed rules", async () => {
    const none = await api.post("/api/v1/api-tokens", { name: "nothing", projectId: project.id });
    expect(none.status).toBe(422);
    expect(none.body.message).toBe("scopes: Give scopes, a role or permissions (at least one)");
    const unknown = await api.post("/api/v1/identities", { name: "x", projectId: project.id, role: "wizard" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe("Project role with slug 'wizard' not found");
    const role = await createRole(project.id, DEVELOPER_RULES);
    const unbound = await api.post("/api/v1/api-tokens", { name: "x", role: role.slug });
    expect(unbound.status).toBe(400);
    expect(unbound.body.message).toBe(`The custom role '${role.slug}' can only be given to a credential bound to a project (set projectId)`);
    const badRules = await api.post("/api/v1/api-tokens", { name: "x", projectId: project.id, permissions: [{ subject: "secrets", action: ["fly"] }] });
    expect(badRules.status).toBe(422);
    expect(badRules.body.details[0]).toMatchObject({ path: ["permissions", 0, "action", 0] });
    const badSlug = await api.post("/api/v1/api-tokens", { name: "x", projectId: project.id, role: "Not A Slug" });
    expect(badSlug.status).toBe(422);
  });
});

describe("the privilege boundary", () => {
  /** A token bound to the project that may create tokens, identities and members, and read secrets in dev only. */
  async function minter() {
    const role = await createRole(project.id, [
      { subject: "service-tokens", action: ["read", "create", "edit"] },
      { subject: "identity", action: ["read", "create", "edit"] },
      { subject: "member", action: ["read", "create", "edit"] },
      { subject: "role", action: ["read", "create", "edit"] },
      { subject: "secrets", action: ["describeSecret", "readValue"], conditions: { environment: "dev" } },
    ]);
    return (await grantToken({ role: role.slug }, project.id)).token;
  }

  it("needs the right to create credentials at all", async () => {
    const { token } = await grantToken({ role: "member" }, project.id);
    const res = await api.post("/api/v1/api-tokens", { name: "x", projectId: project.id, role: "viewer" }, { token });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to create on service-tokens" });
    const unbound = await api.post("/api/v1/identities", { name: "x", role: "viewer" }, { token: await minter() });
    expect(unbound.status).toBe(403);
    expect(unbound.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to create on identity" });
  });

  it("lets a granter give what it holds, and refuses anything more, naming what is missing", async () => {
    const token = await minter();
    const dev = [{ subject: "secrets", action: ["readValue"], conditions: { environment: "dev", secretPath: "/app" } }];
    const ok = await api.post("/api/v1/api-tokens", { name: "dev-reader", projectId: project.id, permissions: dev }, { token });
    expect(ok.status).toBe(200);

    const prod = [{ subject: "secrets", action: ["readValue"], conditions: { environment: "prod" } }];
    const refused = await api.post("/api/v1/api-tokens", { name: "prod-reader", projectId: project.id, permissions: prod }, { token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      statusCode: 403,
      error: "PermissionBoundaryError",
      message: "Failed to create the API token: you cannot grant permissions you do not hold",
      details: { missingPermissions: [{ subject: "secrets", action: "readValue", conditions: { environment: "prod" } }] },
    });
    for (const [path, body] of [
      ["/api/v1/api-tokens", { name: "x", projectId: project.id, role: "admin" }],
      ["/api/v1/api-tokens", { name: "x", projectId: project.id, scopes: ["secrets:write"] }],
      ["/api/v1/identities", { name: "x", projectId: project.id, role: "viewer" }],
    ] as const) {
      const res = await api.post(path, body, { token });
      expect(res.status, path).toBe(403);
      expect(res.body.error).toBe("PermissionBoundaryError");
    }
    const rows = await env.DB.prepare("select count(*) as n from api_tokens where name = 'prod-reader'").first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("bounds changes too: a token's new rights, a role's new rules, a member's role, and a client secret for a stronger identity", async () => {
    const token = await minter();
    const { apiToken } = await grantToken({ permissions: [{ subject: "secrets", action: ["readValue"], conditions: { environment: "dev" } }] }, project.id);
    const raise = await api.patch(`/api/v1/api-tokens/${apiToken.id}`, { role: "member" }, { token });
    expect(raise.status).toBe(403);
    expect(raise.body.message).toBe("Failed to update the API token: you cannot grant permissions you do not hold");
    expect((await api.patch(`/api/v1/api-tokens/${apiToken.id}`, { name: "renamed" }, { token })).status).toBe(200);

    const role = await createRole(project.id, [{ subject: "secrets", action: ["readValue"], conditions: { environment: "dev" } }], unique("mine"), token);
    const widen = await api.patch(`/api/v1/projects/${project.id}/roles/${role.id}`, { permissions: [{ subject: "secrets", action: ["edit"] }] }, { token });
    expect(widen.status).toBe(403);
    expect(widen.body.error).toBe("PermissionBoundaryError");

    const promote = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: [`${unique("p")}@example.com`], roleSlugs: ["admin"] }, { token });
    expect(promote.status).toBe(403);
    expect(promote.body.message).toBe("Failed to add the members: you cannot grant permissions you do not hold");

    const { identity } = await grantIdentity({ role: "admin" }, project.id);
    const secret = await api.post(`/api/v1/identities/${identity.id}/client-secrets`, {}, { token });
    expect(secret.status).toBe(403);
    expect(secret.body.message).toBe("Failed to create a client secret: you cannot grant permissions you do not hold");
    const weak = await api.post("/api/v1/identities", { name: "weak", projectId: project.id, permissions: [{ subject: "secrets", action: ["describeSecret"], conditions: { environment: "dev" } }] });
    expect((await api.post(`/api/v1/identities/${weak.body.identity.id}/client-secrets`, {}, { token })).status).toBe(200);
  });

  it("only an organization administrator creates credentials bound to no project", async () => {
    const { token } = await grantToken({ scopes: ["syncs:write", "connections:write", "projects:write"] });
    const res = await api.post("/api/v1/api-tokens", { name: "x", scopes: ["projects:read"] }, { token });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to create on service-tokens" });
    const admin = await api.post("/api/v1/api-tokens", { name: "x", role: "viewer" });
    expect(admin.status).toBe(200);
  });

  it("grants the use of an organization-wide connection only from an unbound caller that may connect it", async () => {
    const tenant = await createSimTenant();
    const shared = await api.post("/api/v1/app-connections/qovery", { name: unique("shared"), method: "access-token", credentials: { accessToken: tenant.token } });
    expect(shared.status, JSON.stringify(shared.body)).toBe(200);
    const connectionId = shared.body.appConnection.id as string;
    const connect = [{ subject: "app-connections", action: ["connect-app-connections"], conditions: { connectionId } }];
    const { token: projectAdmin } = await grantToken({ scopes: ["admin"] }, project.id);

    const viaToken = await api.post("/api/v1/api-tokens", { name: "x", projectId: project.id, permissions: connect }, { token: projectAdmin });
    expect(viaToken.status).toBe(403);
    expect(viaToken.body).toMatchObject({
      error: "PermissionBoundaryError",
      message: "Failed to create the API token: only a caller bound to no project that may connect an organization-wide connection can grant its use",
      details: { missingPermissions: [{ subject: "app-connections", action: "connect-app-connections", conditions: { connectionId } }] },
    });
    const viaRole = await api.post(`/api/v1/projects/${project.id}/roles`, { slug: unique("deployer"), name: "Deployer", permissions: connect }, { token: projectAdmin });
    expect(viaRole.status).toBe(403);
    // the project's own connections and unconditional rules are the project admin's to give
    const own = [{ subject: "app-connections", action: ["connect-app-connections"] }];
    expect((await api.post("/api/v1/api-tokens", { name: "x", projectId: project.id, permissions: own }, { token: projectAdmin })).status).toBe(200);

    const byAdmin = await api.post("/api/v1/api-tokens", { name: "deployer", projectId: project.id, permissions: connect });
    expect(byAdmin.status).toBe(200);
  });
});

describe("custom roles", () => {
  it("creates, lists (built-ins first), reads by slug and id, renames (with its holders) and deletes once nobody holds it", async () => {
    const own = await createProject();
    const slug = unique("reader");
    const created = await api.post(`/api/v1/projects/${own.id}/roles`, { slug, name: "Reader", description: "reads prod", permissions: CI_RULES });
    expect(created.status).toBe(200);
    expect(created.body.role).toMatchObject({ projectId: own.id, slug, name: "Reader", description: "reads prod", isBuiltIn: false, permissions: CI_RULES });
    const roleId = created.body.role.id;

    const list = await api.get(`/api/v1/projects/${own.id}/roles`);
    expect(list.body.roles.map((r: { slug: string }) => r.slug)).toEqual(["admin", "member", "viewer", "no-access", slug]);
    expect(list.body.roles[4]).not.toHaveProperty("permissions");
    expect((await api.get(`/api/v1/projects/${own.id}/roles/slug/${slug}`)).body.role.permissions).toEqual(CI_RULES);
    expect((await api.get(`/api/v1/projects/${own.id}/roles/slug/viewer`)).body.role).toMatchObject({ isBuiltIn: true, permissions: BUILT_IN_ROLE_RULES.viewer });
    expect((await api.get(`/api/v1/projects/roles/${roleId}`)).body.role.slug).toBe(slug);
    expect((await api.get(`/api/v1/projects/${own.id}/roles/slug/nope`)).body.message).toBe("Project role with slug 'nope' not found");

    const { token, apiToken } = await grantToken({ role: slug }, own.id);
    const { identity } = await grantIdentity({ role: slug }, own.id);
    const renamed = `${slug}-v2`;
    const updated = await api.patch(`/api/v1/projects/${own.id}/roles/${roleId}`, { slug: renamed, name: "Prod reader" });
    expect(updated.status).toBe(200);
    expect(updated.body.role).toMatchObject({ slug: renamed, name: "Prod reader", permissions: CI_RULES });
    expect((await api.get(`/api/v1/api-tokens/${apiToken.id}`)).body.apiToken.role).toBe(renamed);
    expect(await rulesOf(own.id, token)).toEqual(CI_RULES);

    const inUse = await api.delete(`/api/v1/projects/${own.id}/roles/${roleId}`);
    expect(inUse.status).toBe(400);
    expect(inUse.body.message).toBe("The role is assigned to one or more identities. Make sure to unassign them before deleting the role.");
    await api.post(`/api/v1/identities/${identity.id}/revoke`);
    const stillTokens = await api.delete(`/api/v1/projects/${own.id}/roles/${roleId}`);
    expect(stillTokens.body.message).toBe("The role is assigned to one or more API tokens. Make sure to unassign them before deleting the role.");
    await api.patch(`/api/v1/api-tokens/${apiToken.id}`, { role: "viewer" });
    const deleted = await api.delete(`/api/v1/projects/${own.id}/roles/${roleId}`);
    expect(deleted.status).toBe(200);
    expect((await api.get(`/api/v1/projects/roles/${roleId}`)).status).toBe(404);

    const audit = await env.DB.prepare("select action from audit_logs where target_id = ? order by created_at").bind(roleId).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["project-role.create", "project-role.update", "project-role.delete"]);
  });

  it("refuses reserved and duplicate slugs, malformed rules, and more than the limit", async () => {
    const own = await createProject();
    const reserved = await api.post(`/api/v1/projects/${own.id}/roles`, { slug: "admin", name: "x", permissions: [] });
    expect(reserved.status).toBe(422);
    expect(reserved.body.message).toBe("slug: Please choose a different slug, the slug you have entered is reserved");
    await createRole(own.id, [], "twin");
    const duplicate = await api.post(`/api/v1/projects/${own.id}/roles`, { slug: "twin", name: "x", permissions: [] });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.message).toBe("Project role with same slug already exists");
    const bad = await api.post(`/api/v1/projects/${own.id}/roles`, { slug: "bad", name: "x", permissions: [{ subject: "secrets", action: ["edit"], condition: {} }] });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain("a secrets rule may only have subject, action, inverted and conditions");
    for (let i = 1; i < MAX_CUSTOM_ROLES_PER_PROJECT; i++) await createRole(own.id, [], `role-${i}`);
    const over = await api.post(`/api/v1/projects/${own.id}/roles`, { slug: "one-too-many", name: "x", permissions: [] });
    expect(over.status).toBe(409);
    expect(over.body.message).toBe(`A project can have at most ${MAX_CUSTOM_ROLES_PER_PROJECT} custom roles`);
  });

  it("keeps roles to their project's callers", async () => {
    const other = await createProject();
    const { token } = await grantToken({ role: "admin" }, other.id);
    expect((await api.get(`/api/v1/projects/${project.id}/roles`, { token })).status).toBe(403);
    const mine = await createRole(project.id, []);
    expect((await api.get(`/api/v1/projects/roles/${mine.id}`, { token })).status).toBe(403);
    expect((await api.delete(`/api/v1/projects/${other.id}/roles/${mine.id}`, undefined, { token })).status).toBe(404);
  });
});

describe("GET /api/v1/projects/:projectId/permissions", () => {
  it("answers the caller's rules and who it is, 403 for another project, 404 for no project", async () => {
    const other = await createProject();
    const { token, apiToken } = await grantToken({ role: "viewer" }, project.id);
    const res = await permissionsOf(project.id, token);
    expect(res.body).toEqual({
      data: {
        permissions: BUILT_IN_ROLE_RULES.viewer,
        memberships: [],
        actor: { type: "api-token", id: apiToken.id, name: expect.any(String), email: null, projectId: project.id },
      },
    });
    const elsewhere = await permissionsOf(other.id, token);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toMatchObject({ error: "PermissionDenied", message: "You have no access to this project" });
    expect((await permissionsOf("no-such-project")).status).toBe(404);
    const admin = await permissionsOf(project.id);
    expect(admin.body.data.actor).toMatchObject({ type: "admin", name: "admin" });
  });
});
