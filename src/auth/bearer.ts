/** Who a bearer token is: the admin token, an API token or a machine identity's access token. */
import { configOf } from "../config";
import { createDb } from "../db/client";
import { timingSafeEqualStrings } from "../lib/crypto";
import { unauthorized } from "../lib/errors";
import { resolveApiToken, API_TOKEN_PREFIX } from "./api-tokens";
import { actorFor, type AuthContext, type Credential } from "./context";
import { resolveAccessToken, ACCESS_TOKEN_PREFIX } from "./identities";
import { expandScopes } from "./scopes";

export const ADMIN: AuthContext = {
  actorType: "admin",
  actorId: "admin",
  actorName: "admin",
  projectId: null,
  scopes: expandScopes(["admin"]),
};

export const ADMIN_CREDENTIAL: Credential = { auth: ADMIN, actor: actorFor(ADMIN), credentialId: ADMIN.actorId };

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
