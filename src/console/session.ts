/**
 * The console's one cookie, sealed with AES-256-GCM under ENCRYPTION_KEY (`lib/crypto`): GCM authenticates as well as
 * encrypts, so a cookie that was altered or forged fails to open, and the associated data keeps it apart from every
 * stored column. Signed in, it holds only the id of a server-side session (`auth/sessions`), which is what decides
 * whether it still works; before sign-in it holds the sign-in form's CSRF token. It never holds a token.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SESSION_MAX_AGE_MS } from "../auth/sessions";
import { DecryptionError, decryptField, encryptField, loadKeyRing, randomToken, timingSafeEqualStrings } from "../lib/crypto";
import { LOCAL_HOSTS } from "../lib/hosts";
import type { ConsoleContext } from "./context";

/** How long the sign-in form's CSRF token lasts before the form must be reloaded. */
export const SIGN_IN_FORM_TTL_SECONDS = 8 * 60 * 60;
const COOKIE_AAD = "console-cookie/v2";

/** before sign-in; `exp` in epoch seconds */
type SignInCookie = { kind: "sign-in"; csrf: string; exp: number };
export type ConsoleCookie = { kind: "session"; sessionId: string } | SignInCookie;

/**
 * Plain-HTTP local development cannot keep a `Secure` cookie everywhere, so only there is the cookie sent without it
 * (and without the `__Host-` prefix, which requires it).
 */
function cookieSpec(c: ConsoleContext) {
  const secure = !LOCAL_HOSTS.has(new URL(c.req.url).hostname);
  return { name: secure ? "__Host-console_session" : "console_session", secure };
}

export const newSignInCookie = (now = Date.now()): SignInCookie => ({ kind: "sign-in", csrf: randomToken("csrf"), exp: Math.floor(now / 1000) + SIGN_IN_FORM_TTL_SECONDS });

export async function sealCookie(env: Env, cookie: ConsoleCookie): Promise<string> {
  return encryptField(await loadKeyRing(env.ENCRYPTION_KEY), JSON.stringify(cookie), COOKIE_AAD);
}

/** The cookie's content, or null when it is malformed, tampered with, from an older format, or an expired sign-in form. */
async function openCookie(env: Env, sealed: string, now = Date.now()): Promise<ConsoleCookie | null> {
  let cookie: ConsoleCookie;
  try {
    cookie = JSON.parse(await decryptField(await loadKeyRing(env.ENCRYPTION_KEY), sealed, COOKIE_AAD)) as ConsoleCookie;
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof SyntaxError) return null;
    throw error;
  }
  if (cookie?.kind === "session" && typeof cookie.sessionId === "string") return cookie;
  if (cookie?.kind === "sign-in" && typeof cookie.csrf === "string" && typeof cookie.exp === "number" && cookie.exp * 1000 > now) return cookie;
  return null;
}

interface ReadCookie {
  /** a cookie was sent at all: lets the sign-in page tell "expired" from "never signed in" */
  present: boolean;
  cookie: ConsoleCookie | null;
}

export async function readConsoleCookie(c: ConsoleContext): Promise<ReadCookie> {
  const value = getCookie(c, cookieSpec(c).name);
  if (!value) return { present: false, cookie: null };
  return { present: true, cookie: await openCookie(c.env, value) };
}

export async function writeConsoleCookie(c: ConsoleContext, cookie: ConsoleCookie): Promise<void> {
  const { name, secure } = cookieSpec(c);
  const maxAge = cookie.kind === "session" ? SESSION_MAX_AGE_MS / 1000 : Math.max(0, cookie.exp - Math.floor(Date.now() / 1000));
  setCookie(c, name, await sealCookie(c.env, cookie), { httpOnly: true, secure, sameSite: "Strict", path: "/", maxAge });
}

export function clearSessionCookie(c: ConsoleContext): void {
  const { name, secure } = cookieSpec(c);
  deleteCookie(c, name, { path: "/", secure, httpOnly: true, sameSite: "Strict" });
}

export function csrfMatches(expected: string, submitted: unknown): Promise<boolean> {
  return typeof submitted === "string" && submitted ? timingSafeEqualStrings(expected, submitted) : Promise.resolve(false);
}

/** The sign-in form's CSRF token, when the cookie holds one. */
export async function signInFormCsrf(c: ConsoleContext): Promise<string | undefined> {
  const { cookie } = await readConsoleCookie(c);
  return cookie?.kind === "sign-in" ? cookie.csrf : undefined;
}
