/**
 * What the caller may do in a project: its effective rules, in the order they are evaluated, for the console to show
 * or hide actions and for clients to inspect (Infisical's `GET /projects/:projectId/permissions`, with the rules in
 * their unpacked form).
 */
import type { Actor } from "../access/actor";
import { forbidden } from "../lib/errors";
import { getProjectRow } from "../store/projects";
import type { ActingAs } from "./context";
import { ownMemberships } from "./people";

/** A project the actor has no rules in at all is refused like any denial. */
export const noProjectAccess = () => forbidden("You have no access to this project");

export const describeActor = (actor: Actor) => ({ type: actor.kind, id: actor.id, name: actor.name, email: actor.email, projectId: actor.projectId });

export async function effectivePermissions({ db, actor }: ActingAs, projectId: string) {
  const permissions = actor.projectRules(projectId);
  if (permissions === null) throw noProjectAccess();
  await getProjectRow(db, projectId);
  return { permissions, memberships: await ownMemberships(db, actor, projectId), actor: describeActor(actor) };
}
