import type { Actor } from "../access/actor";
import { createDb, type Db } from "../db/client";

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

/** A credential that authenticated: the actor it stands for, and the id of the stored row behind it. */
export interface Credential {
  actor: Actor;
  /** the API token's id, the machine-identity access token's id, "admin", or a person's user id */
  credentialId: string;
}
