/**
 * The store's access checks, on top of the actor's rules: where a secret, folder or import "is" for a rule's
 * `environment` and `secretPath` conditions, the refusals only the store raises, and per-location checks memoised for
 * one read (a listing asks the same question for every secret of a folder).
 *
 * Locations follow Infisical: a secret is at its folder's path; a folder and an import are at the path of the folder
 * that holds them (a folder's parent, an import's destination).
 */
import { canOnAnyIn, type Actor } from "../access/actor";
import { permissionDenied } from "../access/denial";
import { can as allows } from "../access/evaluate";
import type { ProjectAction, ProjectSubject } from "../access/rules";
import { ApiError } from "../lib/errors";
import type { ReadCheck, SecretLocation } from "./references";

/** The fields a secret, folder or import rule's conditions are matched against. */
export interface FolderFields {
  environment: string;
  secretPath: string;
}

export const fieldsAt = (environment: string, secretPath: string): FolderFields => ({ environment, secretPath });

/**
 * Refuses, before anything is looked up, when no rule could allow `action` on any `subject` in the project (no rules
 * there at all included): the answer does not depend on the resource, and looking it up first would tell an outsider
 * whether it exists.
 */
export function assertMayEver<S extends ProjectSubject>(actor: Actor, projectId: string, action: ProjectAction<S>, subject: S): void {
  if (canOnAnyIn(actor, projectId, action, subject)) return;
  throw permissionDenied(actor.projectRules(projectId) ?? [], action, subject);
}

/** Reading a project's own metadata (name, environments) takes any access to it, as in Infisical. */
export function assertProjectMember(actor: Actor, projectId: string): void {
  if (actor.projectRules(projectId) === null) throw permissionDenied([], "read", "workspace");
}

type FolderSubject = "secrets" | "secret-folders" | "secret-imports";

/** `can` at a folder location, memoised per location for one operation. */
export function locationCheck<S extends FolderSubject>(actor: Actor, projectId: string, action: ProjectAction<S>, subject: S) {
  const rules = actor.projectRules(projectId);
  const answers = new Map<string, boolean>();
  return (location: SecretLocation): boolean => {
    const id = `${location.environment}\u0000${location.secretPath}`;
    let answer = answers.get(id);
    if (answer === undefined) {
      answer = rules !== null && allows(rules, action, subject, fieldsAt(location.environment, location.secretPath));
      answers.set(id, answer);
    }
    return answer;
  };
}

/** Whether the actor may read secret values at a location: what reference expansion may follow. */
export const valueReadCheck = (actor: Actor, projectId: string): ReadCheck => locationCheck(actor, projectId, "readValue", "secrets");

/**
 * Getting one secret's value (or an imported one's) that the caller may describe but not read, with
 * `viewSecretValue` on: Infisical's `ForbiddenReadSecretError`.
 */
export function secretValueDenied(key: string, imported: boolean) {
  const what = imported ? "secret import value" : "secret value";
  return new ApiError(403, "ForbiddenReadSecretError", `You do not have permission to view ${what} on secret with name '${key}'`);
}
