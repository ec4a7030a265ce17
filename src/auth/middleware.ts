import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { unauthorized } from "../lib/errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import { createDb } from "../db/client";
import { resolveApiToken, API_TOKEN_PREFIX } from "./api-tokens";
import { resolveAccessToken, ACCESS_TOKEN_PREFIX } from "./identities";
import { expandScopes } from "./scopes";
import type { AuthContext } from "./context";

const ADMIN: AuthContext = {
  actorType: "admin",
  actorId: "admin",
  actorName: "admin",
  projectId: null,
  scopes: expandScopes(["admin"]),
};

/** `Authorization: Bearer <token>`: the admin token, an API token or a machine-identity access token. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("Token missing");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized("Authorization header must be 'Bearer <token>'");
  const token = match[1]!;
  c.set("auth", await resolveBearer(c.env, token, (p) => c.executionCtx.waitUntil(p)));
  await next();
};

export async function resolveBearer(env: Env, token: string, background: (p: Promise<unknown>) => void): Promise<AuthContext> {
  const db = createDb(env.DB);
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const auth = await resolveApiToken(db, token, background);
    if (auth) return auth;
  } else if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
    const auth = await resolveAccessToken(db, token, background);
    if (auth) return auth;
  } else if (env.ADMIN_TOKEN && (await timingSafeEqualStrings(token, env.ADMIN_TOKEN))) {
    return ADMIN;
  }
  // One message for unknown, expired and revoked credentials: nothing to learn by probing.
  throw unauthorized("Invalid, expired or revoked token");
}
