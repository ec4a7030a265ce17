/**
 * The "Add Sync" wizard of the product document, step by step: select Qovery → Source → Destination → Initial sync
 * behavior → Sync options → Details → Review → the source-of-truth confirmation → the created sync. Everything typed so
 * far travels in hidden fields, so going back, or failing a step, loses nothing. Each step is checked when left by
 * the service's own checks for that group of fields, whose messages show next to the fields; creating goes through
 * the API's schema and `createSync`, which checks everything again.
 */
import { getQoveryConnection } from "../../connections/service";
import { description as descriptionSchema } from "../../lib/schemas";
import { listReadableFolders } from "../../store/folders";
import { readProject, type PublicProject } from "../../store/projects";
import { createSyncBody, syncName, syncOptionsSchema } from "../../syncs/schemas";
import * as syncs from "../../syncs/service";
import type { ConsoleContext } from "../context";
import { connectionDeps, storeAs, syncDeps } from "../deps";
import { checkDestination, loadDestinationChoices, type DestinationChoices } from "../destination";
import { fieldErrors, readForm } from "../forms";
import {
  createRequest,
  defaultSyncForm,
  destinationOf,
  fieldOfRequestPath,
  hiddenFields,
  keySchemaOf,
  parseField,
  readSyncForm,
  serviceCheck,
  type SyncField,
  type SyncForm,
} from "../sync-form";
import { newSyncUrl, syncsUrl, syncUrl, wizardUrl } from "../urls";
import { Notice, PostForm, SubmitButton, type FieldErrors } from "../ui/components";
import { PRODUCT_NAME, renderPage } from "../ui/layout";
import { ProjectShell } from "../ui/project-shell";
import { DestinationFields, DetailsFields, HiddenFields, InitialSyncFields, OptionsFields, SourceFields, SyncSummary } from "../ui/sync-fields";

type StepId = "source" | "destination" | "initial-sync" | "options" | "details" | "review" | "confirm";

interface Step {
  id: StepId;
  /** the stepper's label */
  label: string;
  heading: string;
  intro: string;
  fields: SyncField[];
}

const STEPS: Step[] = [
  { id: "source", label: "Source", heading: "Configure source", intro: "Configure the Source from where secrets should be retrieved, then click Continue.", fields: ["environment", "secretPath"] },
  {
    id: "destination",
    label: "Destination",
    heading: "Configure destination",
    intro: "Configure the Destination to where secrets should be deployed, then click Continue.",
    fields: ["connectionId", "organizationId", "qoveryProjectId", "qoveryEnvironmentId"],
  },
  {
    id: "initial-sync",
    label: "Initial Sync Behavior",
    heading: "Configure initial sync behavior",
    intro: `Choose how ${PRODUCT_NAME} should reconcile existing secrets in Qovery the first time this sync runs, then click Continue.`,
    fields: ["initialSyncBehavior"],
  },
  {
    id: "options",
    label: "Sync Options",
    heading: "Configure sync options",
    intro: "Configure the Sync Options to specify how secrets should be synced, then click Continue.",
    fields: ["disableSecretDeletion", "autoSyncEnabled", "keyPrefix", "keySuffix", "variableType"],
  },
  { id: "details", label: "Details", heading: "Configure details", intro: "Configure the Details of your Qovery Sync, then click Continue.", fields: ["name", "description"] },
  { id: "review", label: "Review", heading: "Review and create", intro: "Review your Qovery Sync configuration, then click Create Sync.", fields: [] },
  {
    id: "confirm",
    label: "Review",
    heading: "Confirm sync behavior",
    intro: `${PRODUCT_NAME} is the source of truth for synced destinations. Secrets in the destination will be overwritten, and any direct edits there may be overwritten by future syncs. Click I Understand to confirm.`,
    fields: [],
  },
];

const stepById = (id: string | undefined) => STEPS.find((s) => s.id === id) ?? STEPS[0]!;
const indexOf = (id: StepId) => STEPS.findIndex((s) => s.id === id);
const stepOfField = (field: SyncField) => STEPS.find((s) => s.fields.includes(field)) ?? stepById("review");

async function loadProjectForWizard(c: ConsoleContext): Promise<PublicProject> {
  const projectId = c.req.param("projectId")!;
  syncs.assertCanCreateSyncs(syncDeps(c), projectId);
  return readProject(storeAs(c), projectId);
}

const freshForm = (project: PublicProject) => defaultSyncForm(project.environments[0]?.slug ?? "dev");

// ===== Checking a step

interface Check {
  form: SyncForm;
  errors: FieldErrors;
  choices?: DestinationChoices;
  /** a refusal that belongs to no single field */
  problem?: string;
}

/** Source, name and key schema, by the service's checks; the wizard (create) and the edit page (edit) share them. */
export async function checkSourceStep(c: ConsoleContext, projectId: string, form: SyncForm, action: "create" | "edit"): Promise<Check> {
  const path = parseField("secretPath", createSyncBody.shape.secretPath, form.secretPath);
  if (path.value === undefined) return { form, errors: path.errors };
  const errors = await serviceCheck("secretPath", () => syncs.checkSyncSource(syncDeps(c), projectId, form.environment, path.value, action));
  return { form: { ...form, secretPath: path.value }, errors };
}

export async function checkDetailsStep(c: ConsoleContext, projectId: string, form: SyncForm, exceptSyncId?: string): Promise<Check> {
  const name = parseField("name", syncName, form.name);
  const description = parseField("description", descriptionSchema, form.description);
  const free = (value: string) => serviceCheck("name", () => syncs.checkSyncName(syncDeps(c), projectId, value, exceptSyncId));
  const taken = name.value === undefined ? {} : await free(name.value);
  return { form: { ...form, name: name.value ?? form.name }, errors: { ...name.errors, ...taken, ...description.errors } };
}

export async function checkOptionsStep(form: SyncForm): Promise<Check> {
  return { form, errors: await serviceCheck("keyPrefix", () => syncs.checkKeySchema({ keySchema: keySchemaOf(form) }, form.environment)) };
}

/** The lists' choices, then the service's: may the caller use the connection here, and does it allow the destination? */
export async function checkDestinationStep(c: ConsoleContext, projectId: string, form: SyncForm): Promise<Check> {
  const { form: withChoices, choices } = await loadDestinationChoices(c, projectId, form);
  const listed = checkDestination(withChoices, choices);
  if (Object.keys(listed.errors).length) return { ...listed, choices };
  const destination = destinationOf(listed.form);
  const usable = await serviceCheck("form", () => syncs.checkSyncConnection(syncDeps(c), projectId, form.connectionId, destination));
  return { ...listed, choices, problem: usable.form, errors: {} };
}

async function checkStep(c: ConsoleContext, project: PublicProject, step: StepId, form: SyncForm): Promise<Check> {
  switch (step) {
    case "source":
      return checkSourceStep(c, project.id, form, "create");
    case "destination":
      return checkDestinationStep(c, project.id, form);
    case "initial-sync":
      return { form, ...parseField("initialSyncBehavior", syncOptionsSchema.shape.initialSyncBehavior, form.initialSyncBehavior) };
    case "options":
      return checkOptionsStep(form);
    case "details":
      return checkDetailsStep(c, project.id, form);
    case "review":
    case "confirm":
      return { form, errors: {} };
  }
}

const failed = (check: Check) => Object.keys(check.errors).length > 0 || check.problem !== undefined;

/** Every step in order; stops at the first step with problems, so the user lands where the first fix is needed. */
type CheckedForm = { step: StepId; check: Check } | { form: SyncForm };

async function checkAll(c: ConsoleContext, project: PublicProject, form: SyncForm): Promise<CheckedForm> {
  let current = form;
  for (const step of STEPS.slice(0, indexOf("review"))) {
    const check = await checkStep(c, project, step.id, current);
    if (failed(check)) return { step: step.id, check };
    current = check.form;
  }
  return { form: current };
}

// ===== Rendering

function Stepper({ current }: { current: StepId }) {
  const at = Math.min(indexOf(current), indexOf("review"));
  return (
    <ol class="steps" aria-label="Steps">
      {STEPS.slice(0, indexOf("review") + 1).map((step, i) => (
        <li class={i < at ? "done" : undefined} aria-current={i === at ? "step" : undefined}>
          {step.label}
          {i < at ? <span class="visually-hidden"> (done)</span> : null}
        </li>
      ))}
    </ol>
  );
}

interface WizardView {
  step: StepId;
  form: SyncForm;
  errors?: FieldErrors;
  choices?: DestinationChoices;
  /** a failure that belongs to no single field */
  problem?: string;
}

async function renderWizard(c: ConsoleContext, project: PublicProject, view: WizardView, status: 200 | 422 = 200) {
  const step = stepById(view.step);
  let form = view.form;
  const errors = view.errors ?? {};
  let fields;
  switch (step.id) {
    case "source": {
      // Only the folders the caller may see (none without a folder read rule); the path field takes any other.
      const where = { environment: form.environment, path: "/", recursive: true };
      const folders = await listReadableFolders(storeAs(c), project.id, where).catch(() => []);
      fields = <SourceFields form={form} errors={errors} project={project} folderPaths={["/", ...folders.map((f) => f.path)]} />;
      break;
    }
    case "destination": {
      let choices = view.choices;
      if (!choices) ({ form, choices } = await loadDestinationChoices(c, project.id, form));
      fields = <DestinationFields form={form} errors={errors} projectId={project.id} choices={choices} />;
      break;
    }
    case "initial-sync":
      fields = <InitialSyncFields form={form} errors={errors} />;
      break;
    case "options":
      fields = <OptionsFields form={form} errors={errors} />;
      break;
    case "details":
      fields = <DetailsFields form={form} errors={errors} />;
      break;
    case "confirm":
      fields = null;
      break;
    case "review": {
      const connection = await getQoveryConnection(connectionDeps(c), form.connectionId, project.id).catch(() => null);
      fields = (
        <>
          <SyncSummary form={form} connectionName={connection?.name ?? form.connectionId} />
          <div class="actions">
            {STEPS.slice(0, indexOf("review")).map((s) => (
              <button type="submit" class="secondary" name="nav" value={`goto:${s.id}`} formnovalidate>
                Edit {s.label.toLowerCase()}
              </button>
            ))}
          </div>
        </>
      );
      break;
    }
  }

  const confirming = step.id === "confirm";
  return renderPage(
    c,
    `Add Qovery Sync · ${step.label}`,
    <ProjectShell
      project={project}
      actor={c.get("actor")}
      section="secret-syncs"
      title="Add Qovery Sync"
      trail={[{ label: "Integrations" }, { label: "Secret Syncs", href: syncsUrl(project.id) }, { label: "Add Sync" }]}
    >
      <Stepper current={step.id} />
      {view.problem ? <Notice tone="error">{view.problem}</Notice> : null}
      {Object.keys(errors).length && !view.problem ? <Notice tone="error">Please fix the highlighted fields below.</Notice> : null}
      <PostForm action={wizardUrl(project.id)} csrf={c.get("csrf")} label={step.heading}>
        <input type="hidden" name="step" value={step.id} />
        <HiddenFields fields={hiddenFields(form, step.fields)} />
        {confirming ? (
          <section class="dialog" role="alertdialog" aria-labelledby="confirm-heading" aria-describedby="confirm-text">
            <h2 id="confirm-heading">{step.heading}</h2>
            <p id="confirm-text">{step.intro}</p>
            <div class="actions">
              <SubmitButton name="nav" value="next" busy="Creating the sync…">
                I Understand
              </SubmitButton>
              <button type="submit" class="secondary" name="nav" value="back" formnovalidate>
                Back
              </button>
            </div>
          </section>
        ) : (
          <>
            <h2>{step.heading}</h2>
            <p class="muted">{step.intro}</p>
            {fields}
            <div class="actions">
              <SubmitButton name="nav" value="next" busy="Checking…">
                {step.id === "review" ? "Create Sync" : "Continue"}
              </SubmitButton>
              {step.id === "source" ? (
                <a class="button secondary" href={newSyncUrl(project.id)}>
                  Back
                </a>
              ) : (
                <button type="submit" class="secondary" name="nav" value="back" formnovalidate>
                  Back
                </button>
              )}
              <a href={syncsUrl(project.id)}>Cancel</a>
            </div>
          </>
        )}
      </PostForm>
    </ProjectShell>,
    status,
  );
}

// ===== Handlers

/** Step "Select 'Qovery'": the destinations this service can sync to. */
export async function chooseDestination(c: ConsoleContext) {
  const project = await loadProjectForWizard(c);
  return renderPage(
    c,
    "Add Sync",
    <ProjectShell project={project} actor={c.get("actor")} section="secret-syncs" title="Add Sync" trail={[{ label: "Integrations" }, { label: "Secret Syncs", href: syncsUrl(project.id) }, { label: "Add Sync" }]}>
      <h2>Select a destination</h2>
      <p class="muted">Choose where this project's secrets should be synced to.</p>
      <ul class="plain" aria-label="Destinations">
        <li>
          <a class="button choice" href={wizardUrl(project.id)}>
            <span class="logo" aria-hidden="true">
              Q
            </span>
            <span>
              <strong>Qovery</strong>
              <br />
              <span class="muted">Project or environment secrets and variables</span>
            </span>
          </a>
        </li>
      </ul>
    </ProjectShell>,
  );
}

export async function startWizard(c: ConsoleContext) {
  const project = await loadProjectForWizard(c);
  return renderWizard(c, project, { step: "source", form: freshForm(project) });
}

export async function advanceWizard(c: ConsoleContext) {
  const project = await loadProjectForWizard(c);
  const posted = await readForm(c);
  const step = stepById(posted.step).id;
  const form = readSyncForm(posted, freshForm(project));
  const nav = posted.nav ?? "next";

  if (nav === "back") return renderWizard(c, project, { step: STEPS[Math.max(0, indexOf(step) - 1)]!.id, form });
  if (nav.startsWith("goto:")) return renderWizard(c, project, { step: stepById(nav.slice("goto:".length)).id, form });
  if (nav === "refresh") return renderWizard(c, project, { step, form });

  if (step === "review" || step === "confirm") {
    const all = await checkAll(c, project, form);
    if ("step" in all) return renderWizard(c, project, { step: all.step, ...all.check }, 422);
    return step === "review" ? renderWizard(c, project, { step: "confirm", form: all.form }) : createFromWizard(c, project, all.form);
  }

  const check = await checkStep(c, project, step, form);
  if (failed(check)) return renderWizard(c, project, { step, ...check }, 422);
  return renderWizard(c, project, { step: STEPS[indexOf(step) + 1]!.id, form: check.form });
}

/** "I Understand": the API's schema, then `createSync` (which audits); a refusal sends the user back to the step that can fix it. */
async function createFromWizard(c: ConsoleContext, project: PublicProject, form: SyncForm) {
  const parsed = createSyncBody.safeParse(createRequest(form, project.id));
  const backTo = (errors: FieldErrors, problem?: string) => {
    const first = Object.keys(errors)[0] as SyncField | undefined;
    return renderWizard(c, project, { step: first ? stepOfField(first).id : "review", form, errors, problem }, 422);
  };
  if (!parsed.success) return backTo(fieldErrors(parsed.error.issues, (path) => fieldOfRequestPath(path) ?? "form"));

  let syncId = "";
  const errors = await serviceCheck("form", async () => void (syncId = (await syncs.createSync(syncDeps(c), parsed.data)).sync.id));
  if (errors.form) return backTo({}, `The sync was not created: ${errors.form}`);
  if (Object.keys(errors).length) return backTo(errors);
  return c.redirect(syncUrl(project.id, syncId, "sync-created"), 303);
}
