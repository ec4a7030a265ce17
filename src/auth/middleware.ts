import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { callerAddress, FailureThrottle } from "../http/throttle";
import { ApiError, unauthorized } from "../lib/errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import { createDb } from "../db/client";
import { resolveApiToken, API_TOKEN_PREFIX } from "./api-tokens";
import { resolveAccessToken, ACCESS_TOKEN_PREFIX } from "./identities";
import { expandScopes } from "./scopes";
import { actorFor, type AuthContext, type Credential } from "./context";

export const ADMIN: AuthContext = {
  actorType: "admin",
  actorId: "admin",
  actorName: "admin",
  projectId: null,
  scopes: expandScopes(["admin"]),
};

/** ADMIN_TOKEN grants everything, so a short, guessable one is refused outright. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/**
 * Every request is refused (500, naming the setting, never its value) while ADMIN_TOKEN is missing or shorter than
 * MIN_ADMIN_TOKEN_LENGTH, so a weak admin token can never be used, nor its weakness probed through sign-in.
 */
export const requireStrongAdminToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  if ((c.env.ADMIN_TOKEN ?? "").length < MIN_ADMIN_TOKEN_LENGTH) {
    const message = `ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters long; set a longer secret (for example \`openssl rand -base64 32\`)`;
    throw new ApiError(500, "ConfigurationError", message);
  }
  await next();
};

export const TOO_MANY_AUTH_FAILURES = "Too many failed authentication attempts from this address. Please try again in a minute.";
const authFailures = new FailureThrottle();
const isUnauthorized = (error: unknown) => error instanceof ApiError && error.statusCode === 401;

/**
 * Runs a token check under the per-address failure throttle (AUTH_FAILURE_LIMITER, see `FailureThrottle`): only a
 * 401 counts against the caller's address, and an address whose bucket ran out gets 429 for every token check.
 */
export function guardAuthFailures<T>(env: Env, address: string, check: () => Promise<T>): Promise<T> {
  return authFailures.run(env.AUTH_FAILURE_LIMITER, address, TOO_MANY_AUTH_FAILURES, check, isUnauthorized);
}

/** `Authorization: Bearer <token>`: the admin token, an API token or a machine-identity access token. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("Token missing");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized("Authorization header must be 'Bearer <token>'");
  const token = match[1]!;
  const address = callerAddress((name) => c.req.header(name));
  const { auth } = await guardAuthFailures(c.env, address, () => resolveBearer(c.env, token, (p) => c.executionCtx.waitUntil(p)));
  c.set("auth", auth);
  c.set("actor", actorFor(auth));
  await next();
};

export async function resolveBearer(env: Env, token: string, background: (p: Promise<unknown>) => void): Promise<Credential> {
  const db = createDb(env.DB);
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const credential = await resolveApiToken(db, token, background);
    if (credential) return credential;
  } else if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
    const credential = await resolveAccessToken(db, token, background);
    if (credential) return credential;
  } else if (env.ADMIN_TOKEN && (await timingSafeEqualStrings(token, env.ADMIN_TOKEN))) {
    return { auth: ADMIN, credentialId: ADMIN.actorId };
  }
  // One message for unknown, expired and revoked credentials: nothing to learn by probing.
  throw unauthorized("Invalid, expired or revoked token");
}
