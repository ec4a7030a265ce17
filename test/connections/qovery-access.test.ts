/** How connection code turns Qovery failures into envelope errors, and the delete guard. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { systemActor } from "../../src/access/actor";
import { connectionIsInUse, type ConnectionDependent } from "../../src/connections/dependents";
import { qoveryFailureToApiError, validateQoveryToken } from "../../src/connections/qovery-access";
import { createQoveryConnection, deleteQoveryConnection, getQoveryConnection } from "../../src/connections/service";
import { createDb } from "../../src/db/client";
import { ApiError } from "../../src/lib/errors";
import { loadKeyRing } from "../../src/lib/crypto";
import { createQoveryClient, type QoveryClient } from "../../src/qovery/client";
import {
  QoveryAuthError,
  QoveryConflictError,
  QoveryForbiddenError,
  QoveryNetworkError,
  QoveryNotFoundError,
  QoveryRateLimitError,
  QoveryTimeoutError,
  QoveryUpstreamError,
  QoveryValidationError,
} from "../../src/qovery/errors";
import { unique } from "../helpers/api";
import { SIM_BASE_URL, createSimTenant } from "../helpers/qovery-sim";

const call = { method: "GET", pathTemplate: "/organization/{organizationId}/project" };
const resource = 'Qovery organization "org-1"';

describe("qoveryFailureToApiError", () => {
  it.each([
    [new QoveryAuthError(call, "Access token is missing or invalid"), 400, "Qovery rejected the connection's token: Access token is missing or invalid"],
    [new QoveryAuthError(call, null), 400, "Qovery rejected the connection's token. Update"],
    [new QoveryForbiddenError(call, null), 404, 'Qovery organization "org-1" was not found or is not accessible with this connection\'s token (Qovery answered 403)'],
    [new QoveryNotFoundError(call, null), 404, "(Qovery answered 404)"],
    [new QoveryRateLimitError(call, null, 60_000), 429, "retry in 60 s"],
    [new QoveryUpstreamError(call, 503, "server error"), 502, "Qovery could not be queried: Qovery failed (503 on GET"],
    [new QoveryNetworkError(call, "connection reset"), 502, "connection reset"],
    [new QoveryTimeoutError(call, 10_000), 502, "did not answer within 10000 ms"],
    [new QoveryValidationError(call, 400, "bad"), 502, "refused the request as invalid"],
    [new QoveryConflictError(call, "dup"), 502, "conflict"],
  ])("%s → %i", (error, status, text) => {
    const mapped = qoveryFailureToApiError(error, resource);
    expect(mapped).toBeInstanceOf(ApiError);
    expect(mapped.statusCode).toBe(status);
    expect(mapped.message).toContain(text);
  });
});

describe("validateQoveryToken", () => {
  it("passes a good token and turns any Qovery failure into 400 Failed to validate Qovery credentials", async () => {
    const sim = await createSimTenant();
    const client = (token: string) => createQoveryClient({ baseUrl: SIM_BASE_URL, token, retry: { maxAttempts: 1 } });
    await expect(validateQoveryToken(client(sim.token))).resolves.toBeUndefined();
    const error = await validateQoveryToken(client("qov_nope")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).statusCode).toBe(400);
    expect((error as ApiError).message).toMatch(/^Failed to validate Qovery credentials: /);
  });

  it("lets errors that are not Qovery's through unchanged", async () => {
    const broken = { listOrganizations: () => Promise.reject(new TypeError("bug")) } as unknown as QoveryClient;
    await expect(validateQoveryToken(broken)).rejects.toBeInstanceOf(TypeError);
  });
});

describe("delete guard", () => {
  const counting = (n: number): ConnectionDependent => ({ label: "secret syncs", count: async () => n });

  it("connectionIsInUse checks every dependent", async () => {
    const db = createDb(env.DB);
    expect(await connectionIsInUse(db, "any")).toBe(false);
    expect(await connectionIsInUse(db, "any", [counting(0), counting(0)])).toBe(false);
    expect(await connectionIsInUse(db, "any", [counting(0), counting(2)])).toBe(true);
  });

  it("refuses with 409 to delete a connection in use, and keeps it", async () => {
    const sim = await createSimTenant();
    const db = createDb(env.DB);
    const deps = {
      db,
      keyRing: () => loadKeyRing(env.ENCRYPTION_KEY),
      qovery: (token: string) => createQoveryClient({ baseUrl: SIM_BASE_URL, token }),
      actor: systemActor("test"),
      requestId: null,
    };
    const connection = await createQoveryConnection(deps, { name: unique("guarded"), description: null, projectId: null, accessToken: sim.token, allowedDestinations: null });
    const error = await deleteQoveryConnection(deps, connection.id, [counting(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).statusCode).toBe(409);
    expect((error as ApiError).message).toContain(`"${connection.name}" is still used by secret syncs`);
    expect((await getQoveryConnection(deps, connection.id)).id).toBe(connection.id);
  });
});
