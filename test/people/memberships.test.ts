/**
 * People in projects, through the API: a person signed in by Cloudflare Access (the tests' Worker trusts a fake
 * team whose keys are generated here) has exactly their membership's role, read fresh on every request.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { can } from "../../src/access/evaluate";
import { BUILT_IN_ROLE_RULES } from "../../src/access/roles";
import { MAX_EMAILS_PER_REQUEST } from "../../src/auth/people";
import { accessTeam, assertion, signingKey, type SigningKey } from "../helpers/access";
import { api, createProject, unique } from "../helpers/api";
import { addMember, createRole, permissionsOf } from "../helpers/people";

const team = accessTeam();
let key: SigningKey;
let project: { id: string };

/** The headers Access adds for this person. */
const as = async (email: string) => assertion(await team.token(key, email));
const newEmail = () => `${unique("person")}@example.com`;

beforeAll(async () => {
  key = await signingKey(unique("kid"));
  await team.add([key]);
  project = await createProject();
});

describe("people and memberships", () => {
  it("a person nobody added has no access: 403 on the project, on its secrets, on its members", async () => {
    const headers = await as(newEmail());
    expect((await permissionsOf(project.id, null, headers)).status).toBe(403);
    expect((await api.get(`/api/v1/projects/${project.id}/memberships`, { token: null, headers })).status).toBe(403);
    const secrets = await api.get("/api/v4/secrets", { token: null, headers, query: { projectId: project.id, environment: "dev" } });
    expect(secrets.status).toBe(403);
  });

  it("a membership grants exactly its role, a role change applies at once, and removal ends access at once", async () => {
    const email = newEmail();
    const membership = await addMember(project.id, email.toUpperCase(), "viewer");
    expect(membership).toMatchObject({ role: "viewer", projectId: project.id });
    const user = await env.DB.prepare("select * from users where email = ?").bind(email).first<{ id: string; last_sign_in_at: string | null }>();
    expect(user).toMatchObject({ id: membership.userId, last_sign_in_at: null });

    const viewer = await permissionsOf(project.id, null, await as(email));
    expect(viewer.status).toBe(200);
    expect(viewer.body.data).toEqual({
      permissions: BUILT_IN_ROLE_RULES.viewer,
      memberships: [{ id: membership.id, actorUserId: membership.userId, roles: [{ role: "viewer" }] }],
      actor: { type: "person", id: membership.userId, name: email, email, projectId: null },
    });
    const rules = viewer.body.data.permissions;
    expect(can(rules, "readValue", "secrets", { environment: "prod", secretPath: "/" })).toBe(true);
    expect(can(rules, "edit", "secrets", { environment: "dev", secretPath: "/" })).toBe(false);
    expect((await permissionsOf((await createProject()).id, null, await as(email))).status).toBe(403);

    const developer = await createRole(project.id, [{ subject: "secrets", action: ["edit"], conditions: { environment: "dev" } }], unique("dev"));
    const patched = await api.patch(`/api/v1/projects/${project.id}/memberships/${membership.id}`, { roles: [{ role: developer.slug }] });
    expect(patched.status).toBe(200);
    expect(patched.body.roles).toEqual([
      { id: membership.id, role: "custom", customRoleId: developer.id, customRoleSlug: developer.slug, customRoleName: `Role ${developer.slug}`, isTemporary: false },
    ]);
    expect((await permissionsOf(project.id, null, await as(email))).body.data.permissions).toEqual(developer.permissions);

    const removed = await api.delete(`/api/v1/projects/${project.id}/memberships/${membership.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.membership.user.email).toBe(email);
    expect((await permissionsOf(project.id, null, await as(email))).status).toBe(403);

    const audit = await env.DB.prepare("select action, metadata_json from audit_logs where target_id = ? order by created_at").bind(membership.id).all();
    expect(audit.results.map((r) => [r.action, JSON.parse(r.metadata_json as string)])).toEqual([
      ["project-membership.create", { email, role: "viewer" }],
      ["project-membership.update", { email, role: developer.slug }],
      ["project-membership.delete", { email, role: developer.slug }],
    ]);
  });

  it("lists members in Infisical's shape, refuses adding someone twice, and removes by email", async () => {
    const own = await createProject();
    const [a, b] = [newEmail(), newEmail()];
    const added = await api.post(`/api/v1/projects/${own.id}/memberships`, { emails: [a], usernames: [b] });
    expect(added.status).toBe(200);
    expect(added.body.memberships.map((m: { role: string }) => m.role)).toEqual(["member", "member"]);
    const list = await api.get(`/api/v1/projects/${own.id}/memberships`);
    expect(list.body.memberships.map((m: { user: { email: string } }) => m.user.email).sort()).toEqual([a, b].sort());
    expect(list.body.memberships[0]).toMatchObject({
      projectId: own.id,
      user: { username: list.body.memberships[0].user.email, firstName: null, lastName: null },
      roles: [{ role: "member", customRoleSlug: null, isTemporary: false }],
    });
    const one = await api.get(`/api/v1/projects/${own.id}/memberships/${list.body.memberships[0].id}`);
    expect(one.body.membership.id).toBe(list.body.memberships[0].id);

    const twice = await api.post(`/api/v1/projects/${own.id}/memberships`, { emails: [a] });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toBe(`Already members of this project: ${a}`);

    const gone = await api.delete(`/api/v1/projects/${own.id}/memberships`, { emails: [a, newEmail()] });
    expect(gone.status).toBe(200);
    expect(gone.body.memberships.map((m: { user: { email: string } }) => m.user.email)).toEqual([a]);
    expect((await api.delete(`/api/v1/projects/${own.id}/memberships`, { emails: [a] })).status).toBe(404);
  });

  it("validates emails, roles and how many people one request names", async () => {
    const bad = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: ["not-an-email"] });
    expect(bad.status).toBe(422);
    expect(bad.body.details[0]).toMatchObject({ path: ["emails", 0], message: "must be an email address" });
    const none = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: [] });
    expect(none.status).toBe(422);
    const tooMany = Array.from({ length: MAX_EMAILS_PER_REQUEST + 1 }, () => newEmail());
    const over = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: tooMany });
    expect(over.status).toBe(422);
    expect(over.body.message).toBe(`emails: emails may list at most ${MAX_EMAILS_PER_REQUEST} people`);
    const unknownRole = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: [newEmail()], roleSlugs: ["wizard"] });
    expect(unknownRole.status).toBe(404);
    const temporary = await api.patch(`/api/v1/projects/${project.id}/memberships/x`, { roles: [{ role: "viewer", isTemporary: true }] });
    expect(temporary.status).toBe(422);
  });

  it("keeps a role held by a member from being deleted", async () => {
    const role = await createRole(project.id, []);
    await addMember(project.id, newEmail(), role.slug);
    const res = await api.delete(`/api/v1/projects/${project.id}/roles/${role.id}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("The role is assigned to one or more users. Make sure to unassign them before deleting the role.");
  });

  it("makes ADMIN_EMAILS administrators everywhere, and names people by email in the audit log", async () => {
    const headers = await as("ops@example.com");
    const members = await api.get(`/api/v1/projects/${project.id}/memberships`, { token: null, headers });
    expect(members.status).toBe(200);
    const added = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: [newEmail()], roleSlugs: ["viewer"] }, { token: null, headers });
    expect(added.status).toBe(200);
    const audit = await env.DB.prepare("select actor_type, actor_name from audit_logs where target_id = ?").bind(added.body.memberships[0].id).first();
    expect(audit).toEqual({ actor_type: "person", actor_name: "ops@example.com" });
    const logs = await api.get("/api/v1/audit-logs", { token: null, headers, query: { projectId: project.id, action: "project-membership.create" } });
    expect(logs.status).toBe(200);
    expect(logs.body.auditLogs.some((l: { actorName: string }) => l.actorName === "ops@example.com")).toBe(true);
  });

  it("lets a member with the member rights manage members, within what they hold", async () => {
    const lead = newEmail();
    const leadRole = await createRole(project.id, [
      { subject: "member", action: ["read", "create", "edit", "delete"] },
      { subject: "secrets", action: ["describeSecret", "readValue"] },
      { subject: "secret-folders", action: ["read"] },
      { subject: "secret-imports", action: ["read"] },
      { subject: "secret-syncs", action: ["read"] },
      { subject: "environments", action: ["read"] },
      { subject: "webhooks", action: ["read"] },
      { subject: "audit-logs", action: ["read"] },
      { subject: "identity", action: ["read"] },
      { subject: "service-tokens", action: ["read"] },
      { subject: "role", action: ["read"] },
    ]);
    await addMember(project.id, lead, leadRole.slug);
    const headers = await as(lead);
    const viewer = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: [newEmail()], roleSlugs: ["viewer"] }, { token: null, headers });
    expect(viewer.status).toBe(200);
    const member = await api.post(`/api/v1/projects/${project.id}/memberships`, { emails: [newEmail()], roleSlugs: ["member"] }, { token: null, headers });
    expect(member.status).toBe(403);
    expect(member.body.error).toBe("PermissionBoundaryError");
    expect((await api.get(`/api/v1/audit-logs`, { token: null, headers })).status).toBe(403);
  });
});
