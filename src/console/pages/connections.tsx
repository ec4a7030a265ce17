/**
 * Integrations → App Connections: the project's Qovery connections (and the organization-wide ones), add, delete, and
 * one connection's page with its destination allowlist. The services check every action; this page only hides what
 * the caller's rules could never allow.
 */
import { z } from "zod";
import { describePlace, type AllowedDestination } from "../../connections/allowed-destinations";
import { canChangeConnection, canCreateConnection } from "../../connections/permissions";
import * as connections from "../../connections/service";
import { description } from "../../lib/schemas";
import { ApiError, notFound } from "../../lib/errors";
import { MAX_NAME_LENGTH } from "../../lib/limits";
import { slugSchema } from "../../lib/slug";
import { readProject, type PublicProject } from "../../store/projects";
import type { ConsoleContext } from "../context";
import { connectionDeps, dbOf, storeAs } from "../deps";
import { fieldErrors, readForm } from "../forms";
import { connectionsUrl, connectionUrl } from "../urls";
import { CheckboxField, EmptyState, Notice, PostForm, SubmitButton, TextArea, TextField, Time, type FieldErrors } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";
import { ALLOWLIST_HINT, allowedDestinationsText, parseAllowlistForm } from "../allowlist-form";

// The API's rules for a new connection (routes/app-connections.ts), field by field.
const connectionForm = z.object({
  name: slugSchema("Name", 1, MAX_NAME_LENGTH),
  description,
  accessToken: z.string().trim().min(1, "A Qovery API token is required"),
  scope: z.enum(["project", "organization"]).default("project"),
});

interface FormState {
  values: Record<string, string>;
  errors: FieldErrors;
}

async function loadProject(c: ConsoleContext): Promise<PublicProject> {
  return readProject(storeAs(c), c.req.param("projectId")!);
}

function describeAllowlist(list: readonly AllowedDestination[] | null): string {
  if (list === null) return "Anywhere its token reaches";
  if (list.length === 0) return "Nowhere (syncs cannot use it)";
  return `${list.length} allowed destination${list.length === 1 ? "" : "s"}`;
}

async function renderConnections(c: ConsoleContext, project: PublicProject, form: FormState = { values: {}, errors: {} }, status: 200 | 409 | 422 = 200, problem?: string) {
  const actor = c.get("actor");
  const csrf = c.get("csrf");
  let list: connections.PublicConnection[] = [];
  let refusal: string | null = null;
  try {
    list = await connections.listQoveryConnections(connectionDeps(c), project.id);
  } catch (error) {
    // A caller with no access to the project at all gets the error page; one without connection rules, a notice.
    if (!(error instanceof ApiError) || error.statusCode !== 403 || actor.projectRules(project.id) === null) throw error;
    refusal = error.message;
  }
  const canCreate = canCreateConnection(actor, project.id);
  const canShare = canCreateConnection(actor, null);

  return renderPage(
    c,
    `${project.name} · App Connections`,
    <ProjectShell project={project} actor={actor} section="app-connections" title={`${project.name}: App Connections`} trail={[{ label: "Integrations" }, { label: "App Connections" }]} notice={c.req.query("notice")}>
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <p class="muted">A Qovery connection holds a Qovery API token. Syncs use it to write to Qovery; the token is checked with Qovery when you save it and is never shown again.</p>
      {refusal ? (
        <EmptyState>You cannot see this project's connections ({refusal}).</EmptyState>
      ) : list.length ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Qovery connections usable by this project</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Available to</th>
                <th scope="col" class="hide-narrow">Destinations</th>
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
                    <a href={connectionUrl(project.id, connection.id)}>{connection.name}</a>
                    {connection.description ? <div class="muted">{connection.description}</div> : null}
                  </th>
                  <td>{connection.projectId ? "This project" : "All projects"}</td>
                  <td class="hide-narrow">{describeAllowlist(connection.allowedDestinations)}</td>
                  <td class="hide-narrow">
                    <Time iso={connection.createdAt} />
                  </td>
                  <td>
                    {canChangeConnection(actor, connection, "delete") ? (
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
        <EmptyState>No Qovery connection yet. {canCreate ? "Add one below, then create a sync with it." : ""}</EmptyState>
      )}
      {canCreate ? (
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
  try {
    await connections.createQoveryConnection(connectionDeps(c), {
      name: input.name,
      description: input.description || null,
      projectId,
      accessToken: input.accessToken,
      allowedDestinations: null,
    });
  } catch (error) {
    if (error instanceof ApiError && error.statusCode < 500 && error.statusCode !== 403) {
      const field = /already exists/.test(error.message) ? "name" : "accessToken";
      return renderConnections(c, project, { values: kept, errors: { [field]: error.message } }, 422);
    }
    throw error;
  }
  return c.redirect(connectionsUrl(project.id, "connection-created"), 303);
}

export async function deleteConnection(c: ConsoleContext) {
  const project = await loadProject(c);
  try {
    await connections.deleteQoveryConnection(connectionDeps(c), await connectionInProject(c, project));
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 409) return renderConnections(c, project, undefined, 409, error.message);
    throw error;
  }
  return c.redirect(connectionsUrl(project.id, "connection-deleted"), 303);
}

/** The connection in the URL, if it is one the project sees (its own, or organization-wide); its id. */
async function connectionInProject(c: ConsoleContext, project: PublicProject): Promise<string> {
  const connectionId = c.req.param("connectionId")!;
  const connection = await connections.loadQoveryConnection(dbOf(c), connectionId);
  if (connection.projectId !== null && connection.projectId !== project.id) {
    throw notFound(`Could not find App Connection with ID "${connectionId}"`);
  }
  return connection.id;
}

// ===== One connection: its destination allowlist

async function renderConnection(c: ConsoleContext, project: PublicProject, form?: FormState, status: 200 | 422 = 200) {
  const actor = c.get("actor");
  const connection = await connections.getQoveryConnection(connectionDeps(c), await connectionInProject(c, project), project.id);
  const allowed = connection.allowedDestinations;
  const values = form?.values ?? { restrict: allowed === null ? "false" : "true", destinations: allowedDestinationsText(allowed) };
  return renderPage(
    c,
    `${connection.name} · App Connection`,
    <ProjectShell
      project={project}
      actor={c.get("actor")}
      section="app-connections"
      title={connection.name}
      trail={[{ label: "Integrations" }, { label: "App Connections", href: connectionsUrl(project.id) }, { label: connection.name }]}
      notice={c.req.query("notice")}
    >
      {connection.description ? <p>{connection.description}</p> : null}
      <dl class="config">
        <dt>Available to</dt>
        <dd>{connection.projectId ? "This project" : "All projects"}</dd>
        <dt>Created</dt>
        <dd>
          <Time iso={connection.createdAt} />
        </dd>
      </dl>
      <section aria-labelledby="allowlist-heading">
        <h2 id="allowlist-heading">Allowed destinations</h2>
        <p class="muted">
          Syncs may only write through this connection to the Qovery places listed here, whatever its token can reach. Each sync is
          checked when it is set up and again before every run, so narrowing the list stops syncs that write elsewhere.
        </p>
        {allowed === null ? (
          <p>No restriction: anywhere the token reaches.</p>
        ) : allowed.length ? (
          <ul aria-label="Allowed destinations">
            {allowed.map((entry) => (
              <li>{describeEntry(entry)}</li>
            ))}
          </ul>
        ) : (
          <p>None: no sync can use this connection.</p>
        )}
        {canChangeConnection(actor, connection, "edit") ? (
          <PostForm
            action={`${connectionUrl(project.id, connection.id)}/allowed-destinations`}
            csrf={c.get("csrf")}
            label="Edit the allowed destinations"
          >
            <CheckboxField
              label="Restrict the destinations"
              name="restrict"
              checked={values.restrict === "true"}
              hint="Unchecked: syncs may write anywhere the token reaches."
            />
            <TextArea
              label="Allowed destinations, one per line"
              name="destinations"
              value={values.destinations}
              error={form?.errors.destinations}
              rows={6}
              hint={ALLOWLIST_HINT}
            />
            <SubmitButton busy="Saving…">Save allowed destinations</SubmitButton>
          </PostForm>
        ) : null}
      </section>
    </ProjectShell>,
    status,
  );
}

function describeEntry(entry: AllowedDestination): string {
  if (entry.projectId === undefined) return `Qovery organization "${entry.organizationId}": every project and environment`;
  const place = describePlace({ organizationId: entry.organizationId, projectId: entry.projectId, environmentId: entry.environmentId });
  return entry.environmentId ? place : `${place} and all its environments`;
}

export async function connectionPage(c: ConsoleContext) {
  return renderConnection(c, await loadProject(c));
}

export async function saveAllowedDestinations(c: ConsoleContext) {
  const project = await loadProject(c);
  const values = await readForm(c);
  const parsed = parseAllowlistForm(values.restrict === "true", values.destinations ?? "");
  if (!parsed.ok) return renderConnection(c, project, { values, errors: { destinations: parsed.error } }, 422);
  const connectionId = await connectionInProject(c, project);
  // A refusal of the caller (403) is the console's error page, like any other.
  await connections.updateQoveryConnection(connectionDeps(c), connectionId, { allowedDestinations: parsed.value });
  return c.redirect(connectionUrl(project.id, connectionId, "allowlist-saved"), 303);
}

/** The option lists behind the destination dropdowns, for the console script: the service checks the caller may read them. */
export async function organizationOptions(c: ConsoleContext) {
  const { projectId, connectionId } = c.req.param();
  return c.json({ options: await connections.listConnectionOrganizations(connectionDeps(c), connectionId!, projectId) });
}

export async function projectOptions(c: ConsoleContext) {
  const { projectId, connectionId, organizationId } = c.req.param();
  return c.json({ options: await connections.listConnectionProjects(connectionDeps(c), connectionId!, organizationId!, projectId) });
}

export async function environmentOptions(c: ConsoleContext) {
  const { projectId, connectionId, qoveryProjectId } = c.req.param();
  return c.json({ options: await connections.listConnectionEnvironments(connectionDeps(c), connectionId!, qoveryProjectId!, projectId) });
}
