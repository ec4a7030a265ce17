/**
 * Acting as a credential with exactly the rules a test gives it, against the real services (D1, queue, simulator):
 * until API tokens take `permissions`, rule matrices call the services directly with such actors.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { credentialActor, type Actor } from "../../src/access/actor";
import { PermissionDeniedError } from "../../src/access/denial";
import { organizationRulesSchema, projectRulesSchema } from "../../src/access/rules";
import { createDb } from "../../src/db/client";
import { ApiError } from "../../src/lib/errors";
import { loadKeyRing } from "../../src/lib/crypto";
import { createQoveryClient } from "../../src/qovery/client";
import type { JobQueue } from "../../src/queue/messages";
import { createSyncBody, type CreateSyncInput } from "../../src/syncs/schemas";
import type { SyncServiceDeps } from "../../src/syncs/service";
import { unique } from "./api";
import type { SyncFixture } from "./sync-fixtures";

/** An API token bound to `projectId` (null: unbound) holding `project` and `organization` rules, validated as the API would. */
export function ruleActor(projectId: string | null, project: unknown[], organization: unknown[] = []): Actor {
  return credentialActor({
    kind: "api-token",
    id: unique("token"),
    name: unique("rules"),
    projectId,
    rules: { project: projectRulesSchema.parse(project), organization: organizationRulesSchema.parse(organization) },
  });
}

/** The services' dependencies as a route builds them, acting as `actor`. */
export function servicesAs(actor: Actor): SyncServiceDeps {
  return {
    db: createDb(env.DB),
    keyRing: () => loadKeyRing(env.ENCRYPTION_KEY),
    qovery: (token) => createQoveryClient({ baseUrl: env.QOVERY_API_URL, token, retry: { maxAttempts: 1 } }),
    queue: env.SYNC_QUEUE as JobQueue,
    actor,
    requestId: unique("req"),
  };
}

/** The error a call fails with (the test fails if it succeeds). */
export async function failure(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    () => null,
    (error: unknown) => error,
  );
  expect(outcome, "expected the call to be refused").toBeInstanceOf(ApiError);
  return outcome as ApiError;
}

/** Infisical's 403 for a failed rule check: `You are not allowed to <action> on <subject>`. */
export async function expectDenied(call: Promise<unknown>, action: string, subject: string) {
  const error = await failure(call);
  expect(error).toBeInstanceOf(PermissionDeniedError);
  expect({ status: error.statusCode, error: error.error, message: error.message }).toEqual({
    status: 403,
    error: "PermissionDenied",
    message: `You are not allowed to ${action} on ${subject}`,
  });
  return error as PermissionDeniedError;
}

/** A create request for the fixture's `/app` in dev, parsed as the API parses it (no run queued unless asked). */
export function createSyncInput(f: SyncFixture, overrides: Record<string, unknown> = {}, destination: Record<string, unknown> = {}): CreateSyncInput {
  return createSyncBody.parse({
    name: unique("sync").replace(/[^a-z0-9-]/g, ""),
    projectId: f.project.id,
    connectionId: f.connectionId,
    environment: "dev",
    secretPath: "/app",
    isAutoSyncEnabled: false,
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: f.tenant.environment.id, variableType: "secret", ...destination },
    ...overrides,
  });
}
