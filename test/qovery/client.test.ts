/**
 * The Qovery client against the simulator, one case per fault. Each case asserts the outcome and the exact calls:
 * as the client reported them (`onCall`) and, where it matters, as the simulator saw them (its call log).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createQoveryClient, type QoveryClient } from "../../src/qovery/client";
import {
  QoveryAuthError,
  QoveryConflictError,
  QoveryError,
  QoveryForbiddenError,
  QoveryNetworkError,
  QoveryNotFoundError,
  QoveryRateLimitError,
  QoveryTimeoutError,
  QoveryUpstreamError,
  QoveryValidationError,
} from "../../src/qovery/errors";
import type { QoveryCall, QoveryClientOptions, VariableTarget } from "../../src/qovery/types";
import { SIM_BASE_URL, createSimTenant, describeCalls, type SimTenantHandle } from "../helpers/qovery-sim";

let sim: SimTenantHandle;
let calls: QoveryCall[];
let sleeps: number[];

beforeEach(async () => {
  sim = await createSimTenant();
  calls = [];
  sleeps = [];
});

function client(overrides: Partial<QoveryClientOptions> = {}): QoveryClient {
  return createQoveryClient({
    baseUrl: SIM_BASE_URL,
    token: sim.token,
    // Under the simulator's 1 s hold, so held answers time out; wide enough that a loaded machine does not.
    timeoutMs: 600,
    onCall: (call) => calls.push(call),
    // random 0.5 puts the jitter at its midpoint, so backoff delays are exactly 500, 1000, 2000 ms
    retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    ...overrides,
  });
}

/** "METHOD template status-or-failure #attempt" for each reported call. */
const reported = () => calls.map((c) => `${c.method} ${c.pathTemplate} ${c.status ?? c.failure} #${c.attempt}`);

const envSecrets = (): VariableTarget => ({ scope: "environment", parentId: sim.environment.id, kind: "secret" });
const envVars = (): VariableTarget => ({ scope: "environment", parentId: sim.environment.id, kind: "variable" });
const projectVars = (): VariableTarget => ({ scope: "project", parentId: sim.project.id, kind: "variable" });

const ENV_SECRETS = "/environment/{environmentId}/secret";
const ENV_VARS = "/environment/{environmentId}/environmentVariable";

async function rejection(promise: Promise<unknown>): Promise<QoveryError> {
  const error = await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QoveryError);
  return error as QoveryError;
}

describe("happy paths", () => {
  it("lists organizations, projects and environments of the token's organization", async () => {
    const qovery = client();
    expect(await qovery.listOrganizations()).toEqual([{ id: sim.organizationId, name: sim.summary.organization.name }]);
    expect(await qovery.getOrganization(sim.organizationId)).toEqual({ id: sim.organizationId, name: sim.summary.organization.name });
    expect(await qovery.listProjects(sim.organizationId)).toEqual(
      sim.summary.projects.map((p) => ({ id: p.id, name: p.name, organizationId: sim.organizationId })),
    );
    expect(await qovery.listEnvironments(sim.project.id)).toEqual([
      { id: sim.environment.id, name: "staging", projectId: sim.project.id, mode: "STAGING" },
      { id: sim.project.environments[1]!.id, name: "production", projectId: sim.project.id, mode: "PRODUCTION" },
    ]);
    expect(reported()).toEqual([
      "GET /organization 200 #1",
      "GET /organization/{organizationId} 200 #1",
      "GET /organization/{organizationId}/project 200 #1",
      "GET /project/{projectId}/environment 200 #1",
    ]);
    expect(calls[3]!.path).toBe(`/project/${sim.project.id}/environment`);
    expect(calls.every((c) => c.durationMs >= 0)).toBe(true);
  });

  it("creates, lists, updates and deletes in all four families with the scope-neutral API", async () => {
    const qovery = client();
    for (const target of [envSecrets(), envVars(), projectVars(), { ...projectVars(), kind: "secret" as const }]) {
      const key = `K_${target.scope}_${target.kind}`.toUpperCase();
      const created = await qovery.createVariable({ ...target, key, value: "v1" });
      expect(created).toMatchObject({ key, scope: target.scope.toUpperCase(), variableType: "VALUE" });
      expect(created.value).toBe(target.kind === "secret" ? null : "v1");
      const updated = await qovery.updateVariable({ ...target, id: created.id, key, value: "v2" });
      expect(updated.updatedAt! > created.updatedAt!).toBe(true);
      expect((await qovery.listVariables(target)).map((v) => v.key)).toContain(key);
      await qovery.deleteVariable({ ...target, id: created.id });
      expect((await qovery.listVariables(target)).map((v) => v.key)).not.toContain(key);
    }
    expect(calls).toHaveLength(20);
    expect(calls.every((c) => c.attempt === 1 && c.status! < 300)).toBe(true);
    const stored = await sim.variables();
    expect(stored.filter((v) => v.scope !== "BUILT_IN")).toEqual([]);
  });

  it("lists at environment scope include inherited rows with their own scope", async () => {
    const qovery = client();
    await qovery.createVariable({ ...projectVars(), key: "FROM_PROJECT", value: "p" });
    const rows = await qovery.listVariables(envVars());
    expect(rows.find((r) => r.key === "FROM_PROJECT")).toMatchObject({ scope: "PROJECT", value: "p" });
    expect(rows.find((r) => r.key === "QOVERY_ENVIRONMENT_ID")).toMatchObject({ scope: "BUILT_IN", variableType: "BUILT_IN" });
  });
});

describe("faults, one row each", () => {
  it("401: a bad token fails at once with QoveryAuthError, no retry, token not in the message", async () => {
    const error = await rejection(client({ token: "qov_wrong_token_value" }).listOrganizations());
    expect(error).toBeInstanceOf(QoveryAuthError);
    expect(error.kind).toBe("qovery_auth");
    expect(error.message).toContain("Access token is missing or invalid");
    expect(error.message).not.toContain("qov_wrong_token_value");
    expect(reported()).toEqual(["GET /organization 401 #1"]);
    expect(sleeps).toEqual([]);
  });

  it("403: an id outside the token's organization fails with QoveryForbiddenError, no retry", async () => {
    const other = await createSimTenant();
    const error = await rejection(client().listEnvironments(other.project.id));
    expect(error).toBeInstanceOf(QoveryForbiddenError);
    expect(error.kind).toBe("qovery_forbidden");
    expect(error.message).toMatch(/another organization/);
    expect(reported()).toEqual(["GET /project/{projectId}/environment 403 #1"]);
  });

  it("404: updating a missing row fails with QoveryNotFoundError; deleting one succeeds", async () => {
    const qovery = client();
    const missing = crypto.randomUUID();
    const error = await rejection(qovery.updateVariable({ ...envSecrets(), id: missing, key: "GONE", value: "secret-value-1" }));
    expect(error).toBeInstanceOf(QoveryNotFoundError);
    expect(error.message).not.toContain("secret-value-1");
    await expect(qovery.deleteVariable({ ...envSecrets(), id: missing })).resolves.toBeUndefined();
    expect(reported()).toEqual([`PUT ${ENV_SECRETS}/{secretId} 404 #1`, `DELETE ${ENV_SECRETS}/{secretId} 404 #1`]);
  });

  describe("409 on create, reported with Qovery's detail and never retried", () => {
    const cases: [string, () => VariableTarget, string][] = [
      ["same scope", envSecrets, ENV_SECRETS],
      ["other scope of the chain (project row, environment create)", projectVars, "/project/{projectId}/environmentVariable"],
      ["other kind (variable, then secret)", envVars, ENV_VARS],
    ];
    it.each(cases)("%s", async (_name, existing, existingTemplate) => {
      const qovery = client();
      await qovery.createVariable({ ...existing(), key: "TAKEN", value: "first-value" });
      const error = await rejection(qovery.createVariable({ ...envSecrets(), key: "TAKEN", value: "second-value" }));
      expect(error).toBeInstanceOf(QoveryConflictError);
      expect(error.kind).toBe("qovery_conflict");
      expect(error.detail).toBe("Variable already exists: TAKEN");
      expect(error.message).not.toContain("second-value");
      expect(reported()).toEqual([`POST ${existingTemplate} 201 #1`, `POST ${ENV_SECRETS} 409 #1`]);
      expect((await sim.variables()).filter((v) => v.key === "TAKEN")).toHaveLength(1);
    });
  });

  it("400: a key Qovery refuses fails with QoveryValidationError, no retry", async () => {
    const error = await rejection(client().createVariable({ ...envSecrets(), key: "BAD-KEY", value: "some-secret" }));
    expect(error).toBeInstanceOf(QoveryValidationError);
    expect(error.kind).toBe("qovery_validation");
    expect(error.message).toContain("BAD-KEY");
    expect(error.message).not.toContain("some-secret");
    expect(reported()).toEqual([`POST ${ENV_SECRETS} 400 #1`]);
  });

  it("429 with Retry-After: waits what Qovery asks (plus jitter), then succeeds", async () => {
    await sim.injectFault({ type: "status", status: 429, retryAfterSeconds: 2 });
    expect(await client().listOrganizations()).toHaveLength(1);
    expect(sleeps).toEqual([2200]);
    expect(reported()).toEqual(["GET /organization 429 #1", "GET /organization 200 #2"]);
    expect(describeCalls(await sim.calls())).toEqual(["GET /organization 429", "GET /organization 200"]);
  });

  it("429 with only X-RateLimit-Reset: waits until the reset", async () => {
    await sim.injectFault({ type: "status", status: 429, rateLimitResetSeconds: 3 });
    expect(await client().listOrganizations()).toHaveLength(1);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(sleeps[0]).toBeLessThanOrEqual(4400);
    expect(reported()).toEqual(["GET /organization 429 #1", "GET /organization 200 #2"]);
  });

  it("429 without Retry-After: exponential backoff, and a create is repeated plainly (it was refused, not applied)", async () => {
    await sim.injectFault({ type: "status", status: 429, count: 2 });
    const created = await client().createVariable({ ...envSecrets(), key: "AFTER_429", value: "v" });
    expect(created.key).toBe("AFTER_429");
    expect(sleeps).toEqual([500, 1000]);
    expect(reported()).toEqual([`POST ${ENV_SECRETS} 429 #1`, `POST ${ENV_SECRETS} 429 #2`, `POST ${ENV_SECRETS} 201 #3`]);
  });

  it("429 that lasts: gives up after maxAttempts with QoveryRateLimitError", async () => {
    await sim.injectFault({ type: "status", status: 429, count: 10, retryAfterSeconds: 1 });
    const error = await rejection(client().listOrganizations());
    expect(error).toBeInstanceOf(QoveryRateLimitError);
    expect((error as QoveryRateLimitError).retryAfterMs).toBe(1000);
    expect(reported()).toEqual(["GET /organization 429 #1", "GET /organization 429 #2", "GET /organization 429 #3", "GET /organization 429 #4"]);
    expect(sleeps).toEqual([1100, 1100, 1100]);
  });

  it("429 asking for longer than the cap: fails at once, telling the caller when to come back", async () => {
    await sim.injectFault({ type: "status", status: 429, retryAfterSeconds: 120 });
    const error = await rejection(client({ retry: { maxDelayMs: 60_000, sleep: async (ms) => void sleeps.push(ms) } }).listOrganizations());
    expect(error).toBeInstanceOf(QoveryRateLimitError);
    expect(error.kind).toBe("qovery_rate_limited");
    expect((error as QoveryRateLimitError).retryAfterMs).toBe(120_000);
    expect(error.message).toContain("retry in 120 s");
    expect(reported()).toEqual(["GET /organization 429 #1"]);
    expect(sleeps).toEqual([]);
  });

  it("500 then success on a GET: retried after backoff", async () => {
    await sim.injectFault({ type: "status", status: 500 });
    expect(await client().listVariables(envSecrets())).toEqual([]);
    expect(sleeps).toEqual([500]);
    expect(reported()).toEqual([`GET ${ENV_SECRETS} 500 #1`, `GET ${ENV_SECRETS} 200 #2`]);
  });

  it("502 (an HTML page) then success on a PUT: retried, the value lands once", async () => {
    const qovery = client();
    const row = await qovery.createVariable({ ...envSecrets(), key: "ROTATED", value: "old" });
    await sim.injectFault({ type: "status", status: 502, method: "PUT" });
    const updated = await qovery.updateVariable({ ...envSecrets(), id: row.id, key: "ROTATED", value: "new" });
    expect(updated.id).toBe(row.id);
    expect(reported()).toEqual([`POST ${ENV_SECRETS} 201 #1`, `PUT ${ENV_SECRETS}/{secretId} 502 #1`, `PUT ${ENV_SECRETS}/{secretId} 200 #2`]);
    expect((await sim.variables()).find((v) => v.id === row.id)!.value).toBe("new");
  });

  it("5xx that lasts on a DELETE: gives up after maxAttempts with QoveryUpstreamError", async () => {
    const qovery = client();
    const row = await qovery.createVariable({ ...envVars(), key: "STAYS", value: "v" });
    await sim.injectFault({ type: "status", status: 503, count: 10, method: "DELETE" });
    const error = await rejection(qovery.deleteVariable({ ...envVars(), id: row.id }));
    expect(error).toBeInstanceOf(QoveryUpstreamError);
    expect(error.kind).toBe("qovery_upstream");
    expect(error.status).toBe(503);
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(reported().slice(1)).toEqual([1, 2, 3, 4].map((n) => `DELETE ${ENV_VARS}/{environmentVariableId} 503 #${n}`));
  });

  it("DELETE whose first answer is lost: the retry's 404 counts as success", async () => {
    const qovery = client();
    const row = await qovery.createVariable({ ...envVars(), key: "DELETED_ONCE", value: "v" });
    await sim.injectFault({ type: "timeout-after-commit", method: "DELETE" });
    await qovery.deleteVariable({ ...envVars(), id: row.id });
    expect(reported().slice(1)).toEqual([`DELETE ${ENV_VARS}/{environmentVariableId} timeout #1`, `DELETE ${ENV_VARS}/{environmentVariableId} 404 #2`]);
  });

  it("timeout on a GET: retried, then succeeds", async () => {
    await sim.injectFault({ type: "hang" });
    expect(await client().listOrganizations()).toHaveLength(1);
    expect(reported()).toEqual(["GET /organization timeout #1", "GET /organization 200 #2"]);
    expect(describeCalls(await sim.calls())).toEqual(["GET /organization - (held)", "GET /organization 200"]);
  });

  it("timeout on every try: QoveryTimeoutError after maxAttempts", async () => {
    await sim.injectFault({ type: "hang", count: 5 });
    const error = await rejection(client({ retry: { maxAttempts: 2, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 } }).listOrganizations());
    expect(error).toBeInstanceOf(QoveryTimeoutError);
    expect(error.kind).toBe("qovery_timeout");
    expect(error.message).toBe("Qovery did not answer within 600 ms (GET /organization)");
    expect(reported()).toEqual(["GET /organization timeout #1", "GET /organization timeout #2"]);
  });

  it("network failure: QoveryNetworkError, retried for reads", async () => {
    let failures = 1;
    const flaky = async (request: Request) => {
      if (failures-- > 0) throw new Error("Network connection lost.");
      return fetch(request);
    };
    expect(await client({ fetch: flaky }).listOrganizations()).toHaveLength(1);
    expect(reported()).toEqual(["GET /organization network #1", "GET /organization 200 #2"]);

    calls = [];
    const error = await rejection(client({ fetch: () => Promise.reject(new Error("Network connection lost.")), retry: { maxAttempts: 1 } }).listOrganizations());
    expect(error).toBeInstanceOf(QoveryNetworkError);
    expect(error.kind).toBe("qovery_network");
    expect(error.message).toBe("Could not reach Qovery (GET /organization): Network connection lost.");
  });

  describe("creates whose answer is lost are never written twice", () => {
    it("timeout after commit: the client finds the landed row by key and scope; exactly one row exists", async () => {
      await sim.injectFault({ type: "timeout-after-commit", method: "POST" });
      const created = await client().createVariable({ ...envSecrets(), key: "ONCE", value: "secret-once" });
      expect(created).toMatchObject({ key: "ONCE", scope: "ENVIRONMENT", value: null });
      const stored = (await sim.variables()).filter((v) => v.key === "ONCE");
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ id: created.id, value: "secret-once" });
      expect(reported()).toEqual([`POST ${ENV_SECRETS} timeout #1`, `GET ${ENV_SECRETS} 200 #1`]);
      expect(describeCalls(await sim.calls())).toEqual([`POST ${ENV_SECRETS} 201 (held)`, `GET ${ENV_SECRETS} 200`]);
    });

    it("5xx after commit: same, found by re-listing", async () => {
      await sim.injectFault({ type: "status", status: 500, afterCommit: true, method: "POST" });
      const created = await client().createVariable({ ...envVars(), key: "ONCE_5XX", value: "v" });
      expect((await sim.variables()).filter((v) => v.key === "ONCE_5XX").map((v) => v.id)).toEqual([created.id]);
      expect(reported()).toEqual([`POST ${ENV_VARS} 500 #1`, `GET ${ENV_VARS} 200 #1`]);
    });

    it("5xx before commit: re-listing finds nothing, so the create is repeated", async () => {
      await sim.injectFault({ type: "status", status: 503, method: "POST" });
      const created = await client().createVariable({ ...envVars(), key: "SECOND_TRY", value: "v" });
      expect(created.key).toBe("SECOND_TRY");
      expect(sleeps).toEqual([500]);
      expect(reported()).toEqual([`POST ${ENV_VARS} 503 #1`, `GET ${ENV_VARS} 200 #1`, `POST ${ENV_VARS} 201 #2`]);
      expect((await sim.variables()).filter((v) => v.key === "SECOND_TRY")).toHaveLength(1);
    });

    it("a 409 on the repeated create means the first try landed late: the listed row is returned", async () => {
      await sim.injectFault({ type: "status", status: 500, method: "POST" });
      let relists = 0;
      // The first try commits only after the client's first re-list has looked: the repeat then meets a 409.
      const landsLate = async (request: Request) => {
        if (request.method === "GET" && relists++ === 0) {
          const response = await fetch(request);
          await sim.api(`/environment/${sim.environment.id}/secret`, { method: "POST", body: { key: "LATE", value: "v" } });
          return response;
        }
        return fetch(request);
      };
      const created = await client({ fetch: landsLate }).createVariable({ ...envSecrets(), key: "LATE", value: "v" });
      expect((await sim.variables()).filter((v) => v.key === "LATE").map((v) => v.id)).toEqual([created.id]);
      expect(reported()).toEqual([`POST ${ENV_SECRETS} 500 #1`, `GET ${ENV_SECRETS} 200 #1`, `POST ${ENV_SECRETS} 409 #2`, `GET ${ENV_SECRETS} 200 #1`]);
    });

    it("a 409 on the repeated create from a row at another scope is a real conflict, not our create", async () => {
      await sim.injectFault({ type: "status", status: 500, method: "POST" });
      let relists = 0;
      const someoneElseAtProjectScope = async (request: Request) => {
        if (request.method === "GET" && relists++ === 0) {
          await sim.api(`/project/${sim.project.id}/environmentVariable`, { method: "POST", body: { key: "CONTESTED", value: "theirs" } });
        }
        return fetch(request);
      };
      const error = await rejection(client({ fetch: someoneElseAtProjectScope }).createVariable({ ...envVars(), key: "CONTESTED", value: "ours" }));
      expect(error).toBeInstanceOf(QoveryConflictError);
      expect(reported()).toEqual([`POST ${ENV_VARS} 500 #1`, `GET ${ENV_VARS} 200 #1`, `POST ${ENV_VARS} 409 #2`, `GET ${ENV_VARS} 200 #1`]);
      const stored = (await sim.variables()).filter((v) => v.key === "CONTESTED");
      expect(stored.map((v) => [v.scope, v.value])).toEqual([["PROJECT", "theirs"]]);
    });

    it("a 409 on the first try is a real conflict: no re-list", async () => {
      const qovery = client();
      await qovery.createVariable({ ...envSecrets(), key: "FIRST", value: "v" });
      await expect(qovery.createVariable({ ...envSecrets(), key: "FIRST", value: "v" })).rejects.toBeInstanceOf(QoveryConflictError);
      expect(reported()).toEqual([`POST ${ENV_SECRETS} 201 #1`, `POST ${ENV_SECRETS} 409 #1`]);
    });
  });

  describe("paginated lists", () => {
    it("follows every page and returns the whole list", async () => {
      await sim.configure({ pageSize: 2 });
      const qovery = client();
      for (const key of ["A", "B", "C"]) await qovery.createVariable({ ...envVars(), key, value: key });
      calls = [];
      await sim.clearCalls();

      const rows = await qovery.listVariables(envVars());
      // 3 created + 3 BUILT_IN rows visible from the environment
      expect(rows.map((r) => r.key).sort()).toEqual(["A", "B", "C", "QOVERY_ENVIRONMENT_ID", "QOVERY_KUBERNETES_NAMESPACE_NAME", "QOVERY_PROJECT_ID"]);
      expect(reported()).toEqual([`GET ${ENV_VARS} 200 #1`, `GET ${ENV_VARS} 200 #1`, `GET ${ENV_VARS} 200 #1`]);
      expect((await sim.calls()).map((c) => c.query)).toEqual(["", "page=2&page_size=2", "page=3&page_size=2"]);
    });

    it("refuses to return a partial list beyond the page cap", async () => {
      await sim.configure({ pageSize: 1 });
      const error = await rejection(client({ maxPages: 2 }).listVariables(envVars()));
      expect(error).toBeInstanceOf(QoveryUpstreamError);
      expect(error.message).toContain("more than 2 pages");
      expect(reported()).toEqual([`GET ${ENV_VARS} 200 #1`, `GET ${ENV_VARS} 200 #1`]);
    });

    it("a plain {results} list is one call", async () => {
      await client().listVariables(envVars());
      expect(reported()).toEqual([`GET ${ENV_VARS} 200 #1`]);
      expect((await sim.calls())[0]!.query).toBe("");
    });
  });
});

it("sends the token as `Authorization: Token` and JSON bodies", async () => {
  const seen: Request[] = [];
  const spy = async (request: Request) => {
    seen.push(request.clone());
    return fetch(request);
  };
  await client({ fetch: spy }).createVariable({ ...envVars(), key: "HEADERS", value: "v" });
  expect(seen[0]!.headers.get("Authorization")).toBe(`Token ${sim.token}`);
  expect(seen[0]!.headers.get("Content-Type")).toBe("application/json");
  expect(seen[0]!.headers.get("Accept")).toBe("application/json");
  expect(await seen[0]!.json()).toEqual({ key: "HEADERS", value: "v" });
});
