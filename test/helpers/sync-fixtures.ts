/** Builds what a sync needs — a project with secrets, a simulated Qovery tenant, a connection — through the real API. */
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { api, createProject, unique } from "./api";
import { createSimTenant, type SimTenantHandle } from "./qovery-sim";

export interface SyncFixture {
  project: Awaited<ReturnType<typeof createProject>>;
  tenant: SimTenantHandle;
  connectionId: string;
}

export async function createFolder(projectId: string, environment: string, path: string) {
  const parts = path.split("/").filter(Boolean);
  const name = parts.pop()!;
  const res = await api.post("/api/v2/folders", { projectId, environment, name, path: `/${parts.join("/")}` });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function putSecrets(projectId: string, environment: string, secretPath: string, secrets: Record<string, string>) {
  const res = await api.patch("/api/v4/secrets/batch", {
    projectId,
    environment,
    secretPath,
    mode: "upsert",
    secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function deleteSecret(projectId: string, environment: string, secretPath: string, key: string) {
  const res = await api.delete(`/api/v4/secrets/${key}`, { projectId, environment, secretPath });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function createConnection(projectId: string, token: string) {
  const res = await api.post("/api/v1/app-connections/qovery", { name: unique("qovery"), method: "access-token", credentials: { accessToken: token }, projectId });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.appConnection.id as string;
}

/** A project with `secrets` under /app in dev, a fresh simulated Qovery organization, and a connection to it. */
export async function syncFixture(secrets: Record<string, string> = {}, path = "/app"): Promise<SyncFixture> {
  const project = await createProject();
  if (path !== "/") await createFolder(project.id, "dev", path);
  if (Object.keys(secrets).length) await putSecrets(project.id, "dev", path, secrets);
  const tenant = await createSimTenant();
  const connectionId = await createConnection(project.id, tenant.token);
  return { project, tenant, connectionId };
}

export interface SyncOverrides {
  name?: string;
  secretPath?: string;
  environmentId?: string | null;
  variableType?: "secret" | "variable";
  keySchema?: string;
  disableSecretDeletion?: boolean;
  autoSyncEnabled?: boolean;
  isEnabled?: boolean;
}

export async function createSync(f: SyncFixture, o: SyncOverrides = {}) {
  const res = await api.post("/api/v1/secret-syncs/qovery", {
    name: o.name ?? unique("sync").replace(/[^a-z0-9-]/g, ""),
    projectId: f.project.id,
    connectionId: f.connectionId,
    environment: "dev",
    secretPath: o.secretPath ?? "/app",
    isEnabled: o.isEnabled ?? true,
    syncOptions: {
      initialSyncBehavior: "overwrite-destination",
      autoSyncEnabled: o.autoSyncEnabled ?? true,
      disableSecretDeletion: o.disableSecretDeletion ?? false,
      ...(o.keySchema ? { keySchema: o.keySchema } : {}),
    },
    destinationConfig: {
      organizationId: f.tenant.organizationId,
      projectId: f.tenant.project.id,
      ...(o.environmentId === null ? {} : { environmentId: o.environmentId ?? f.tenant.environment.id }),
      variableType: o.variableType ?? "secret",
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.secretSync as { id: string; name: string; syncStatus: string | null; lastSyncJobId: string | null };
}

/** A valid body for creating a sync of `f`'s /app (an environment-scoped destination), with `overrides` applied. */
export function syncBody(f: SyncFixture, overrides: Record<string, unknown> = {}) {
  return {
    name: "valid-name",
    projectId: f.project.id,
    connectionId: f.connectionId,
    environment: "dev",
    secretPath: "/app",
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: f.tenant.environment.id },
    ...overrides,
  };
}

export const getSync = async (syncId: string) => (await api.get(`/api/v1/secret-syncs/qovery/${syncId}`)).body.secretSync;

/** Waits for the real queue consumer to finish the sync's latest run of `kind`. */
export async function waitForRun(syncId: string, kind: "sync" | "remove" = "sync", timeout = 15_000) {
  let sync: any;
  await vi.waitUntil(
    async () => {
      sync = await getSync(syncId);
      const status = kind === "sync" ? sync?.syncStatus : sync?.removeStatus;
      return status === "succeeded" || status === "failed";
    },
    { timeout, interval: 50 },
  );
  return sync;
}

export async function triggerSync(syncId: string) {
  const res = await api.post(`/api/v1/secret-syncs/qovery/${syncId}/sync-secrets`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { secretSync: any; runId: string };
}

export async function latestRun(syncId: string) {
  const runs = await api.get(`/api/v1/secret-syncs/qovery/${syncId}/runs`);
  const run = runs.body.runs[0];
  return (await api.get(`/api/v1/secret-syncs/qovery/${syncId}/runs/${run.id}`)).body.run;
}

/** The rows a sync manages in the simulator: own scope, VALUE, as `{KEY: value}` (secret values included). */
export async function qoveryValues(tenant: SimTenantHandle, parentId: string) {
  const rows = await tenant.variables();
  return Object.fromEntries(
    rows
      .filter((r) => r.parentId === parentId && r.variableType === "VALUE" && (r.scope === "PROJECT" || r.scope === "ENVIRONMENT"))
      .map((r) => [r.key, r.value]),
  );
}

export { env };
