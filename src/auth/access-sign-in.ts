/**
 * People sign in through Cloudflare Access. With `ACCESS_TEAM_DOMAIN` and `ACCESS_AUD` set, a request carrying the
 * Access application token (the `Cf-Access-Jwt-Assertion` header Access adds, or its `CF_Authorization` cookie) acts
 * as the person it names: verified on every request, so a person Access stops letting through is stopped here too.
 * Emails listed in `ADMIN_EMAILS` (comma-separated, case-insensitive) are administrators. Without the two settings,
 * assertions are ignored and only bearer tokens work.
 */
import { parse } from "hono/utils/cookie";
import { AccessTokenError, createAccessVerifier, type AccessVerifier } from "../access/cloudflare-access";
import { configOf } from "../config";
import type { Db } from "../db/client";
import { ApiError, unauthorized } from "../lib/errors";
import type { Logger } from "../lib/logger";
import type { Credential } from "./context";
import { personByEmail } from "./people";

export const ACCESS_ASSERTION_HEADER = "cf-access-jwt-assertion";
export const ACCESS_COOKIE = "CF_Authorization";
/** The one 401 for every refused assertion (the reason goes to the log only). */
export const INVALID_ACCESS_TOKEN = "Invalid or expired Cloudflare Access token";
/** Distinct team/audience pairs whose verifiers (and cached keys) one isolate keeps. */
export const MAX_ACCESS_VERIFIERS = 4;

type Header = (name: string) => string | undefined;
type Background = (p: Promise<unknown>) => void;

export interface AccessConfiguration {
  verifier: AccessVerifier;
  adminEmails: ReadonlySet<string>;
}

const verifiers = new Map<string, AccessVerifier>();

function configurationError(message: string) {
  return new ApiError(500, "ConfigurationError", message);
}

/** One verifier per isolate and team/audience pair, so its key cache outlives the request; outbound calls use `fetch`. */
function verifierFor(teamDomain: string, audience: string): AccessVerifier {
  const key = `${teamDomain}\n${audience}`;
  let verifier = verifiers.get(key);
  if (!verifier) {
    try {
      verifier = createAccessVerifier({ teamDomain, audience, fetch: (input, init) => fetch(input, init) });
    } catch (error) {
      throw configurationError((error as Error).message);
    }
    if (verifiers.size >= MAX_ACCESS_VERIFIERS) verifiers.clear();
    verifiers.set(key, verifier);
  }
  return verifier;
}

/**
 * The Access settings, or null when Access is not configured. A half-done configuration is a 500 naming it, raised
 * here rather than when the configuration is read, so that bearer tokens keep working meanwhile.
 */
export function accessConfiguration(env: Env): AccessConfiguration | null {
  const { teamDomain, audience, adminEmails } = configOf(env).access;
  if (!teamDomain && !audience) return null;
  if (!teamDomain || !audience) throw configurationError("ACCESS_TEAM_DOMAIN and ACCESS_AUD must be set together to sign people in with Cloudflare Access");
  return { verifier: verifierFor(teamDomain, audience), adminEmails };
}

/** The Access application token a request carries, if any. */
export function accessAssertionOf(header: Header): string | undefined {
  const fromHeader = header(ACCESS_ASSERTION_HEADER)?.trim();
  if (fromHeader) return fromHeader;
  const cookies = header("cookie");
  return cookies ? parse(cookies, ACCESS_COOKIE)[ACCESS_COOKIE] || undefined : undefined;
}

/** The verified email of the assertion; throws 401 (or 503 while Access's keys cannot be fetched). */
export async function verifiedEmail(access: AccessConfiguration, assertion: string, log?: Logger): Promise<string> {
  try {
    return (await access.verifier.verify(assertion)).email;
  } catch (error) {
    if (!(error instanceof AccessTokenError)) throw error;
    log?.warn("access_token_refused", { reason: error.reason });
    if (error.reason === "keys-unavailable") throw new ApiError(503, "ServiceUnavailable", "Cloudflare Access signing keys could not be fetched; try again");
    throw unauthorized(INVALID_ACCESS_TOKEN);
  }
}

/** The person a request's assertion names (their row is created on first sign-in, with no access). */
export async function personFromAssertion(
  access: AccessConfiguration,
  db: Db,
  assertion: string,
  background: Background,
  log?: Logger,
): Promise<Credential> {
  const email = await verifiedEmail(access, assertion, log);
  return personByEmail(db, email, access.adminEmails.has(email), background);
}

/** The email this request's assertion proves, or null when there is none, it does not verify, or Access is off. */
export async function requestEmail(env: Env, header: Header, log?: Logger): Promise<string | null> {
  const access = accessConfiguration(env);
  const assertion = accessAssertionOf(header);
  if (!access || !assertion) return null;
  try {
    return await verifiedEmail(access, assertion, log);
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 401) return null;
    throw error;
  }
}
