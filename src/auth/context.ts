import { credentialActor, webhookEndpointActor, type Actor } from "../access/actor";
import { rulesForScopes } from "../access/scopes";
import { forbidden } from "../lib/errors";
import type { Scope } from "./scopes";

export type ActorType = "admin" | "api-token" | "identity" | "webhook-endpoint";

/** Who is calling, and what they may touch. Set by the authentication middleware. */
export interface AuthContext {
  actorType: ActorType;
  actorId: string;
  actorName: string;
  /** a project-bound credential may only touch this project */
  projectId: string | null;
  scopes: ReadonlySet<Scope>;
}

/** A credential that authenticated: who it is, and the id of the stored row that stands for it. */
export interface Credential {
  auth: AuthContext;
  /** the API token's id, the machine-identity access token's id, or "admin" */
  credentialId: string;
}

/**
 * Throws 403 unless the caller holds `scope` and, for a project-bound credential, `projectId` is its project.
 * Omit `projectId` for operations that are not about one project: project-bound credentials are then refused.
 */
export function requireAccess(auth: AuthContext, scope: Scope, projectId?: string | null): void {
  if (!auth.scopes.has(scope)) throw forbidden(`This credential lacks the "${scope}" scope`);
  if (auth.projectId === null) return;
  if (projectId === undefined || projectId === null) {
    throw forbidden("This credential is bound to a single project and cannot perform organization-wide operations");
  }
  if (projectId !== auth.projectId) throw forbidden("This credential is bound to another project");
}

/** The actor an authenticated credential acts as: its scopes expanded to permission rules. */
export function actorFor(auth: AuthContext): Actor {
  if (auth.actorType === "webhook-endpoint") {
    return webhookEndpointActor({ id: auth.actorId, name: auth.actorName, projectId: auth.projectId ?? "" });
  }
  return credentialActor({ kind: auth.actorType, id: auth.actorId, name: auth.actorName, projectId: auth.projectId, rules: rulesForScopes(auth.scopes) });
}
