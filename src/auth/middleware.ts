import type { Context, MiddlewareHandler } from "hono";
import { credentialActor } from "../access/actor";
import { rulesForScopes } from "../access/scopes";
import type { AppEnv } from "../env";
import { callerAddress, FailureThrottle } from "../http/throttle";
import { ApiError, forbidden, unauthorized } from "../lib/errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import { createDb } from "../db/client";
import { accessAssertionOf, accessConfiguration, personFromAssertion } from "./access-sign-in";
import { resolveApiToken, API_TOKEN_PREFIX } from "./api-tokens";
import { resolveAccessToken, ACCESS_TOKEN_PREFIX } from "./identities";
import { expandScopes } from "./scopes";
import type { Credential } from "./context";

/** The admin token: every scope, so every right in every project and in the organization. */
export const ADMIN_CREDENTIAL: Credential = {
  actor: credentialActor({ kind: "admin", id: "admin", name: "admin", projectId: null, rules: rulesForScopes(expandScopes(["admin"])) }),
  credentialId: "admin",
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

/**
 * `Authorization: Bearer <token>` (the admin token, an API token or a machine-identity access token); without one, a
 * person's Cloudflare Access assertion when Access is configured. A bearer token wins when both are present.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  const address = callerAddress((name) => c.req.header(name));
  const background = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  let credential: Credential;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized("Authorization header must be 'Bearer <token>'");
    credential = await guardAuthFailures(c.env, address, () => resolveBearer(c.env, match[1]!, background));
  } else {
    const assertion = accessAssertionOf((name) => c.req.header(name));
    const access = assertion ? accessConfiguration(c.env) : null;
    if (!assertion || !access) throw unauthorized("Token missing");
    refuseCrossSiteWrite(c);
    const db = createDb(c.env.DB);
    credential = await guardAuthFailures(c.env, address, () => personFromAssertion(access, db, assertion, background, c.get("log")));
  }
  c.set("actor", credential.actor);
  await next();
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const SAME_SITE_FETCHES = new Set(["same-origin", "none"]);

/**
 * A browser sends the Access cookie (and Access adds its header) to any request for this host, including one a
 * page on another site makes it send. So a change made as a person must come from this origin: browsers name where a
 * request comes from (`Origin`, `Sec-Fetch-Site`); tools like curl send neither and are let through.
 */
function refuseCrossSiteWrite(c: Context<AppEnv>): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  if ((origin && origin !== new URL(c.req.url).origin) || (site && !SAME_SITE_FETCHES.has(site))) {
    throw forbidden("A request from another site cannot act with a Cloudflare Access sign-in; use a bearer token");
  }
}

export async function resolveBearer(env: Env, token: string, background: (p: Promise<unknown>) => void): Promise<Credential> {
  const db = createDb(env.DB);
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const credential = await resolveApiToken(db, token, background);
    if (credential) return credential;
  } else if (token.startsWith(ACCESS_TOKEN_PREFIX)) {
    const credential = await resolveAccessToken(db, token, background);
    if (credential) return credential;
  } else if (env.ADMIN_TOKEN && (await timingSafeEqualStrings(token, env.ADMIN_TOKEN))) {
    return ADMIN_CREDENTIAL;
  }
  // One message for unknown, expired and revoked credentials: nothing to learn by probing.
  throw unauthorized("Invalid, expired or revoked token");
}
