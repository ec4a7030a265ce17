/** Changing a sync (edit) and deleting it, with the remove-secrets choice spelled out before anything happens. */
import type { PublicProject } from "../../store/projects";
import type { SyncRecord } from "../../syncs/repository";
import { updateSyncBody } from "../../syncs/schemas";
import * as syncs from "../../syncs/service";
import type { ConsoleContext } from "../context";
import { syncDeps } from "../deps";
import type { DestinationChoices } from "../destination";
import { loadDestinationChoices } from "../destination";
import { fieldErrors, readForm } from "../forms";
import { describeDestination } from "../sync-status";
import { createRequest, fieldOfRequestPath, readSyncForm, serviceCheck, syncFormOf, type SyncField, type SyncForm } from "../sync-form";
import { syncPageUrl, syncsUrl, syncUrl } from "../urls";
import { CheckboxField, EmptyState, Notice, PostForm, SubmitButton, type FieldErrors } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";
import { DestinationFields, DetailsFields, OptionsFields, SourceFields } from "../ui/sync-fields";
import { syncInProject, syncTrail } from "./sync-detail";
import { checkDestinationStep, checkDetailsStep, checkOptionsStep, checkSourceStep } from "./sync-wizard";

interface EditView {
  form: SyncForm;
  errors?: FieldErrors;
  choices?: DestinationChoices;
  problem?: string;
}

async function renderEdit(c: ConsoleContext, project: PublicProject, record: SyncRecord, view: EditView, status: 200 | 422 = 200) {
  const sync = syncs.publicSync(record);
  let { form, choices } = view;
  if (!choices) ({ form, choices } = await loadDestinationChoices(c, project.id, form));
  const errors = view.errors ?? {};
  return renderPage(
    c,
    `Edit ${sync.name}`,
    <ProjectShell project={project} actor={c.get("actor")} section="secret-syncs" title={`Edit ${sync.name}`} trail={syncTrail(project, sync, "Edit")}>
      {view.problem ? <Notice tone="error">{view.problem}</Notice> : null}
      {Object.keys(errors).length && !view.problem ? <Notice tone="error">Please fix the highlighted fields below.</Notice> : null}
      <PostForm action={syncPageUrl(project.id, sync.id, "edit")} csrf={c.get("csrf")} label={`Edit ${sync.name}`}>
        <input type="hidden" name="initialSyncBehavior" value={form.initialSyncBehavior} />
        <fieldset>
          <legend>Details</legend>
          <DetailsFields form={form} errors={errors} />
          <CheckboxField label="Enabled" name="isEnabled" checked={form.isEnabled} hint="A disabled sync never runs, whatever triggers it." />
        </fieldset>
        <fieldset>
          <legend>Source</legend>
          <SourceFields form={form} errors={errors} project={project} folderPaths={[]} />
        </fieldset>
        <fieldset>
          <legend>Destination</legend>
          <DestinationFields form={form} errors={errors} projectId={project.id} choices={choices} />
        </fieldset>
        <fieldset>
          <legend>Sync options</legend>
          <OptionsFields form={form} errors={errors} />
        </fieldset>
        <div class="actions">
          <SubmitButton busy="Saving…">Save changes</SubmitButton>
          <a href={syncUrl(project.id, sync.id)}>Cancel</a>
        </div>
      </PostForm>
    </ProjectShell>,
    status,
  );
}

const DESTINATION_FIELDS: readonly SyncField[] = ["connectionId", "organizationId", "qoveryProjectId", "qoveryEnvironmentId", "variableType"];

/** The update request's fields whose value the form changed. */
function changedRequest(form: SyncForm, saved: SyncForm, projectId: string): Record<string, unknown> {
  const before = createRequest(saved, projectId);
  const after = createRequest(form, projectId);
  const changed = (key: keyof typeof after) => key !== "projectId" && JSON.stringify(after[key]) !== JSON.stringify(before[key]);
  return Object.fromEntries((Object.keys(after) as (keyof typeof after)[]).filter(changed).map((key) => [key, after[key]]));
}

export async function editSyncPage(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "edit");
  return renderEdit(c, project, record, { form: syncFormOf(syncs.publicSync(record)) });
}

/**
 * The service's checks field by field, so every problem shows next to its field; the source and the destination only
 * when they change, and only what changed is sent, as an API client would (an editor who may not use the sync's
 * connection can still rename it). Then `updateSync`, which checks everything again, saves and audits.
 */
export async function saveSync(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "edit");
  const fields = await readForm(c);
  const saved = syncFormOf(syncs.publicSync(record));
  const posted = readSyncForm(fields, saved);
  // Without the script, "Load the lists" re-renders the form with the lists for the new selection; nothing is saved.
  if (fields.nav === "refresh") return renderEdit(c, project, record, { form: posted });
  const sourceChanged = posted.environment !== saved.environment || posted.secretPath !== saved.secretPath;
  const source = sourceChanged ? await checkSourceStep(c, project.id, posted, "edit") : { form: posted, errors: {} };
  const details = await checkDetailsStep(c, project.id, source.form, record.sync.id);
  const options = await checkOptionsStep(details.form);
  const destinationChanged = DESTINATION_FIELDS.some((field) => options.form[field] !== saved[field]);
  const destination = destinationChanged ? await checkDestinationStep(c, project.id, options.form) : { form: options.form, errors: {} };
  const { form, choices } = destination;
  const errors = { ...source.errors, ...details.errors, ...options.errors, ...destination.errors };
  if (Object.keys(errors).length || destination.problem) {
    return renderEdit(c, project, record, { form, errors, choices, problem: destination.problem }, 422);
  }

  const parsed = updateSyncBody.safeParse(changedRequest(form, saved, project.id));
  if (!parsed.success) {
    const fieldsOfIssues = fieldErrors(parsed.error.issues, (path) => fieldOfRequestPath(path) ?? "form");
    return renderEdit(c, project, record, { form, errors: fieldsOfIssues, choices }, 422);
  }
  const refused = await serviceCheck("form", () => syncs.updateSync(syncDeps(c), record.sync.id, parsed.data));
  if (refused.form) return renderEdit(c, project, record, { form, choices, problem: `The sync was not saved: ${refused.form}` }, 422);
  if (Object.keys(refused).length) return renderEdit(c, project, record, { form, choices, errors: refused }, 422);
  return c.redirect(syncUrl(project.id, record.sync.id, "sync-updated"), 303);
}

export async function deleteSyncPage(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "delete");
  const sync = syncs.publicSync(record);
  const written = await syncs.writtenKeys(syncDeps(c), sync.id);
  const place = `Qovery ${describeDestination(sync.destinationConfig)}`;
  return renderPage(
    c,
    `Delete ${sync.name}`,
    <ProjectShell project={project} actor={c.get("actor")} section="secret-syncs" title={`Delete ${sync.name}`} trail={syncTrail(project, sync, "Delete")}>
      <PostForm action={syncPageUrl(project.id, sync.id, "delete")} csrf={c.get("csrf")} label={`Delete ${sync.name}`}>
        <section class="dialog" aria-labelledby="delete-heading">
          <h2 id="delete-heading">
            Delete the sync “{sync.name}”?
          </h2>
          <p>The sync, its configuration and its run history are deleted. Its secrets in {project.name} are not touched.</p>
          <fieldset>
            <legend>What happens to the keys it wrote to {place}?</legend>
            <div class="check">
              <input type="radio" id="keep-secrets" name="removeSecrets" value="false" checked />
              <label for="keep-secrets">
                Keep them in Qovery
                <span class="hint">The sync is deleted now; the keys stay in Qovery and nothing manages them any more.</span>
              </label>
            </div>
            <div class="check">
              <input type="radio" id="remove-secrets" name="removeSecrets" value="true" />
              <label for="remove-secrets">
                Remove them from Qovery first
                <span class="hint">The keys below are deleted from Qovery, then the sync is deleted. If the removal fails, the sync stays so you can retry.</span>
              </label>
            </div>
          </fieldset>
          <h3>Keys this sync wrote ({written.length})</h3>
          {written.length ? (
            <ul class="keys">
              {written.map((key) => (
                <li>
                  <code>{key}</code>
                </li>
              ))}
            </ul>
          ) : (
            <EmptyState>None: this sync has not written anything to Qovery.</EmptyState>
          )}
          <div class="actions">
            <SubmitButton kind="danger" busy="Deleting…">
              Delete {sync.name}
            </SubmitButton>
            <a href={syncUrl(project.id, sync.id)}>Cancel</a>
          </div>
        </section>
      </PostForm>
    </ProjectShell>,
  );
}

export async function deleteSync(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "delete");
  const removeSecrets = (await readForm(c)).removeSecrets === "true";
  const { removalQueued } = await syncs.deleteSync(syncDeps(c), record.sync.id, removeSecrets);
  return c.redirect(removalQueued ? syncUrl(project.id, record.sync.id, "delete-queued") : syncsUrl(project.id, "sync-deleted"), 303);
}
