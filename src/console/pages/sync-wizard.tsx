/**
 * The "Add Sync" wizard of the product document, step by step: select Qovery → Source → Destination → Initial sync
 * behavior → Sync options → Details → Review → the source-of-truth confirmation → the created sync. Everything typed so
 * far travels in hidden fields, so going back, or failing a step, loses nothing. Each step is checked when left with
 * the rules the API applies; creating goes through the API's schema and `createSync`.
 */
import { requireAccess } from "../../auth/context";
import { getQoveryConnection } from "../../connections/service";
import { ApiError } from "../../lib/errors";
import { listFolders } from "../../store/folders";
import { getProject, type PublicProject } from "../../store/projects";
import { createSyncBody } from "../../syncs/schemas";
import * as syncs from "../../syncs/service";
import type { ConsoleContext } from "../context";
import { dbOf, syncDeps } from "../deps";
import { checkDestination, loadDestinationChoices, type DestinationChoices } from "../destination";
import { audit, fieldErrors, readForm } from "../forms";
import { checkDetails, checkOptions, checkSource, type Check } from "../sync-checks";
import { createRequest, defaultSyncForm, fieldOfRequestPath, hiddenFields, OVERWRITE_DESTINATION, readSyncForm, type SyncField, type SyncForm } from "../sync-form";
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
  requireAccess(c.get("auth"), "syncs:write", projectId);
  return getProject(dbOf(c), projectId);
}

const freshForm = (project: PublicProject) => defaultSyncForm(project.environments[0]?.slug ?? "dev");

// ===== Checking a step

async function checkStep(c: ConsoleContext, project: PublicProject, step: StepId, form: SyncForm): Promise<Check & { choices?: DestinationChoices }> {
  switch (step) {
    case "source":
      return checkSource(c, project.id, form);
    case "destination": {
      const { form: withChoices, choices } = await loadDestinationChoices(c, project.id, form);
      return { ...checkDestination(withChoices, choices), choices };
    }
    case "initial-sync":
      return { form, errors: form.initialSyncBehavior === OVERWRITE_DESTINATION ? {} : { initialSyncBehavior: "Overwrite Qovery is the only supported initial sync behavior." } };
    case "options":
      return checkOptions(form);
    case "details":
      return checkDetails(c, project.id, form);
    case "review":
    case "confirm":
      return { form, errors: {} };
  }
}

/** Every step in order; stops at the first step with problems, so the user lands where the first fix is needed. */
async function checkAll(c: ConsoleContext, project: PublicProject, form: SyncForm): Promise<{ step: StepId; check: Check & { choices?: DestinationChoices } } | { form: SyncForm }> {
  let current = form;
  for (const step of STEPS.slice(0, indexOf("review"))) {
    const check = await checkStep(c, project, step.id, current);
    if (Object.keys(check.errors).length) return { step: step.id, check };
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
      const folders = await listFolders(dbOf(c), project.id, { environment: form.environment, path: "/", recursive: true }).catch(() => []);
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
      const connection = await getQoveryConnection(dbOf(c), form.connectionId).catch(() => null);
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
      auth={c.get("auth")}
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
    <ProjectShell project={project} auth={c.get("auth")} section="secret-syncs" title="Add Sync" trail={[{ label: "Integrations" }, { label: "Secret Syncs", href: syncsUrl(project.id) }, { label: "Add Sync" }]}>
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
    if ("step" in all) return renderWizard(c, project, { step: all.step, form: all.check.form, errors: all.check.errors, choices: all.check.choices }, 422);
    return step === "review" ? renderWizard(c, project, { step: "confirm", form: all.form }) : createFromWizard(c, project, all.form);
  }

  const check = await checkStep(c, project, step, form);
  if (Object.keys(check.errors).length) return renderWizard(c, project, { step, form: check.form, errors: check.errors, choices: check.choices }, 422);
  return renderWizard(c, project, { step: STEPS[indexOf(step) + 1]!.id, form: check.form });
}

/** "I Understand": the API's schema, then `createSync`; a refusal sends the user back to the step that can fix it. */
async function createFromWizard(c: ConsoleContext, project: PublicProject, form: SyncForm) {
  const parsed = createSyncBody.safeParse(createRequest(form, project.id));
  const backTo = (errors: FieldErrors, problem?: string) => {
    const first = Object.keys(errors)[0] as SyncField | undefined;
    return renderWizard(c, project, { step: first ? stepOfField(first).id : "review", form, errors, problem }, 422);
  };
  if (!parsed.success) return backTo(fieldErrors(parsed.error.issues, (path) => fieldOfRequestPath(path) ?? "form"));

  let record;
  try {
    record = await syncs.createSync(syncDeps(c), parsed.data);
  } catch (error) {
    if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
    const details = Array.isArray(error.details) ? (error.details as { path: PropertyKey[]; message: string }[]) : [];
    const errors = fieldErrors(details, (path) => fieldOfRequestPath(path) ?? "form");
    delete errors.form;
    return Object.keys(errors).length ? backTo(errors) : backTo({}, `The sync was not created: ${error.message}`);
  }
  const body = parsed.data;
  await audit(c, syncs.syncCreationAudit(body, record.sync.id));
  return c.redirect(syncUrl(project.id, record.sync.id, "sync-created"), 303);
}
