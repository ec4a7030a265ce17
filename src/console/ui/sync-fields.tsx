/**
 * The fields of a Qovery sync, grouped as the product document's "Add Sync" steps present them, with their tips and
 * notes. The wizard shows one group per step; the edit page shows them together.
 */
import type { FC } from "hono/jsx";
import type { PublicProject } from "../../store/projects";
import type { DestinationChoices, OptionList } from "../destination";
import { keySchemaOf, OVERWRITE_DESTINATION, type SyncForm } from "../sync-form";
import { connectionsUrl, destinationOptionUrls, secretsUrl } from "../urls";
import { Callout, CheckboxField, SelectField, TextArea, TextField, type FieldErrors } from "./components";
import { PRODUCT_NAME } from "./layout";

interface GroupProps {
  form: SyncForm;
  errors: FieldErrors;
}

export const HiddenFields: FC<{ fields: [string, string][] }> = ({ fields }) => (
  <>
    {fields.map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
  </>
);

export const SourceFields: FC<GroupProps & { project: PublicProject; folderPaths: string[] }> = ({ form, errors, project, folderPaths }) => (
  <>
    <SelectField
      label="Environment"
      name="environment"
      value={form.environment}
      error={errors.environment}
      options={project.environments.map((e) => ({ value: e.slug, label: `${e.name} (${e.slug})` }))}
      hint="The project environment to retrieve secrets from."
      required
    />
    <TextField
      label="Secret Path"
      name="secretPath"
      value={form.secretPath}
      error={errors.secretPath}
      hint="The folder path to retrieve secrets from, for example / or /app."
      required
      extra={{ list: "folder-paths" }}
    />
    <datalist id="folder-paths">
      {folderPaths.map((path) => (
        <option value={path} />
      ))}
    </datalist>
    <Callout kind="tip" title="Tip">
      <p>
        If you need to sync secrets from multiple folder locations, check out secret imports: a folder that imports other folders syncs their secrets too.
        Each folder's imports are listed on the <a href={secretsUrl(project.id, form.environment || project.environments[0]?.slug || "dev", form.secretPath || "/")}>Secrets</a>{" "}
        page.
      </p>
    </Callout>
  </>
);

const optionsOf = (list: OptionList | undefined) => (list?.options ?? []).map((o) => ({ value: o.id, label: o.name }));

export const DestinationFields: FC<GroupProps & { projectId: string; choices: DestinationChoices }> = ({ form, errors, projectId, choices }) => {
  const urls = destinationOptionUrls(projectId);
  return (
    <div data-destination data-organizations-url={urls.organizations} data-projects-url={urls.projects} data-environments-url={urls.environments}>
      <SelectField
        label="Qovery Connection"
        name="connectionId"
        value={form.connectionId}
        error={errors.connectionId ?? choices.connections.error}
        options={optionsOf(choices.connections)}
        placeholder={choices.connections.options.length ? "Select a connection" : "No connection yet"}
        hint={
          <>
            The Qovery App Connection to authenticate with. <a href={connectionsUrl(projectId)}>Manage connections</a>
          </>
        }
        required
      />
      <SelectField
        label="Organization"
        name="organizationId"
        value={form.organizationId}
        error={errors.organizationId ?? choices.organizations?.error}
        options={optionsOf(choices.organizations)}
        placeholder="Select an organization"
        hint="The organization inside Qovery."
        liveError="organization"
        required
      />
      <SelectField
        label="Project"
        name="qoveryProjectId"
        value={form.qoveryProjectId}
        error={errors.qoveryProjectId ?? choices.projects?.error}
        options={optionsOf(choices.projects)}
        placeholder="Select a project"
        hint="The Qovery project to sync secrets to."
        liveError="project"
        required
      />
      <SelectField
        label="Environment (optional)"
        name="qoveryEnvironmentId"
        value={form.qoveryEnvironmentId}
        error={errors.qoveryEnvironmentId ?? choices.environments?.error}
        options={optionsOf(choices.environments)}
        placeholder="None: sync at the project level"
        hint="The environment to sync secrets to. Leave empty to sync at the project level, or select an environment to sync at the environment level."
        liveError="environment"
      />
      <p class="no-js-only">
        <button type="submit" class="secondary" name="nav" value="refresh" formnovalidate>
          Load the lists for this selection
        </button>
      </p>
    </div>
  );
};

export const InitialSyncFields: FC<GroupProps> = ({ form, errors }) => (
  <>
    <fieldset>
      <legend>Initial Sync Behavior</legend>
      <div class="check">
        <input
          type="radio"
          id="initial-overwrite"
          name="initialSyncBehavior"
          value={OVERWRITE_DESTINATION}
          checked={form.initialSyncBehavior === OVERWRITE_DESTINATION}
          aria-describedby="initial-overwrite-hint"
          required
        />
        <label for="initial-overwrite">
          Overwrite Qovery
          <span class="hint" id="initial-overwrite-hint">
            On the initial sync, {PRODUCT_NAME} writes its secrets to Qovery. Depending on your configuration, this can lead to removal of secrets from Qovery.
          </span>
        </label>
      </div>
      {errors.initialSyncBehavior ? <p class="error-text">{errors.initialSyncBehavior}</p> : null}
    </fieldset>
    <Callout kind="note" title="Note">
      <p>Qovery does not support importing secrets, as the Qovery API never returns secret values. Overwrite is the only supported initial sync behavior.</p>
    </Callout>
  </>
);

export const OptionsFields: FC<GroupProps> = ({ form, errors }) => (
  <>
    <CheckboxField
      label="Disable secret deletion"
      name="disableSecretDeletion"
      checked={form.disableSecretDeletion}
      hint={`If enabled, ${PRODUCT_NAME} will not remove secrets from Qovery during a sync. Enable this if you intend to manage some secrets manually outside of ${PRODUCT_NAME}.`}
    />
    <CheckboxField
      label="Auto-sync on changes"
      name="autoSyncEnabled"
      checked={form.autoSyncEnabled}
      hint="If enabled, secrets will automatically be synced to Qovery when changes occur in the source. Disable to enforce manual syncing only."
    />
    <fieldset data-key-preview data-environment={form.environment}>
      <legend>Customize key names</legend>
      <p class="hint">
        Add a prefix or suffix so {PRODUCT_NAME} can identify which keys in Qovery it manages. Anything else is left untouched. Letters, digits and underscores;{" "}
        <code>{"{{environment}}"}</code> stands for the source environment's slug.
      </p>
      <div class="row">
        <TextField label="Key prefix" name="keyPrefix" value={form.keyPrefix} error={errors.keyPrefix} placeholder="APP_" />
        <TextField label="Key suffix" name="keySuffix" value={form.keySuffix} error={errors.keySuffix} />
      </div>
      <p aria-live="polite">
        A secret <code>DATABASE_URL</code> is written to Qovery as{" "}
        <code data-key-preview-output>{`${form.keyPrefix.trim()}DATABASE_URL${form.keySuffix.trim()}`.split("{{environment}}").join(form.environment)}</code>.
      </p>
    </fieldset>
    <div class="check">
      <input type="hidden" name="variableType" value="secret" />
      <input type="checkbox" id="variableType" name="variableType" value="variable" checked={form.variableType === "variable"} aria-describedby="variableType-hint" />
      <label for="variableType">
        Sync as environment variables
        <span class="hint" id="variableType-hint">
          When enabled, values are written as Qovery environment variables, whose values are readable. When disabled, they are written as environment secrets, whose values
          are hidden.
        </span>
      </label>
    </div>
    <Callout kind="note" title="Note">
      <p>We highly recommend customizing key names to ensure that {PRODUCT_NAME} only manages the specific keys you intend, keeping everything else untouched.</p>
    </Callout>
  </>
);

export const DetailsFields: FC<GroupProps> = ({ form, errors }) => (
  <>
    <TextField
      label="Name"
      name="name"
      value={form.name}
      error={errors.name}
      required
      hint="The name of your sync. Must be slug-friendly: lowercase letters, numbers and single hyphens between them, e.g. backend-production."
      extra={{ "data-slug-check": "", "data-slug-feedback": "sync-name-feedback", "data-slug-max": "256" }}
      feedbackId="sync-name-feedback"
    />
    <TextArea label="Description (optional)" name="description" value={form.description} error={errors.description} hint="An optional description for your sync." rows={2} />
  </>
);

const yesNo = (value: boolean) => (value ? "Yes" : "No");

/** The configuration as a reader checks it: the review step and the sync's own page. */
export const SyncSummary: FC<{ form: SyncForm; connectionName: string }> = ({ form, connectionName }) => {
  const keySchema = keySchemaOf(form);
  return (
    <dl class="config">
      <dt>Source environment</dt>
      <dd>{form.environment}</dd>
      <dt>Secret path</dt>
      <dd>
        <code>{form.secretPath}</code>
      </dd>
      <dt>Qovery connection</dt>
      <dd>{connectionName}</dd>
      <dt>Organization</dt>
      <dd>{form.organizationName || form.organizationId}</dd>
      <dt>Project</dt>
      <dd>{form.qoveryProjectName || form.qoveryProjectId}</dd>
      <dt>Environment</dt>
      <dd>{form.qoveryEnvironmentId ? form.qoveryEnvironmentName || form.qoveryEnvironmentId : "None: synced at the project level"}</dd>
      <dt>Initial sync behavior</dt>
      <dd>Overwrite Qovery</dd>
      <dt>Disable secret deletion</dt>
      <dd>{yesNo(form.disableSecretDeletion)}</dd>
      <dt>Auto-sync on changes</dt>
      <dd>{yesNo(form.autoSyncEnabled)}</dd>
      <dt>Key names</dt>
      <dd>{keySchema ? <code>{keySchema}</code> : "As in the source (no prefix or suffix)"}</dd>
      <dt>Synced as</dt>
      <dd>{form.variableType === "variable" ? "Environment variables (values readable in Qovery)" : "Environment secrets (values hidden in Qovery)"}</dd>
      <dt>Name</dt>
      <dd>{form.name}</dd>
      <dt>Description</dt>
      <dd>{form.description || <span class="muted">none</span>}</dd>
    </dl>
  );
};
