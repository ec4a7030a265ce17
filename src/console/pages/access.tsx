/**
 * A project's Access section: Members (people added by email with a role), Roles (built-in and custom, rules edited
 * as JSON), and the signed-in caller's effective permissions. Every change goes through the same services as the
 * API, which check the rules and write the audit log; these pages only read rules to decide what to offer.
 */
import type { Child } from "hono/jsx";
import { z } from "zod";
import { can, type Actor } from "../../access/actor";
import type { PermissionRule } from "../../access/rules";
import { actingAs } from "../../auth/context";
import { effectivePermissions } from "../../auth/permissions";
import {
  addMembers,
  emailSchema,
  listMemberships,
  MAX_EMAILS_PER_REQUEST,
  removeMembership,
  updateMembershipRole,
  type PublicMembership,
} from "../../auth/people";
import { createRole, deleteRole, getRoleById, listRoles, roleInputSchema, updateRole, type PublicRole } from "../../auth/project-roles";
import { ApiError } from "../../lib/errors";
import { readProject, type PublicProject } from "../../store/projects";
import type { ConsoleContext } from "../context";
import { storeAs } from "../deps";
import { fieldErrors, readForm } from "../forms";
import { accessUrl, memberActionUrl, roleUrl, type AccessPage } from "../urls";
import { EmptyState, Notice, PostForm, SelectField, SubmitButton, Tabs, TextArea, TextField, Time, type FieldErrors } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";

type Status = 200 | 400 | 403 | 404 | 409 | 422;

interface FormState {
  values: Record<string, string>;
  errors: FieldErrors;
  problem?: string;
}

const emptyForm = (): FormState => ({ values: {}, errors: {} });

/** A refusal a form can show next to what was typed (validation, duplicates, boundaries), rather than an error page. */
const shownOnForm = (error: unknown): error is ApiError => error instanceof ApiError && error.statusCode < 500 && error.statusCode !== 404;

const loadProject = (c: ConsoleContext): Promise<PublicProject> => readProject(storeAs(c), c.req.param("projectId")!);

const PAGE_TITLES: Record<AccessPage, string> = { members: "Members", roles: "Roles", permissions: "My permissions" };

function AccessTabs({ project, actor, page }: { project: PublicProject; actor: Actor; page: AccessPage }) {
  const pages: AccessPage[] = [
    ...(can(actor, project.id, "read", "member") ? (["members"] as const) : []),
    ...(can(actor, project.id, "read", "role") ? (["roles"] as const) : []),
    "permissions",
  ];
  return <Tabs label="Access" sub items={pages.map((p) => ({ href: accessUrl(project.id, p), label: PAGE_TITLES[p], current: p === page }))} />;
}

async function renderAccess(c: ConsoleContext, project: PublicProject, page: AccessPage, body: Child, status: Status = 200) {
  return renderPage(
    c,
    `${project.name} · ${PAGE_TITLES[page]}`,
    <ProjectShell
      project={project}
      actor={c.get("actor")}
      section="access"
      title={`${project.name}: ${PAGE_TITLES[page]}`}
      trail={[{ label: "Access" }]}
      notice={c.req.query("notice")}
    >
      <AccessTabs project={project} actor={c.get("actor")} page={page} />
      {body}
    </ProjectShell>,
    status,
  );
}

const roleOptions = (roles: PublicRole[]) =>
  roles.map((r) => ({ value: r.slug, label: r.isBuiltIn ? `${r.name} (${r.slug})` : `${r.name} (${r.slug}, custom)` }));

/** The section's landing page: the members when the caller may see them, else their own permissions. */
export function accessHome(c: ConsoleContext) {
  const projectId = c.req.param("projectId")!;
  return c.redirect(accessUrl(projectId, can(c.get("actor"), projectId, "read", "member") ? "members" : "permissions"), 303);
}

// ----- members

const addMembersForm = z.object({
  emails: z
    .string()
    .transform((text) => text.split(/[\s,;]+/).filter(Boolean))
    .pipe(z.array(emailSchema).min(1, "Enter at least one email address").max(MAX_EMAILS_PER_REQUEST, `At most ${MAX_EMAILS_PER_REQUEST} people at once`)),
  role: z.string().trim().min(1, "Choose a role"),
});

async function renderMembers(c: ConsoleContext, project: PublicProject, form = emptyForm(), status: Status = 200) {
  const actor = c.get("actor");
  const call = actingAs(c);
  const members = await listMemberships(call, project.id);
  const roles = can(actor, project.id, "read", "role") ? await listRoles(call, project.id) : [];
  const canAdd = can(actor, project.id, "create", "member");
  const canEdit = can(actor, project.id, "edit", "member") && roles.length > 0;
  const canRemove = can(actor, project.id, "delete", "member");
  const csrf = c.get("csrf");
  return renderAccess(
    c,
    project,
    "members",
    <>
      <p class="muted">
        People sign in through Cloudflare Access with their email. Their role here decides what they can see and change; a change applies from their next
        request.
      </p>
      {members.length ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Members of this project</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col" class="hide-narrow">
                  Last sign-in
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <MemberRow member={member} project={project} roles={roles} csrf={csrf} canEdit={canEdit} canRemove={canRemove} />
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState>Nobody is a member of this project yet.</EmptyState>
      )}
      {canAdd && roles.length ? (
        <section class="card" aria-labelledby="add-members">
          <h2 id="add-members">Add people</h2>
          {form.problem ? <Notice tone="error">{form.problem}</Notice> : null}
          <PostForm action={accessUrl(project.id, "members")} csrf={csrf}>
            <TextArea
              label="Email addresses"
              name="emails"
              value={form.values.emails}
              error={form.errors.emails}
              rows={2}
              required
              hint={`Separated by commas or new lines, at most ${MAX_EMAILS_PER_REQUEST}. People who never signed in are added too.`}
            />
            <SelectField label="Role" name="role" value={form.values.role ?? "member"} error={form.errors.role} options={roleOptions(roles)} required />
            <SubmitButton busy="Adding…">Add</SubmitButton>
          </PostForm>
        </section>
      ) : null}
    </>,
    status,
  );
}

function MemberRow(props: { member: PublicMembership; project: PublicProject; roles: PublicRole[]; csrf: string; canEdit: boolean; canRemove: boolean }) {
  const { member, project, roles, csrf } = props;
  return (
    <tr>
      <th scope="row">{member.user.email}</th>
      <td>
        {props.canEdit ? (
          <PostForm action={memberActionUrl(project.id, member.id, "role")} csrf={csrf} class="inline" label={`Role of ${member.user.email}`}>
            <SelectField
              label={<span class="visually-hidden">Role of {member.user.email}</span>}
              name="role"
              id={`role-${member.id}`}
              value={member.role}
              options={roleOptions(roles)}
            />
            <SubmitButton kind="secondary" busy="Saving…">
              Change
            </SubmitButton>
          </PostForm>
        ) : (
          <code>{member.role}</code>
        )}
      </td>
      <td class="hide-narrow">
        <Time iso={member.user.lastSignInAt} />
      </td>
      <td>
        {props.canRemove ? (
          <PostForm action={memberActionUrl(project.id, member.id, "remove")} csrf={csrf} label={`Remove ${member.user.email}`}>
            <SubmitButton kind="danger" busy="Removing…">
              Remove
            </SubmitButton>
          </PostForm>
        ) : (
          <span class="muted">read only</span>
        )}
      </td>
    </tr>
  );
}

export async function membersPage(c: ConsoleContext) {
  return renderMembers(c, await loadProject(c));
}

export async function addMembersAction(c: ConsoleContext) {
  const project = await loadProject(c);
  const values = await readForm(c);
  const parsed = addMembersForm.safeParse(values);
  if (!parsed.success) return renderMembers(c, project, { values, errors: fieldErrors(parsed.error.issues) }, 422);
  try {
    await addMembers(actingAs(c), project.id, parsed.data.emails, parsed.data.role);
  } catch (error) {
    if (shownOnForm(error)) return renderMembers(c, project, { values, errors: {}, problem: error.message }, error.statusCode as Status);
    throw error;
  }
  return c.redirect(accessUrl(project.id, "members", "members-added"), 303);
}

export async function changeMemberRole(c: ConsoleContext) {
  const project = await loadProject(c);
  const { role } = await readForm(c);
  try {
    await updateMembershipRole(actingAs(c), project.id, c.req.param("membershipId")!, (role ?? "").trim());
  } catch (error) {
    if (shownOnForm(error)) return renderMembers(c, project, { values: {}, errors: {}, problem: error.message }, error.statusCode as Status);
    throw error;
  }
  return c.redirect(accessUrl(project.id, "members", "member-updated"), 303);
}

export async function removeMember(c: ConsoleContext) {
  const project = await loadProject(c);
  await removeMembership(actingAs(c), project.id, c.req.param("membershipId")!);
  return c.redirect(accessUrl(project.id, "members", "member-removed"), 303);
}

// ----- roles

const RULE_EXAMPLE = { subject: "secrets", action: ["describeSecret", "readValue"], conditions: { environment: "prod", secretPath: { $glob: "/app/**" } } };
const RULES_HINT = `A JSON list of rules, e.g. [${JSON.stringify(RULE_EXAMPLE)}]. Later rules win; "inverted": true forbids.`;

/** The role form's fields, parsed with the API's schema; the rules textarea must hold JSON. */
function parseRoleForm(values: Record<string, string>) {
  let permissions: unknown;
  try {
    permissions = JSON.parse(values.permissions?.trim() || "[]");
  } catch {
    return { errors: { permissions: "The rules are not valid JSON" } as FieldErrors };
  }
  const parsed = roleInputSchema.safeParse({ ...values, description: values.description || null, permissions });
  if (parsed.success) return { data: parsed.data };
  const rules = parsed.error.issues
    .filter((i) => i.path[0] === "permissions")
    .map((i) => (i.path.length > 1 ? `${i.path.slice(1).join(".")}: ${i.message}` : i.message));
  return { errors: { ...fieldErrors(parsed.error.issues), ...(rules.length ? { permissions: rules.slice(0, 5).join("; ") } : {}) } };
}

const rulesText = (rules: readonly PermissionRule[]) => JSON.stringify(rules, null, 2);

function RoleFields({ form }: { form: FormState }) {
  return (
    <>
      <TextField
        label="Slug"
        name="slug"
        value={form.values.slug}
        error={form.errors.slug}
        required
        hint="Lowercase letters, numbers and hyphens; what tokens, identities and members name."
      />
      <TextField label="Name" name="name" value={form.values.name} error={form.errors.name} required />
      <TextField label="Description (optional)" name="description" value={form.values.description} error={form.errors.description} />
      <TextArea label="Rules (JSON)" name="permissions" value={form.values.permissions ?? "[]"} error={form.errors.permissions} rows={10} hint={RULES_HINT} />
    </>
  );
}

async function renderRoles(c: ConsoleContext, project: PublicProject, form = emptyForm(), status: Status = 200) {
  const actor = c.get("actor");
  const roles = await listRoles(actingAs(c), project.id);
  const canCreate = can(actor, project.id, "create", "role");
  return renderAccess(
    c,
    project,
    "roles",
    <>
      <p class="muted">Tokens, identities and members hold one role each. Built-in roles cannot change; custom roles hold your own rules.</p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Roles of this project</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Slug</th>
              <th scope="col" class="hide-narrow">
                Description
              </th>
              <th scope="col">Rules</th>
            </tr>
          </thead>
          <tbody>
            {roles.map((role) => (
              <tr>
                <th scope="row">{role.isBuiltIn ? role.name : <a href={roleUrl(project.id, role.id)}>{role.name}</a>}</th>
                <td>
                  <code>{role.slug}</code>
                  {role.isBuiltIn ? <span class="muted"> built-in</span> : null}
                </td>
                <td class="hide-narrow">{role.description ?? ""}</td>
                <td>{role.permissions.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canCreate ? (
        <section class="card" aria-labelledby="create-role">
          <h2 id="create-role">Create a role</h2>
          {form.problem ? <Notice tone="error">{form.problem}</Notice> : null}
          <PostForm action={accessUrl(project.id, "roles")} csrf={c.get("csrf")}>
            <RoleFields form={form} />
            <SubmitButton busy="Creating…">Create role</SubmitButton>
          </PostForm>
        </section>
      ) : null}
    </>,
    status,
  );
}

export async function rolesPage(c: ConsoleContext) {
  return renderRoles(c, await loadProject(c));
}

export async function createRoleAction(c: ConsoleContext) {
  const project = await loadProject(c);
  const values = await readForm(c);
  const parsed = parseRoleForm(values);
  if (!parsed.data) return renderRoles(c, project, { values, errors: parsed.errors }, 422);
  try {
    await createRole(actingAs(c), project.id, parsed.data);
  } catch (error) {
    if (shownOnForm(error)) return renderRoles(c, project, { values, errors: {}, problem: error.message }, error.statusCode as Status);
    throw error;
  }
  return c.redirect(accessUrl(project.id, "roles", "role-created"), 303);
}

/** The edit form as the role stands. */
const storedRoleForm = (role: PublicRole, problem?: string): FormState => ({
  values: { slug: role.slug, name: role.name, description: role.description ?? "", permissions: rulesText(role.permissions) },
  errors: {},
  problem,
});

async function renderRole(c: ConsoleContext, project: PublicProject, role: PublicRole, shown = storedRoleForm(role), status: Status = 200) {
  const actor = c.get("actor");
  const csrf = c.get("csrf");
  return renderAccess(
    c,
    project,
    "roles",
    <>
      <h2>
        Role <code>{role.slug}</code>
      </h2>
      {shown.problem ? <Notice tone="error">{shown.problem}</Notice> : null}
      {can(actor, project.id, "edit", "role") ? (
        <PostForm action={roleUrl(project.id, role.id)} csrf={csrf} label="Edit the role">
          <RoleFields form={shown} />
          <SubmitButton busy="Saving…">Save role</SubmitButton>
        </PostForm>
      ) : (
        <pre>{rulesText(role.permissions)}</pre>
      )}
      {can(actor, project.id, "delete", "role") ? (
        <details class="disclosure">
          <summary>Delete this role</summary>
          <PostForm action={roleUrl(project.id, role.id, "delete")} csrf={csrf}>
            <p>A role still held by a token, identity or member cannot be deleted: give them another role first.</p>
            <SubmitButton kind="danger" busy="Deleting…">
              Delete {role.slug}
            </SubmitButton>
          </PostForm>
        </details>
      ) : null}
    </>,
    status,
  );
}

export async function rolePage(c: ConsoleContext) {
  const project = await loadProject(c);
  return renderRole(c, project, await getRoleById(actingAs(c), c.req.param("roleId")!));
}

export async function saveRole(c: ConsoleContext) {
  const project = await loadProject(c);
  const role = await getRoleById(actingAs(c), c.req.param("roleId")!);
  const values = await readForm(c);
  const parsed = parseRoleForm(values);
  if (!parsed.data) return renderRole(c, project, role, { values, errors: parsed.errors }, 422);
  try {
    await updateRole(actingAs(c), project.id, role.id, parsed.data);
  } catch (error) {
    if (shownOnForm(error)) return renderRole(c, project, role, { values, errors: {}, problem: error.message }, error.statusCode as Status);
    throw error;
  }
  return c.redirect(accessUrl(project.id, "roles", "role-updated"), 303);
}

export async function deleteRoleAction(c: ConsoleContext) {
  const project = await loadProject(c);
  const role = await getRoleById(actingAs(c), c.req.param("roleId")!);
  try {
    await deleteRole(actingAs(c), project.id, role.id);
  } catch (error) {
    if (shownOnForm(error)) return renderRole(c, project, role, storedRoleForm(role, error.message), error.statusCode as Status);
    throw error;
  }
  return c.redirect(accessUrl(project.id, "roles", "role-deleted"), 303);
}

// ----- the caller's effective permissions

export async function permissionsPage(c: ConsoleContext) {
  // The caller's rules first: without any in the project, the answer is the permissions route's own refusal.
  const { permissions, memberships, actor } = await effectivePermissions(actingAs(c), c.req.param("projectId")!);
  const project = await loadProject(c);
  const role = memberships[0]?.roles[0]?.role;
  return renderAccess(
    c,
    project,
    "permissions",
    <>
      <p>
        You act as <strong>{actor.email ?? actor.name}</strong> ({actor.type}){role ? <> with the role <code>{role}</code></> : null}. These are your rules in
        this project, in the order they are evaluated: for each action, the last rule that matches decides, and an inverted rule forbids.
      </p>
      {permissions.length ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Your rules in this project</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Subject</th>
                <th scope="col">Actions</th>
                <th scope="col">Conditions</th>
                <th scope="col">Effect</th>
              </tr>
            </thead>
            <tbody>
              {permissions.map((rule, i) => (
                <tr>
                  <td>{i + 1}</td>
                  <th scope="row">
                    <code>{rule.subject}</code>
                  </th>
                  <td>{rule.action.join(", ")}</td>
                  <td>{rule.conditions ? <code>{JSON.stringify(rule.conditions)}</code> : <span class="muted">everywhere</span>}</td>
                  <td>{rule.inverted ? "forbid" : "allow"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState>You have no rules in this project: you can see it exists, and nothing in it.</EmptyState>
      )}
    </>,
  );
}
