/** Changing a sync (edit) and deleting it, with the remove-secrets choice spelled out before anything happens. */
import { ApiError } from "../../lib/errors";
import type { PublicProject } from "../../store/projects";
import { ledgerOfSync, type SyncRecord } from "../../syncs/repository";
import { updateSyncBody } from "../../syncs/schemas";
import * as syncs from "../../syncs/service";
import type { ConsoleContext } from "../context";
import { dbOf, syncDeps } from "../deps";
import { checkDestination, loadDestinationChoices, type DestinationChoices } from "../destination";
import { audit, fieldErrors, readForm } from "../forms";
import { checkDetails, checkOptions, checkSource } from "../sync-checks";
import { describeDestination } from "../sync-status";
import { createRequest, fieldOfRequestPath, readSyncForm, syncFormOf, type SyncForm } from "../sync-form";
import { syncPageUrl, syncsUrl, syncUrl } from "../urls";
import { CheckboxField, EmptyState, Notice, PostForm, SubmitButton, type FieldErrors } from "../ui/components";
import { renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";
import { DestinationFields, DetailsFields, OptionsFields, SourceFields } from "../ui/sync-fields";
import { syncInProject, syncTrail } from "./sync-detail";

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
    <ProjectShell project={project} auth={c.get("auth")} section="secret-syncs" title={`Edit ${sync.name}`} trail={syncTrail(project, sync, "Edit")}>
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

export async function editSyncPage(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "syncs:write");
  return renderEdit(c, project, record, { form: syncFormOf(syncs.publicSync(record)) });
}

export async function saveSync(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "syncs:write");
  const fields = await readForm(c);
  const posted = readSyncForm(fields, syncFormOf(syncs.publicSync(record)));
  // Without the script, "Load the lists" re-renders the form with the lists for the new selection; nothing is saved.
  if (fields.nav === "refresh") return renderEdit(c, project, record, { form: posted });
  const source = await checkSource(c, project.id, posted);
  const details = await checkDetails(c, project.id, source.form, record.sync.id);
  const options = checkOptions(details.form);
  const loaded = await loadDestinationChoices(c, project.id, options.form);
  const destination = checkDestination(loaded.form, loaded.choices);
  const form = destination.form;
  const errors = { ...source.errors, ...details.errors, ...options.errors, ...destination.errors };
  if (Object.keys(errors).length) return renderEdit(c, project, record, { form, errors, choices: loaded.choices }, 422);

  const { projectId: _project, ...request } = createRequest(form, project.id);
  const parsed = updateSyncBody.safeParse(request);
  if (!parsed.success) return renderEdit(c, project, record, { form, errors: fieldErrors(parsed.error.issues, (path) => fieldOfRequestPath(path) ?? "form"), choices: loaded.choices }, 422);
  try {
    await syncs.updateSync(syncDeps(c), record, parsed.data);
  } catch (error) {
    if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
    return renderEdit(c, project, record, { form, choices: loaded.choices, problem: `The sync was not saved: ${error.message}` }, 422);
  }
  await audit(c, { action: "secret-sync.update", projectId: project.id, targetType: "secret-sync", targetId: record.sync.id, metadata: { fields: Object.keys(parsed.data) } });
  return c.redirect(syncUrl(project.id, record.sync.id, "sync-updated"), 303);
}

export async function deleteSyncPage(c: ConsoleContext) {
  const { project, record } = await syncInProject(c, "syncs:write");
  const sync = syncs.publicSync(record);
  const written = (await ledgerOfSync(dbOf(c), sync.id)).map((entry) => entry.destinationKey).sort();
  const place = `Qovery ${describeDestination(sync.destinationConfig)}`;
  return renderPage(
    c,
    `Delete ${sync.name}`,
    <ProjectShell project={project} auth={c.get("auth")} section="secret-syncs" title={`Delete ${sync.name}`} trail={syncTrail(project, sync, "Delete")}>
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
  const { project, record } = await syncInProject(c, "syncs:write");
  const removeSecrets = (await readForm(c)).removeSecrets === "true";
  const { removalQueued } = await syncs.deleteSync(syncDeps(c), record, removeSecrets);
  await audit(c, {
    action: removalQueued ? "secret-sync.delete-after-remove" : "secret-sync.delete",
    projectId: project.id,
    targetType: "secret-sync",
    targetId: record.sync.id,
    metadata: { name: record.sync.name, removeSecrets },
  });
  return c.redirect(removalQueued ? syncUrl(project.id, record.sync.id, "delete-queued") : syncsUrl(project.id, "sync-deleted"), 303);
}
