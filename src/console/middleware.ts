import type { MiddlewareHandler } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { resolveBearer } from "../auth/middleware";
import { ApiError } from "../lib/errors";
import type { ConsoleEnv } from "./context";
import { clearSessionCookie, csrfMatches, readSessionCookie } from "./session";
import { signInUrl } from "./urls";

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
 * Resolves the session's token on every request, like an API call would, so scopes, expiry and revocation apply at
 * once. Without a live session: a redirect to sign-in (pages) or 401 (the JSON endpoints the script polls).
 */
export const requireSignedIn: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const cookie = await readSessionCookie(c);
  const refuse = (reason: "expired" | "revoked" | undefined) => {
    if (cookie.present) clearSessionCookie(c);
    if (wantsJson(c.req.header("accept"))) return c.json({ error: "Your session has ended; sign in again" }, 401);
    return c.redirect(signInUrl(reason, c.req.method === "GET" ? c.req.path : undefined), 303);
  };
  const token = cookie.session?.token;
  if (!cookie.session || !token) return refuse(cookie.present ? "expired" : undefined);
  try {
    c.set("auth", await resolveBearer(c.env, token, (p) => c.executionCtx.waitUntil(p)));
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 401) return refuse("revoked");
    throw error;
  }
  c.set("csrf", cookie.session.csrf);
  await next();
};

export class CsrfError extends Error {
  override name = "CsrfError";
}

/** Every console POST must carry the session's synchronizer token (before sign-in: the anonymous session's). */
export const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const expected = c.get("csrf") ?? (await readSessionCookie(c)).session?.csrf;
  const form = await c.req.parseBody();
  if (!expected || !(await csrfMatches(expected, form._csrf))) throw new CsrfError("The form's security token is missing or does not match this session");
  await next();
};
