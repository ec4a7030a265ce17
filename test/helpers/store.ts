/** Secret-store shortcuts for tests: each call goes through the public API and fails loudly if the API refuses. */
import { env } from "cloudflare:workers";
import { api, type CallOptions } from "./api";

async function ok<T = any>(promise: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const res = await promise;
  if (res.status !== 200) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function putSecret(projectId: string, key: string, value: string, where: { environment?: string; secretPath?: string } = {}, o?: CallOptions) {
  const body = { workspaceId: projectId, environment: where.environment ?? "dev", secretPath: where.secretPath ?? "/", secretValue: value };
  return (await ok(api.post(`/api/v3/secrets/raw/${encodeURIComponent(key)}`, body, o), `create secret ${key}`)).secret;
}

export async function putSecrets(projectId: string, secrets: Record<string, string>, where: { environment?: string; secretPath?: string } = {}) {
  const body = {
    projectId,
    environment: where.environment ?? "dev",
    secretPath: where.secretPath ?? "/",
    secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
  };
  return (await ok(api.post("/api/v4/secrets/batch", body), "batch create")).secrets;
}

export async function makeFolder(projectId: string, path: string, name: string, environment = "dev") {
  return (await ok(api.post("/api/v2/folders", { projectId, environment, path, name }), `create folder ${path}/${name}`)).folder;
}

export async function makeImport(projectId: string, to: { environment: string; path: string }, from: { environment: string; path: string }) {
  return (await ok(api.post("/api/v2/secret-imports", { projectId, ...to, import: from }), "create import")).secretImport;
}

export async function listSecrets(projectId: string, query: Record<string, string> = {}) {
  return ok(api.get("/api/v4/secrets", { query: { projectId, environment: "dev", ...query } }), "list secrets");
}

/** Raw rows as stored in D1, for checks the API cannot make (ciphertext at rest, nothing written). */
export async function storedSecretRows(projectId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM secrets WHERE project_id = ? ORDER BY key").bind(projectId).all<Record<string, unknown>>();
  return results;
}

export async function changeEventRows(projectId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM change_events WHERE project_id = ? ORDER BY created_at, rowid").bind(projectId).all<Record<string, unknown>>();
  return results;
}
