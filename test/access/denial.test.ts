/** Refusals in Infisical's words, and their envelope as the Worker's error handler renders them. */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { permissionDenied, PermissionDeniedError, referenceDenied, referencesDenied, syncSourceDenied } from "../../src/access/denial";
import { projectRulesSchema } from "../../src/access/rules";
import { createApp } from "../../src/app";
import { ApiError } from "../../src/lib/errors";

const rules = projectRulesSchema.parse([
  { subject: "secrets", action: ["describeSecret", "readValue"], conditions: { environment: "dev" } },
  { subject: "secret-folders", action: "read" },
  { subject: "secrets", action: "readValue", inverted: true, conditions: { secretPath: { $glob: "/ops/**" } } },
  { subject: "secrets", action: "create" },
]);

describe("permissionDenied", () => {
  it("says which action on which subject, with the caller's rules for it, the deciding one first", () => {
    const error = permissionDenied(rules, "readValue", "secrets", { environment: "prod", secretPath: "/app" });
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.statusCode).toBe(403);
    expect(error.error).toBe("PermissionDenied");
    expect(error.message).toBe("You are not allowed to readValue on secrets");
    expect(error.details).toEqual([
      { action: ["readValue"], inverted: true, subject: "secrets", conditions: { secretPath: { $glob: "/ops/**" } } },
      { action: ["describeSecret", "readValue"], inverted: false, subject: "secrets", conditions: { environment: "dev" } },
    ]);
    expect({ action: error.action, subject: error.subject, fields: error.fields }).toEqual({
      action: "readValue",
      subject: "secrets",
      fields: { environment: "prod", secretPath: "/app" },
    });
  });

  it("lists no rules when the caller has none for it, and omits absent conditions", () => {
    expect(permissionDenied(rules, "delete", "secrets").details).toEqual([]);
    expect(permissionDenied(rules, "read", "secret-folders").details).toEqual([{ action: ["read"], inverted: false, subject: "secret-folders" }]);
  });

  it("renders as Infisical's 403 envelope through the Worker's error handler", async () => {
    const app = createApp();
    app.get("/denied", () => {
      throw permissionDenied(rules, "create", "secret-folders", { environment: "dev", secretPath: "/" });
    });
    const ctx = createExecutionContext();
    const res = await app.request("/denied", {}, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(403);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      reqId: res.headers.get("x-request-id"),
      statusCode: 403,
      error: "PermissionDenied",
      message: "You are not allowed to create on secret-folders",
      details: [],
    });
  });
});

describe("Infisical's reference and sync refusals", () => {
  const referenced = { key: "DB_PASSWORD", environment: "prod", path: "/db" };
  const referencing = { key: "DATABASE_URL", environment: "dev", path: "/app" };

  it("names both ends of a refused reference", () => {
    const error = referenceDenied(referenced, referencing);
    expect({ status: error.statusCode, error: error.error, message: error.message }).toEqual({
      status: 403,
      error: "ForbiddenError",
      message:
        "You do not have permission to read secret 'DB_PASSWORD' in environment 'prod' at path '/db', " +
        "which is referenced by secret 'DATABASE_URL' in environment 'dev' at path '/app'.",
    });
  });

  it("refuses a list whose references reach unreadable secrets, one detail line per reference", () => {
    const error = referencesDenied([{ referenced, referencing }]);
    expect({ status: error.statusCode, error: error.error, message: error.message }).toEqual({
      status: 403,
      error: "ForbiddenError",
      message: "Failed to expand one or more secret references",
    });
    expect(error.details).toEqual([referenceDenied(referenced, referencing).message]);
  });

  it("refuses a sync over a folder the caller cannot read", () => {
    const error = syncSourceDenied("prod", "/app");
    expect({ status: error.statusCode, error: error.error, message: error.message }).toEqual({
      status: 403,
      error: "ForbiddenError",
      message: 'You do not have permission to read secrets at path "/app" in environment "prod".',
    });
  });
});
