/**
 * Console sessions live entirely in one cookie: the signed-in token and the session's CSRF token, sealed with
 * AES-256-GCM under ENCRYPTION_KEY (`lib/crypto`). GCM authenticates as well as encrypts, so a cookie that was
 * altered, forged or copied from another purpose fails to open; the associated data keeps session ciphertexts apart
 * from every stored column. The token is resolved again on every request, so a revoked or expired token ends the
 * session at once, and its scopes always limit what the console shows.
 */
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { DecryptionError, decryptField, encryptField, loadKeyRing, randomToken, timingSafeEqualStrings } from "../lib/crypto";
import type { ConsoleContext } from "./context";

const SESSION_TTL_SECONDS = 8 * 60 * 60;
const SESSION_AAD = "console-session/v1";

export interface ConsoleSession {
  /** absent before sign-in: the sign-in form still needs a CSRF token */
  token?: string;
  csrf: string;
  /** expiry, epoch seconds */
  exp: number;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Plain-HTTP local development cannot keep a `Secure` cookie everywhere, so only there is the cookie sent without it
 * (and without the `__Host-` prefix, which requires it).
 */
function cookieSpec(c: ConsoleContext) {
  const secure = !LOCAL_HOSTS.has(new URL(c.req.url).hostname);
  return { name: secure ? "__Host-console_session" : "console_session", secure };
}

export function newSession(token: string | undefined, now = Date.now()): ConsoleSession {
  return { ...(token ? { token } : {}), csrf: randomToken("csrf"), exp: Math.floor(now / 1000) + SESSION_TTL_SECONDS };
}

export async function sealSession(env: Env, session: ConsoleSession): Promise<string> {
  return encryptField(await loadKeyRing(env.ENCRYPTION_KEY), JSON.stringify(session), SESSION_AAD);
}

/** The session in a cookie value, or null when it is malformed, tampered with or expired. */
async function openSession(env: Env, sealed: string, now = Date.now()): Promise<ConsoleSession | null> {
  let session: ConsoleSession;
  try {
    session = JSON.parse(await decryptField(await loadKeyRing(env.ENCRYPTION_KEY), sealed, SESSION_AAD)) as ConsoleSession;
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof SyntaxError) return null;
    throw error;
  }
  if (typeof session.csrf !== "string" || typeof session.exp !== "number" || session.exp * 1000 <= now) return null;
  return session;
}

interface SessionCookie {
  /** a cookie was sent at all: lets the sign-in page tell "expired" from "never signed in" */
  present: boolean;
  session: ConsoleSession | null;
}

export async function readSessionCookie(c: ConsoleContext): Promise<SessionCookie> {
  const value = getCookie(c, cookieSpec(c).name);
  if (!value) return { present: false, session: null };
  return { present: true, session: await openSession(c.env, value) };
}

export async function writeSessionCookie(c: ConsoleContext, session: ConsoleSession): Promise<void> {
  const { name, secure } = cookieSpec(c);
  setCookie(c, name, await sealSession(c.env, session), {
    httpOnly: true,
    secure,
    sameSite: "Strict",
    path: "/",
    maxAge: Math.max(0, session.exp - Math.floor(Date.now() / 1000)),
  });
}

export function clearSessionCookie(c: ConsoleContext): void {
  const { name, secure } = cookieSpec(c);
  deleteCookie(c, name, { path: "/", secure, httpOnly: true, sameSite: "Strict" });
}

export function csrfMatches(expected: string, submitted: unknown): Promise<boolean> {
  return typeof submitted === "string" && submitted ? timingSafeEqualStrings(expected, submitted) : Promise.resolve(false);
}
