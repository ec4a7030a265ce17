/**
 * Who may see, manage and use an app connection. A project's connection follows that project's rules
 * (`*-app-connections` actions, conditioned on `connectionId`); an organization-wide one follows organization rules.
 * Using a connection in a sync is `canUseConnection`: an organization-wide connection needs organization `connect` or a
 * project rule naming that very connection, so a project-bound credential never gets one implicitly.
 */
import {
  assertCan,
  assertCanInOrganization,
  assertCanUseConnection,
  can,
  canInOrganization,
  canOnAnyIn,
  canUseConnection,
  type Actor,
  type ConnectionRef,
} from "../access/actor";
import { permissionDenied } from "../access/denial";
import { canOnAny } from "../access/evaluate";
import { badRequest } from "../lib/errors";

export type ConnectionChange = "create" | "edit" | "delete";

const PROJECT_ACTIONS = { create: "create-app-connections", edit: "edit-app-connections", delete: "delete-app-connections" } as const;

const fieldsOf = (connection: ConnectionRef) => ({ connectionId: connection.id });

/**
 * Reading a connection (its metadata, and the Qovery options its token lists): the rule for reading it, or being able
 * to use it. `inProject` is the project the caller works in, where an explicit grant may let it use an
 * organization-wide connection.
 */
export function canReadConnection(actor: Actor, connection: ConnectionRef, inProject: string | null): boolean {
  const fields = fieldsOf(connection);
  if (connection.projectId !== null) {
    const { projectId } = connection;
    return can(actor, projectId, "read-app-connections", "app-connections", fields) || canUseConnection(actor, projectId, connection);
  }
  const inOrganization = (action: "read" | "connect") => canInOrganization(actor, action, "app-connections", fields);
  if (inOrganization("read") || inOrganization("connect")) return true;
  return inProject !== null && canUseConnection(actor, inProject, connection);
}

export function assertCanReadConnection(actor: Actor, connection: ConnectionRef, inProject: string | null): void {
  if (canReadConnection(actor, connection, inProject)) return;
  const fields = fieldsOf(connection);
  throw connection.projectId !== null
    ? permissionDenied(actor.projectRules(connection.projectId) ?? [], "read-app-connections", "app-connections", fields)
    : permissionDenied(actor.organizationRules, "read", "app-connections", fields);
}

export function canChangeConnection(actor: Actor, connection: ConnectionRef, change: Exclude<ConnectionChange, "create">): boolean {
  const fields = fieldsOf(connection);
  return connection.projectId !== null
    ? can(actor, connection.projectId, PROJECT_ACTIONS[change], "app-connections", fields)
    : canInOrganization(actor, change, "app-connections", fields);
}

export function assertCanChangeConnection(actor: Actor, connection: ConnectionRef, change: Exclude<ConnectionChange, "create">): void {
  const fields = fieldsOf(connection);
  if (connection.projectId !== null) assertCan(actor, connection.projectId, PROJECT_ACTIONS[change], "app-connections", fields);
  else assertCanInOrganization(actor, change, "app-connections", fields);
}

/** Creating a connection in a project (`projectId`) or organization-wide (null): a rule that may allow some connection. */
export function canCreateConnection(actor: Actor, projectId: string | null): boolean {
  return projectId !== null
    ? canOnAnyIn(actor, projectId, "create-app-connections", "app-connections")
    : canOnAny(actor.organizationRules, "create", "app-connections");
}

export function assertCanCreateConnection(actor: Actor, projectId: string | null): void {
  if (canCreateConnection(actor, projectId)) return;
  throw projectId !== null
    ? permissionDenied(actor.projectRules(projectId) ?? [], "create-app-connections", "app-connections")
    : permissionDenied(actor.organizationRules, "create", "app-connections");
}

/** Whether a list of the connections seen from `projectId` can hold anything for the actor (else it is refused). */
export function mayListConnectionsIn(actor: Actor, projectId: string): boolean {
  return (
    canOnAnyIn(actor, projectId, "read-app-connections", "app-connections") ||
    canOnAnyIn(actor, projectId, "connect-app-connections", "app-connections") ||
    mayListOrganizationConnections(actor)
  );
}

export function mayListOrganizationConnections(actor: Actor): boolean {
  return canOnAny(actor.organizationRules, "read", "app-connections") || canOnAny(actor.organizationRules, "connect", "app-connections");
}

export const connectionListDenied = (actor: Actor, projectId: string | null) =>
  projectId !== null
    ? permissionDenied(actor.projectRules(projectId) ?? [], "read-app-connections", "app-connections")
    : permissionDenied(actor.organizationRules, "read", "app-connections");

/** Whether some connection may be usable in the project: else the "available" list is refused. */
export function mayUseConnectionsIn(actor: Actor, projectId: string): boolean {
  return (
    canOnAnyIn(actor, projectId, "connect-app-connections", "app-connections") || canOnAny(actor.organizationRules, "connect", "app-connections")
  );
}

export const connectionUseDenied = (actor: Actor, projectId: string) =>
  permissionDenied(actor.projectRules(projectId) ?? [], "connect-app-connections", "app-connections");

/**
 * Using `connection` for a sync of `projectId`. Another project's connection is refused with Infisical's 400 once the
 * caller is shown to be allowed to connect it where it belongs (else 403, like any connection it may not use).
 */
export function assertCanUseConnectionIn(actor: Actor, projectId: string, connection: ConnectionRef): void {
  if (connection.projectId !== null && connection.projectId !== projectId) {
    assertCan(actor, connection.projectId, "connect-app-connections", "app-connections", fieldsOf(connection));
    throw badRequest(
      `You cannot connect project App Connection with ID "${connection.id}" from project with ID "${connection.projectId}" ` +
        `to project with ID "${projectId}"`,
    );
  }
  assertCanUseConnection(actor, projectId, connection);
}
