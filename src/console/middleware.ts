import type { MiddlewareHandler } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { requestEmail } from "../auth/access-sign-in";
import { openSession } from "../auth/sessions";
import { createDb } from "../db/client";
import type { ConsoleEnv } from "./context";
import { clearSessionCookie, csrfMatches, readConsoleCookie, signInFormCsrf } from "./session";
import { nextPathFor, signInUrl } from "./urls";

/**
 * A strict policy for console pages: scripts run only with this response's nonce (the one static script), styles
 * only from this origin, no framing, forms post only here. Pages carry session-bound data, so nothing is cached.
 */
export const consoleSecurityHeaders: MiddlewareHandler<ConsoleEnv>[] = [
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: [NONCE],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
  }),
  async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  },
];

const wantsJson = (accept: string | undefined) => !!accept?.includes("application/json");

/**
 * Opens the server-side session on every request (`auth/sessions`), so sign-out, revocation, "sign out everywhere",
 * expiry and (for people) the loss of Cloudflare Access or of a membership apply at once, and the caller's rules
 * limit what the console shows. Without a live session: a redirect to sign-in (pages) or 401 (the JSON endpoints the
 * script polls).
 */
export const requireSignedIn: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const { present, cookie } = await readConsoleCookie(c);
  const refuse = (reason: "expired" | "revoked" | undefined) => {
    if (present) clearSessionCookie(c);
    if (wantsJson(c.req.header("accept"))) return c.json({ error: "Your session has ended; sign in again" }, 401);
    return c.redirect(signInUrl(reason, c.req.method === "GET" ? nextPathFor(c, c.req.path) : undefined), 303);
  };
  if (!cookie) return refuse(present ? "expired" : undefined);
  if (cookie.kind !== "session") return refuse(undefined);
  const accessEmail = () => requestEmail(c.env, (name) => c.req.header(name), c.get("log"));
  const session = await openSession(c.env, createDb(c.env.DB), cookie.sessionId, (p) => c.executionCtx.waitUntil(p), accessEmail);
  if (session.state !== "active") return refuse(session.state);
  c.set("actor", session.actor);
  c.set("csrf", session.csrf);
  await next();
};

export class CsrfError extends Error {
  override name = "CsrfError";
}

/** Every console POST must carry the session's synchronizer token (before sign-in: the sign-in form's). */
export const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const expected = c.get("csrf") ?? (await signInFormCsrf(c));
  const form = await c.req.parseBody();
  if (!expected || !(await csrfMatches(expected, form._csrf))) throw new CsrfError("The form's security token is missing or does not match this session");
  await next();
};
