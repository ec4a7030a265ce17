/**
 * People in the console: signing in with the Cloudflare Access assertion (the CF_Authorization cookie a browser
 * behind Access sends), the Members, Roles and My permissions pages, and access ending at once when a membership
 * goes or Access stops vouching for the person.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTeam, signingKey, type SigningKey } from "../helpers/access";
import { api, createProject, unique } from "../helpers/api";
import { addMember, createRole } from "../helpers/people";
import { Browser, sessionRowOf, textOf } from "./browser";

const team = accessTeam();
let key: SigningKey;
let project: { id: string; name: string };
const newEmail = () => `${unique("person")}@example.com`;

/** A browser behind Access: every request carries the person's Access cookie. */
async function personBrowser(email: string) {
  const browser = new Browser();
  browser.cookies.set("CF_Authorization", await team.token(key, email));
  return browser;
}

async function signInThroughAccess(browser: Browser, email: string) {
  const form = await browser.get("/sign-in");
  expect(textOf(form.html)).toContain(`Cloudflare Access signed you in as ${email}`);
  const page = await browser.post("/sign-in", { via: "access", next: "" });
  expect(page.status, page.html.slice(0, 300)).toBe(303);
  return page;
}

const accessPage = (page: "members" | "roles" | "permissions") => `/projects/${project.id}/access/${page}`;

beforeAll(async () => {
  key = await signingKey(unique("kid"));
  await team.add([key]);
  project = await createProject();
});

describe("a person in the console", () => {
  it("signs in with their Access assertion, sees their rules, and loses the project the moment their membership goes", async () => {
    const email = newEmail();
    const membership = await addMember(project.id, email, "viewer");
    const browser = await personBrowser(email);
    await signInThroughAccess(browser, email);
    const permissions = await browser.get(accessPage("permissions"));
    expect(permissions.status).toBe(200);
    const text = textOf(permissions.html);
    expect(text).toContain(`Signed in as ${email}`);
    expect(text).toContain(`You act as ${email} (person) with the role viewer`);
    expect(text).toContain("describeSecret, readValue");
    expect(text).not.toContain("Sign out everywhere");
    expect(await sessionRowOf(browser)).toMatchObject({ subject_type: "person", subject_id: membership.userId, revoked_at: null });

    const members = await browser.get(accessPage("members"));
    expect(members.status).toBe(200);
    expect(textOf(members.html)).toContain(email);
    expect(members.html).not.toContain("Add people");
    expect(members.html).not.toContain("/remove");

    await api.delete(`/api/v1/projects/${project.id}/memberships/${membership.id}`);
    const gone = await browser.get(accessPage("permissions"));
    expect(gone.status).toBe(403);
    expect(textOf(gone.html)).toContain("You have no access to this project");
  });

  it("ends the session at once when Cloudflare Access no longer vouches for the person", async () => {
    const email = newEmail();
    await addMember(project.id, email, "viewer");
    const browser = await personBrowser(email);
    await signInThroughAccess(browser, email);
    expect((await browser.get(accessPage("permissions"))).status).toBe(200);
    const row = await sessionRowOf(browser);

    browser.cookies.set("CF_Authorization", await team.token(key, newEmail()));
    const someoneElse = await browser.get(accessPage("permissions"));
    expect(someoneElse.status).toBe(303);
    expect(someoneElse.location).toBe(`/sign-in?reason=revoked&next=${encodeURIComponent(accessPage("permissions"))}`);
    const revoked = await env.DB.prepare("select revoked_at from console_sessions where id = ?").bind(row!.id).first<{ revoked_at: string | null }>();
    expect(revoked!.revoked_at).not.toBeNull();

    const again = await personBrowser(email);
    await signInThroughAccess(again, email);
    again.cookies.delete("CF_Authorization");
    expect((await again.get(accessPage("permissions"))).status).toBe(303);
  });

  it("refuses an Access sign-in without an assertion, and keeps the token form", async () => {
    const browser = new Browser();
    const form = await browser.get("/sign-in");
    expect(form.html).not.toContain("Cloudflare Access signed you in");
    expect(form.html).toContain('name="token"');
    const refused = await browser.post("/sign-in", { via: "access" });
    expect(refused.status).toBe(401);
    expect(textOf(refused.html)).toContain("Cloudflare Access did not sign you in; sign in with a token");
  });
});

describe("an administrator manages members and roles in the console", () => {
  let admin: Browser;
  beforeAll(async () => {
    admin = await personBrowser("root@example.com");
    await signInThroughAccess(admin, "root@example.com");
  });

  it("adds people, changes a role and removes a member, with the form's errors shown", async () => {
    const page = await admin.get(accessPage("members"));
    expect(textOf(page.html)).toContain("Sign out everywhere");
    expect(page.html).toContain("Add people");

    const invalid = await admin.post(accessPage("members"), { emails: "not-an-email", role: "viewer" });
    expect(invalid.status).toBe(422);
    expect(textOf(invalid.html)).toContain("must be an email address");

    const [a, b] = [newEmail(), newEmail()];
    const added = await admin.post(accessPage("members"), { emails: `${a}, ${b}`, role: "viewer" });
    expect(added.status).toBe(303);
    expect(added.location).toBe(`${accessPage("members")}?notice=members-added`);
    const listed = (await api.get(`/api/v1/projects/${project.id}/memberships`)).body.memberships as { id: string; role: string; user: { email: string } }[];
    const memberA = listed.find((m) => m.user.email === a)!;
    expect(memberA.role).toBe("viewer");
    expect(listed.some((m) => m.user.email === b)).toBe(true);

    const twice = await admin.post(accessPage("members"), { emails: a, role: "viewer" });
    expect(twice.status).toBe(400);
    expect(textOf(twice.html)).toContain(`Already members of this project: ${a}`);

    expect((await admin.post(`${accessPage("members")}/${memberA.id}/role`, { role: "member" })).status).toBe(303);
    expect((await api.get(`/api/v1/projects/${project.id}/memberships/${memberA.id}`)).body.membership.role).toBe("member");
    expect((await admin.post(`${accessPage("members")}/${memberA.id}/remove`)).status).toBe(303);
    expect((await api.get(`/api/v1/projects/${project.id}/memberships/${memberA.id}`)).status).toBe(404);

    const audit = await env.DB.prepare("select actor_name from audit_logs where target_id = ? and action = 'project-membership.delete'").bind(memberA.id).first();
    expect(audit).toEqual({ actor_name: "root@example.com" });
  });

  it("creates, edits and deletes a custom role, showing rule errors and refusing to delete a role in use", async () => {
    const slug = unique("auditor");
    const notJson = await admin.post(accessPage("roles"), { slug, name: "Auditor", permissions: "[{" });
    expect(notJson.status).toBe(422);
    expect(textOf(notJson.html)).toContain("The rules are not valid JSON");
    const badRule = await admin.post(accessPage("roles"), { slug, name: "Auditor", permissions: '[{"subject": "secrets", "action": ["fly"]}]' });
    expect(badRule.status).toBe(422);
    expect(textOf(badRule.html)).toContain("0.action.0: action must be one of: describeSecret, readValue, create, edit, delete, read");
    expect(badRule.html).toContain("fly"); // what was typed stays in the form

    const rules = [{ subject: "audit-logs", action: ["read"] }];
    const created = await admin.post(accessPage("roles"), { slug, name: "Auditor", description: "reads the audit log", permissions: JSON.stringify(rules) });
    expect(created.status).toBe(303);
    const role = (await api.get(`/api/v1/projects/${project.id}/roles/slug/${slug}`)).body.role;
    expect(role).toMatchObject({ name: "Auditor", description: "reads the audit log", permissions: rules });
    const list = await admin.get(accessPage("roles"));
    expect(list.html).toContain(`/access/roles/${role.id}`);

    const edit = await admin.get(`${accessPage("roles")}/${role.id}`);
    expect(edit.status).toBe(200);
    expect(textOf(edit.html)).toContain('"subject": "audit-logs"');
    const saved = await admin.post(`${accessPage("roles")}/${role.id}`, { slug, name: "Log reader", permissions: JSON.stringify(rules) });
    expect(saved.status).toBe(303);
    expect((await api.get(`/api/v1/projects/roles/${role.id}`)).body.role.name).toBe("Log reader");

    const holder = await addMember(project.id, newEmail(), slug);
    const inUse = await admin.post(`${accessPage("roles")}/${role.id}/delete`);
    expect(inUse.status).toBe(400);
    expect(textOf(inUse.html)).toContain("The role is assigned to one or more users");
    await api.delete(`/api/v1/projects/${project.id}/memberships/${holder.id}`);
    const deleted = await admin.post(`${accessPage("roles")}/${role.id}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe(`${accessPage("roles")}?notice=role-deleted`);
  });
});

describe("the Access tab", () => {
  it("lands on the members for who may see them, else on the caller's own permissions", async () => {
    const viewer = newEmail();
    await addMember(project.id, viewer, "no-access");
    const person = await personBrowser(viewer);
    await signInThroughAccess(person, viewer);
    const landing = await person.get(`/projects/${project.id}/access`);
    expect(landing.location).toBe(accessPage("permissions"));
    const page = await person.follow(landing);
    expect(textOf(page.html)).toContain("You have no rules in this project");
    expect(page.html).not.toContain(`href="${accessPage("members")}"`);

    const admin = new Browser();
    await admin.signIn();
    expect((await admin.get(`/projects/${project.id}/access`)).location).toBe(accessPage("members"));
  });
});

describe("project navigation follows the person's rules", () => {
  /** The links of one of the shell's tab bars (`Project sections`, `Integrations`), as [label, href]. */
  function tabsOf(html: string, label: string): [string, string][] {
    const nav = new RegExp(`<nav aria-label="${label}">([\\s\\S]*?)</nav>`).exec(html)?.[1] ?? "";
    return [...nav.matchAll(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/g)].map((m) => [m[2]!, m[1]!.replace(/&amp;/g, "&")]);
  }
  const syncs = () => `/projects/${project.id}/integrations/secret-syncs`;
  const connections = () => `/projects/${project.id}/integrations/app-connections`;

  it("a viewer sees the Secret Syncs tab (they may read syncs) and not App Connections (they may not read connections)", async () => {
    const email = newEmail();
    await addMember(project.id, email, "viewer");
    const person = await personBrowser(email);
    await signInThroughAccess(person, email);
    const page = await person.get(syncs());
    expect(page.status).toBe(200);
    expect(tabsOf(page.html, "Project sections").map(([label, href]) => [label, href.split("?")[0]])).toContainEqual(["Integrations", syncs()]);
    expect(tabsOf(page.html, "Integrations")).toEqual([["Secret Syncs", syncs()]]);
  });

  it("a person who may read connections but not syncs is led to App Connections, and Secret Syncs is not offered", async () => {
    const email = newEmail();
    const role = await createRole(project.id, [{ subject: "app-connections", action: ["read-app-connections"] }]);
    await addMember(project.id, email, role.slug);
    const person = await personBrowser(email);
    await signInThroughAccess(person, email);
    const page = await person.get(connections());
    expect(page.status).toBe(200);
    expect(tabsOf(page.html, "Project sections")).toContainEqual(["Integrations", connections()]);
    expect(tabsOf(page.html, "Integrations")).toEqual([["App Connections", connections()]]);
  });

  it("a person with neither is not offered Integrations at all", async () => {
    const email = newEmail();
    await addMember(project.id, email, "no-access");
    const person = await personBrowser(email);
    await signInThroughAccess(person, email);
    const page = await person.get(accessPage("permissions"));
    expect(page.status).toBe(200);
    expect(tabsOf(page.html, "Project sections").map(([label]) => label)).toEqual(["Secrets", "Access"]);
  });
});
