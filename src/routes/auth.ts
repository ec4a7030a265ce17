import type { Hono } from "hono";
import { z } from "zod";
import { loginWithClientSecret, renewAccessToken, revokeAccessToken } from "../auth/identities";
import { guardAuthFailures } from "../http/authenticate";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { defineRoute } from "../http/route";
import { callerAddress, throttle } from "../http/throttle";

const loginBody = z.object({
  clientId: z.string({ error: "clientId is required" }).trim().min(1, "clientId is required").max(256),
  clientSecret: z.string({ error: "clientSecret is required" }).trim().min(1, "clientSecret is required").max(512),
});
const tokenBody = z.object({ accessToken: z.string({ error: "accessToken is required" }).trim().min(1, "accessToken is required").max(512) });

const TOO_MANY_LOGINS = "Too many login attempts. Please try again in a minute.";

export function registerAuthRoutes(app: Hono<AppEnv>) {
  defineRoute(
    app,
    {
      method: "post",
      // The Infisical CLI calls the login route with a trailing slash.
      path: ["/api/v1/auth/universal-auth/login", "/api/v1/auth/universal-auth/login/"],
      tag: "Authentication",
      summary: "Universal-auth login: exchange a client id and secret for an access token",
      body: loginBody,
      public: true,
    },
    async (c, { body }) => {
      const address = callerAddress((name) => c.req.header(name));
      // Per address and client id together (a stranger who knows a client id cannot drain that client's bucket), and
      // per address, so no one address can try many secrets.
      await throttle(c.env.LOGIN_LIMITER, `${address} ${body.clientId}`, TOO_MANY_LOGINS);
      await throttle(c.env.LOGIN_IP_LIMITER, address, TOO_MANY_LOGINS);
      return c.json(await loginWithClientSecret(createDb(c.env.DB), body.clientId, body.clientSecret));
    },
  );

  // Both answer whether an access token is valid, so a wrong one counts against the address like a failed API call.
  defineRoute(app, { method: "post", path: "/api/v1/auth/token/renew", tag: "Authentication", summary: "Renew an access token up to its max TTL", body: tokenBody, public: true }, async (c, { body }) => {
    const renewed = await guardAuthFailures(c.env, callerAddress((name) => c.req.header(name)), () => renewAccessToken(createDb(c.env.DB), body.accessToken));
    return c.json(renewed);
  });

  defineRoute(app, { method: "post", path: "/api/v1/auth/token/revoke", tag: "Authentication", summary: "Revoke an access token", body: tokenBody, public: true }, async (c, { body }) => {
    await guardAuthFailures(c.env, callerAddress((name) => c.req.header(name)), () => revokeAccessToken(createDb(c.env.DB), body.accessToken));
    return c.json({ message: "Successfully revoked access token" });
  });
}
