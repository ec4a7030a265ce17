/** Integrations → App Connections: the project's Qovery connections (and the organization-wide ones), add, delete. */
import { z } from "zod";
import { requireAccess, type AuthContext } from "../../auth/context";
import * as connections from "../../connections/service";
import { description } from "../../http/schemas";
import { ApiError } from "../../lib/errors";
import { MAX_NAME_LENGTH } from "../../lib/limits";
import { slugSchema } from "../../lib/slug";
import { getProject, type PublicProject } from "../../store/projects";
import { allows } from "../access";
import type { ConsoleContext } from "../context";
import { connectionDeps, dbOf } from "../deps";
import { audit, fieldErrors, readForm } from "../forms";
import { connectionsUrl, connectionUrl } from "../urls";
import { EmptyState, Notice, PostForm, SubmitButton, TextArea, TextField, Time, type FieldErrors } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";

// The API's rules for a new connection (routes/app-connections.ts), field by field.
const connectionForm = z.object({
  name: slugSchema("Name", 1, MAX_NAME_LENGTH),
  description,
  accessToken: z.string().trim().min(1, "A Qovery API token is required"),
  scope: z.enum(["project", "organization"]).default("project"),
});

/** Who may change a connection: the project's rules for a project connection, unbound credentials for shared ones. */
const requireConnectionWrite = (auth: AuthContext, connection: connections.PublicConnection) =>
  requireAccess(auth, "connections:write", connection.projectId ?? undefined);

/** A connection the caller may read, by the API's rule: shared connections are readable with the scope alone. */
async function readableConnection(c: ConsoleContext, connectionId: string) {
  const auth = c.get("auth");
  const connection = await connections.getQoveryConnection(dbOf(c), connectionId);
  requireAccess(auth, "connections:read", connection.projectId ?? auth.projectId);
  return connection;
}

interface FormState {
  values: Record<string, string>;
  errors: FieldErrors;
}

async function loadProject(c: ConsoleContext): Promise<PublicProject> {
  const projectId = c.req.param("projectId")!;
  requireAccess(c.get("auth"), "projects:read", projectId);
  return getProject(dbOf(c), projectId);
}

async function renderConnections(c: ConsoleContext, project: PublicProject, form: FormState = { values: {}, errors: {} }, status: 200 | 409 | 422 = 200, problem?: string) {
  const auth = c.get("auth");
  const csrf = c.get("csrf");
  const canRead = allows(auth, "connections:read", project.id);
  const canWrite = allows(auth, "connections:write", project.id);
  const canShare = allows(auth, "connections:write");
  const list = canRead ? await connections.listQoveryConnections(dbOf(c), project.id) : [];

  return renderPage(
    c,
    `${project.name} · App Connections`,
    <ProjectShell project={project} auth={auth} section="app-connections" title={`${project.name}: App Connections`} trail={[{ label: "Integrations" }, { label: "App Connections" }]} notice={c.req.query("notice")}>
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <p class="muted">A Qovery connection holds a Qovery API token. Syncs use it to write to Qovery; the token is checked with Qovery when you save it and is never shown again.</p>
      {!canRead ? (
        <EmptyState>This token cannot see connections: that needs the connections:read scope on this project.</EmptyState>
      ) : list.length ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Qovery connections usable by this project</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Available to</th>
                <th scope="col" class="hide-narrow">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.map((connection) => (
                <tr>
                  <th scope="row">
                    <span class="logo" aria-hidden="true">
                      Q
                    </span>{" "}
                    {connection.name}
                    {connection.description ? <div class="muted">{connection.description}</div> : null}
                  </th>
                  <td>{connection.projectId ? "This project" : "All projects"}</td>
                  <td class="hide-narrow">
                    <Time iso={connection.createdAt} />
                  </td>
                  <td>
                    {allows(auth, "connections:write", connection.projectId ?? undefined) ? (
                      <details class="disclosure">
                        <summary aria-label={`Delete ${connection.name}`}>Delete</summary>
                        <PostForm action={`${connectionUrl(project.id, connection.id)}/delete`} csrf={csrf}>
                          <p>
                            Delete the connection <strong>{connection.name}</strong>? Its stored token is erased. Syncs that use it must be deleted first.
                          </p>
                          <SubmitButton kind="danger" busy="Deleting…">
                            Delete {connection.name}
                          </SubmitButton>
                        </PostForm>
                      </details>
                    ) : (
                      <span class="muted">read only</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState>No Qovery connection yet. {canWrite ? "Add one below, then create a sync with it." : ""}</EmptyState>
      )}
      {canWrite ? (
        <section class="card" aria-labelledby="add-connection">
          <h2 id="add-connection">Add a Qovery connection</h2>
          <PostForm action={connectionsUrl(project.id)} csrf={csrf}>
            <TextField
              label="Name"
              name="name"
              value={form.values.name}
              error={form.errors.name}
              required
              hint="Lowercase letters, numbers and hyphens, e.g. qovery-production."
              extra={{ "data-slug-check": "", "data-slug-feedback": "connection-name-feedback", "data-slug-max": "64" }}
              feedbackId="connection-name-feedback"
            />
            <TextArea label="Description (optional)" name="description" value={form.values.description} error={form.errors.description} rows={2} />
            <TextField
              label="Qovery API token"
              name="accessToken"
              type="password"
              error={form.errors.accessToken}
              required
              hint="Create one in Qovery under Organization settings → API tokens. With npm run dev, the local Qovery simulator's token is printed in the terminal."
            />
            {canShare ? (
              <fieldset>
                <legend>Available to</legend>
                <div class="check">
                  <input type="radio" id="scope-project" name="scope" value="project" checked={form.values.scope !== "organization"} />
                  <label for="scope-project">This project only</label>
                </div>
                <div class="check">
                  <input type="radio" id="scope-organization" name="scope" value="organization" checked={form.values.scope === "organization"} />
                  <label for="scope-organization">All projects</label>
                </div>
              </fieldset>
            ) : null}
            <SubmitButton busy="Checking the token with Qovery…">Save connection</SubmitButton>
          </PostForm>
        </section>
      ) : null}
    </ProjectShell>,
    status,
  );
}

export async function connectionsPage(c: ConsoleContext) {
  return renderConnections(c, await loadProject(c));
}

export async function createConnection(c: ConsoleContext) {
  const project = await loadProject(c);
  const values = await readForm(c);
  // The token is never sent back to the browser, even when the form has to be shown again.
  const kept = { ...values, accessToken: "" };
  const parsed = connectionForm.safeParse(values);
  if (!parsed.success) return renderConnections(c, project, { values: kept, errors: fieldErrors(parsed.error.issues) }, 422);
  const input = parsed.data;
  const projectId = input.scope === "organization" ? null : project.id;
  requireAccess(c.get("auth"), "connections:write", projectId ?? undefined);
  let connection: connections.PublicConnection;
  try {
    connection = await connections.createQoveryConnection(connectionDeps(c), { name: input.name, description: input.description || null, projectId, accessToken: input.accessToken });
  } catch (error) {
    if (error instanceof ApiError && error.statusCode < 500) {
      const field = /already exists/.test(error.message) ? "name" : "accessToken";
      return renderConnections(c, project, { values: kept, errors: { [field]: error.message } }, 422);
    }
    throw error;
  }
  await audit(c, { action: "app-connection.create", projectId: connection.projectId, targetType: "app-connection", targetId: connection.id, metadata: { app: connection.app, name: connection.name } });
  return c.redirect(connectionsUrl(project.id, "connection-created"), 303);
}

export async function deleteConnection(c: ConsoleContext) {
  const project = await loadProject(c);
  const db = dbOf(c);
  const current = await connections.getQoveryConnection(db, c.req.param("connectionId")!);
  requireConnectionWrite(c.get("auth"), current);
  try {
    await connections.deleteQoveryConnection(db, current.id);
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 409) return renderConnections(c, project, undefined, 409, error.message);
    throw error;
  }
  await audit(c, { action: "app-connection.delete", projectId: current.projectId, targetType: "app-connection", targetId: current.id, metadata: { name: current.name } });
  return c.redirect(connectionsUrl(project.id, "connection-deleted"), 303);
}

/** The option lists behind the destination dropdowns, for the console script. */
export async function organizationOptions(c: ConsoleContext) {
  const connection = await readableConnection(c, c.req.param("connectionId")!);
  return c.json({ options: await connections.listConnectionOrganizations(connectionDeps(c), connection.id) });
}

export async function projectOptions(c: ConsoleContext) {
  const connection = await readableConnection(c, c.req.param("connectionId")!);
  return c.json({ options: await connections.listConnectionProjects(connectionDeps(c), connection.id, c.req.param("organizationId")!) });
}

export async function environmentOptions(c: ConsoleContext) {
  const connection = await readableConnection(c, c.req.param("connectionId")!);
  return c.json({ options: await connections.listConnectionEnvironments(connectionDeps(c), connection.id, c.req.param("qoveryProjectId")!) });
}
