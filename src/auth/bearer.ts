/** Who a bearer token is: the admin token, an API token or a machine identity's access token. */
import { credentialActor } from "../access/actor";
import { rulesForScopes } from "../access/scopes";
import { configOf } from "../config";
import { createDb } from "../db/client";
import { timingSafeEqualStrings } from "../lib/crypto";
import { unauthorized } from "../lib/errors";
import { resolveApiToken, API_TOKEN_PREFIX } from "./api-tokens";
import type { Credential } from "./context";
import { resolveAccessToken, ACCESS_TOKEN_PREFIX } from "./identities";
import { expandScopes } from "./scopes";

/** The admin token: every scope, so every right in every project and in the organization. */
export const ADMIN_CREDENTIAL: Credential = {
  actor: credentialActor({ kind: "admin", id: "admin", name: "admin", projectId: null, rules: rulesForScopes(expandScopes(["admin"])) }),
  credentialId: "admin",
};

export async function resolveBearer(env: Env, token: string, background: (p: Promise<unknown>) => void): Promise<Credential> {
  const db = createDb(env.DB);
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const credential = await resolveApiToken(db, token, background);
    if (credential) return credential;
  } else if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
    const credential = await resolveAccessToken(db, token, background);
    if (credential) return credential;
  } else if (await timingSafeEqualStrings(token, configOf(env).adminToken)) {
    return ADMIN_CREDENTIAL;
  }
  // One message for unknown, expired and revoked credentials: nothing to learn by probing.
  throw unauthorized("Invalid, expired or revoked token");
}
