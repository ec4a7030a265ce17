/**
 * Authentication as HTTP middleware: who the request's caller is (a bearer token, or a person's Cloudflare Access
 * assertion), with failed attempts throttled per address.
 */
import type { Context, MiddlewareHandler } from "hono";
import { accessAssertionOf, accessConfiguration, personFromAssertion } from "../auth/access-sign-in";
import { resolveBearer } from "../auth/bearer";
import type { Credential } from "../auth/context";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { ApiError, forbidden, unauthorized } from "../lib/errors";
import { callerAddress, FailureThrottle } from "./throttle";

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
