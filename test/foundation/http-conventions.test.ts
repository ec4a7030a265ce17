import { env, exports } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { MAX_BODY_BYTES } from "../../src/lib/limits";
import { api, call } from "../helpers/api";

const envelopeKeys = ["reqId", "statusCode", "message", "error"];

describe("error envelope and HTTP conventions", () => {
  it("answers an unknown route with a 404 envelope", async () => {
    const res = await api.get("/api/v1/nope");
    expect(res.status).toBe(404);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(envelopeKeys));
    expect(res.body).toMatchObject({ statusCode: 404, error: "NotFound", message: "Route GET:/api/v1/nope not found" });
  });

  it("puts the request id in a header and in the envelope, and keeps a sane incoming one", async () => {
    const res = await api.get("/api/v1/nope", { headers: { "x-request-id": "trace-abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-abc-123");
    expect(res.body.reqId).toBe("trace-abc-123");
    const generated = await api.get("/api/v1/projects");
    expect(generated.headers.get("x-request-id")).toMatch(/^req-[0-9a-f-]{36}$/);
    const hostile = await api.get("/api/v1/nope", { headers: { "x-request-id": "<script>" } });
    expect(hostile.body.reqId).toMatch(/^req-/);
  });

  it("rejects a missing token with 401 Token missing", async () => {
    const res = await api.get("/api/v1/projects", { token: null });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: "UnauthorizedError", message: "Token missing" });
  });

  it("rejects a non-bearer authorization header and an unknown token with 401", async () => {
    const basic = await call("GET", "/api/v1/projects", { token: null, headers: { authorization: "Basic abc" } });
    expect(basic.status).toBe(401);
    const unknown = await api.get("/api/v1/projects", { token: "qsk_not-a-real-token" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).toBe("Invalid, expired or revoked token");
  });

  it("maps malformed JSON to 400 and stores nothing", async () => {
    const before = await api.get("/api/v1/projects");
    const res = await call("POST", "/api/v1/projects", { rawBody: '{"projectName": "x",' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: "BadRequest", message: "Malformed JSON in request body" });
    const after = await api.get("/api/v1/projects");
    expect(after.body.projects).toHaveLength(before.body.projects.length);
  });

  it("maps schema failures to 422 ValidationFailure with readable issues", async () => {
    const res = await api.post("/api/v1/projects", { projectName: 42, slug: "Not A Slug" });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("ValidationFailure");
    expect(res.body.message).toContain("projectName");
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ["projectName"] }),
        expect.objectContaining({ path: ["slug"], message: "Slug field can only contain lowercase letters, numbers, and hyphens" }),
      ]),
    );
  });

  it("ignores unknown body fields, as Infisical does", async () => {
    const res = await api.post("/api/v1/projects", { projectName: "extra-fields", surprise: { nested: true } });
    expect(res.status).toBe(200);
    expect(res.body.project).not.toHaveProperty("surprise");
  });

  it("refuses an oversized body with 413 before parsing it", async () => {
    const res = await call("POST", "/api/v1/projects", { rawBody: JSON.stringify({ projectName: "x".repeat(MAX_BODY_BYTES + 10) }) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: "PayloadTooLarge" });
  });

  it("hides unexpected errors behind a generic 500 with the request id", async () => {
    const app = createApp();
    app.get("/boom", () => {
      throw new Error("leaky internal detail: s3cr3t-value");
    });
    const ctx = createExecutionContext();
    const res = await app.request("/boom", {}, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 500, error: "InternalServerError", message: "Something went wrong" });
    expect(JSON.stringify(body)).not.toContain("s3cr3t");
    expect(body.reqId).toBe(res.headers.get("x-request-id"));
  });

  it("sends security headers", async () => {
    const res = await exports.default.fetch("https://sync.test/api/v1/nope");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("reports a missing ENCRYPTION_KEY as a clear configuration error, never a plaintext fallback", async () => {
    const app = createApp();
    const ctx = createExecutionContext();
    const res = await app.request(
      "/api/v1/admin/encryption/reencrypt",
      { method: "POST", headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "content-type": "application/json" }, body: "{}" },
      { ...env, ENCRYPTION_KEY: "" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: "EncryptionConfigError", message: expect.stringContaining("ENCRYPTION_KEY is not set") });
  });
});
