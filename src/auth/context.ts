import { credentialActor, webhookEndpointActor, type Actor, type GrantedRules } from "../access/actor";
import { rulesForScopes } from "../access/scopes";
import { createDb, type Db } from "../db/client";
import { forbidden } from "../lib/errors";
import type { Scope } from "./scopes";

export type ActorType = "admin" | "api-token" | "identity" | "person" | "webhook-endpoint";

/** Who is calling, and what they may touch. Set by the authentication middleware. */
export interface AuthContext {
  actorType: ActorType;
  actorId: string;
  actorName: string;
  /** a project-bound credential may only touch this project */
  projectId: string | null;
  scopes: ReadonlySet<Scope>;
}

/** An authenticated caller: the legacy scope view of it and the actor the services check. */
export interface Caller {
  auth: AuthContext;
  actor: Actor;
}

/** What a service function needs to act for a caller: the database, who acts, and the request to name in the audit log. */
export interface ActingAs {
  db: Db;
  actor: Actor;
  requestId: string | null;
}

/** A request's (API or console) acting context: `c.var` holds the authenticated actor and the request id. */
export const actingAs = (c: { env: { DB: D1Database }; var: { actor: Actor; reqId: string } }): ActingAs => ({
  db: createDb(c.env.DB),
  actor: c.var.actor,
  requestId: c.var.reqId,
});

/** A credential that authenticated: who it is, and the id of the stored row that stands for it. */
export interface Credential extends Caller {
  /** the API token's id, the machine-identity access token's id, "admin", or a person's user id */
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

/**
 * The actor an authenticated credential acts as. `rules` are what its stored scopes, role and permissions grant
 * (`grantedRules`); without them, what its scopes grant (the admin token).
 */
export function actorFor(auth: AuthContext, rules: GrantedRules = rulesForScopes(auth.scopes)): Actor {
  if (auth.actorType === "webhook-endpoint") {
    return webhookEndpointActor({ id: auth.actorId, name: auth.actorName, projectId: auth.projectId ?? "" });
  }
  if (auth.actorType === "person") throw new Error("a person's actor comes from their memberships (auth/people)");
  return credentialActor({ kind: auth.actorType, id: auth.actorId, name: auth.actorName, projectId: auth.projectId, rules });
}
