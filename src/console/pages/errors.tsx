import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DecryptionError, EncryptionConfigError } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { createLogger } from "../../lib/logger";
import type { ConsoleContext } from "../context";
import { CsrfError } from "../middleware";
import { renderPage } from "../ui/layout";

const TITLES: Partial<Record<number, string>> = {
  400: "The request could not be completed",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  422: "Invalid input",
  429: "Too many requests",
  502: "Qovery could not be reached",
};

function describe(error: Error): { status: number; message: string } {
  if (error instanceof CsrfError) {
    return { status: 403, message: "This form has expired or did not come from this site. Go back, reload the page and try again." };
  }
  if (error instanceof ApiError) return { status: error.statusCode, message: error.message };
  if (error instanceof HTTPException && error.status < 500) return { status: error.status, message: error.message || "Bad request" };
  if (error instanceof EncryptionConfigError) return { status: 500, message: error.message };
  if (error instanceof DecryptionError) return { status: 500, message: "Stored data could not be decrypted; check ENCRYPTION_KEY" };
  return { status: 500, message: "Something went wrong. The error was logged with this request's id." };
}

/** The console's answer to any failure: a readable page (or JSON for the script's endpoints), never a stack. */
export async function renderConsoleError(error: Error, c: ConsoleContext) {
  const { status, message } = describe(error);
  if (status >= 500) {
    (c.get("log") ?? createLogger()).error("console_error", { name: error.name, message: error.message.slice(0, 300) });
  }
  if (c.req.header("accept")?.includes("application/json")) return c.json({ error: message }, status as ContentfulStatusCode);
  return renderPage(
    c,
    TITLES[status] ?? "Error",
    <section class="card">
      <h1>{TITLES[status] ?? "Something went wrong"}</h1>
      <p>{message}</p>
      <p class="muted">
        Request id: <code>{c.get("reqId")}</code>
      </p>
      <p>
        <a href="/projects">Back to projects</a>
      </p>
    </section>,
    status as ContentfulStatusCode,
  );
}
