/**
 * The one Hono app factory, used by the Worker entry and by the tests: request id, structured logs, body limit,
 * security headers, authentication (per route, see `http/route.ts`), every route, and the single error envelope.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigurationError, configOf, logLevelOf } from "./config";
import type { AppEnv } from "./env";
import { DecryptionError, EncryptionConfigError } from "./lib/crypto";
import { ApiError } from "./lib/errors";
import { MAX_BODY_BYTES } from "./lib/limits";
import { createLogger } from "./lib/logger";
import { registerRoutes } from "./routes";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

function errorResponse(c: Context<AppEnv>, statusCode: number, error: string, message: string, details?: unknown) {
  const body = { reqId: c.get("reqId") ?? "unknown", statusCode, message, error, ...(details === undefined ? {} : { details }) };
  return c.json(body, statusCode as ContentfulStatusCode);
}

export function createApp() {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const reqId = incoming && REQUEST_ID.test(incoming) ? incoming : `req-${crypto.randomUUID()}`;
    c.set("reqId", reqId);
    c.set("log", createLogger({ reqId }, logLevelOf(c.env)));
    const started = Date.now();
    await next();
    c.header("x-request-id", reqId);
    c.get("log").info("request", { method: c.req.method, route: c.req.routePath, status: c.res.status, durationMs: Date.now() - started });
  });

  app.use(secureHeaders());
  // Every request is refused while the configuration is bad (ADMIN_TOKEN missing or short, a var out of range): a
  // 500 naming each bad variable, never its value, so a weak admin token can never be used nor probed.
  app.use(async (c, next) => {
    configOf(c.env);
    await next();
  });

  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, "PayloadTooLarge", `Request body exceeds the ${MAX_BODY_BYTES / 1024} KiB limit`);
      },
    }),
  );

  registerRoutes(app);

  app.notFound((c) => errorResponse(c, 404, "NotFound", `Route ${c.req.method}:${new URL(c.req.url).pathname} not found`));

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err.statusCode, err.error, err.message, err.details);
    if (err instanceof HTTPException && err.status < 500) {
      const message = err.message || "Bad request";
      return errorResponse(c, err.status, err.status === 400 ? "BadRequest" : "HttpError", message);
    }
    if (err instanceof ConfigurationError) return errorResponse(c, 500, "ConfigurationError", err.message);
    const log = c.get("log") ?? createLogger();
    if (err instanceof EncryptionConfigError) {
      // The message names the misconfiguration (never key material), so the operator can fix it.
      log.error("encryption_misconfigured", { message: err.message });
      return errorResponse(c, 500, "EncryptionConfigError", err.message);
    }
    if (err instanceof DecryptionError) {
      log.error("decryption_failed", { message: err.message });
      return errorResponse(c, 500, "DecryptionError", "Stored data could not be decrypted; check ENCRYPTION_KEY");
    }
    log.error("unhandled_error", { name: err.name, message: err.message.slice(0, 300) });
    return errorResponse(c, 500, "InternalServerError", "Something went wrong");
  });

  return app;
}
