/**
 * Early, per-field checks of a sync form with the rules `createSync`/`updateSync` apply, so a step (or the edit
 * form) shows each problem next to its field before anything is submitted to the service.
 */
import { description as descriptionSchema } from "../http/schemas";
import { InvalidPathError, normalizePath } from "../store/paths";
import { loadProjectTree } from "../store/project-tree";
import { keySchemaProblemFor } from "../syncs/key-schema";
import { syncNameTaken } from "../syncs/repository";
import { syncName } from "../syncs/schemas";
import type { ConsoleContext } from "./context";
import { dbOf } from "./deps";
import { keySchemaOf, type SyncForm } from "./sync-form";
import type { FieldErrors } from "./ui/components";

export interface Check {
  form: SyncForm;
  errors: FieldErrors;
}

export async function checkSource(c: ConsoleContext, projectId: string, form: SyncForm): Promise<Check> {
  const errors: FieldErrors = {};
  const tree = await loadProjectTree(dbOf(c), projectId);
  const environment = tree.environmentBySlug(form.environment);
  if (!environment) errors.environment = "Choose one of the project's environments.";
  let secretPath = form.secretPath;
  try {
    secretPath = normalizePath(form.secretPath);
  } catch (error) {
    if (!(error instanceof InvalidPathError)) throw error;
    errors.secretPath = error.message;
  }
  if (environment && !errors.secretPath && !tree.folderAt(environment.id, secretPath)) {
    errors.secretPath = `There is no folder ${secretPath} in ${environment.name}. Create it on the Secrets page, or choose another path.`;
  }
  return { form: { ...form, secretPath }, errors };
}

export function checkOptions(form: SyncForm): Check {
  const keySchema = keySchemaOf(form);
  const problem = keySchema ? keySchemaProblemFor(keySchema, form.environment) : null;
  return { form, errors: problem ? { keyPrefix: problem } : {} };
}

/** `exceptSyncId`: the sync being edited keeps its own name. */
export async function checkDetails(c: ConsoleContext, projectId: string, form: SyncForm, exceptSyncId?: string): Promise<Check> {
  const errors: FieldErrors = {};
  const name = syncName.safeParse(form.name);
  if (!name.success) errors.name = name.error.issues[0]!.message;
  else if (await syncNameTaken(dbOf(c), projectId, name.data, exceptSyncId)) errors.name = `A sync named "${name.data}" already exists in this project.`;
  const description = descriptionSchema.safeParse(form.description);
  if (!description.success) errors.description = description.error.issues[0]!.message;
  return { form: { ...form, name: name.success ? name.data : form.name }, errors };
}
