import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connectionCredentialsAad } from "../../src/db/encrypted-columns";
import { encryptField, loadKeyRing, sha256Hex } from "../../src/lib/crypto";
import { api } from "../helpers/api";
import { createSimTenant } from "../helpers/qovery-sim";
import { createFolder, putSecrets, qoveryValues, waitForRun } from "../helpers/sync-fixtures";

// The product document's sample ids: the request below is sent exactly as the document shows it.
const SAMPLE_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

const SEED_REQUEST = `{
    "name": "my-qovery-sync",
    "projectId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    "description": "an example sync",
    "connectionId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    "environment": "dev",
    "secretPath": "/my-secrets",
    "isEnabled": true,
    "syncOptions": {
        "initialSyncBehavior": "overwrite-destination",
        "autoSyncEnabled": true,
        "disableSecretDeletion": false
    },
    "destinationConfig": {
        "organizationId": "dev-organization-id",
        "organizationName": "My Organization",
        "projectId": "dev-project-id",
        "projectName": "Development Project",
        "environmentId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "environmentName": "Development",
        "variableType": "secret"
    }
}`;

/** Every field of the document's sample response, with its JSON type. */
const SAMPLE_RESPONSE_TYPES: Record<string, string> = {
  id: "string", name: "string", description: "string", isEnabled: "boolean", version: "number", folderId: "string",
  connectionId: "string", createdAt: "string", updatedAt: "string", syncStatus: "string", lastSyncJobId: "string",
  lastSyncMessage: "null", lastSyncedAt: "string", importStatus: "null", lastImportJobId: "null", lastImportMessage: "null",
  lastImportedAt: "null", removeStatus: "null", lastRemoveJobId: "null", lastRemoveMessage: "null", lastRemovedAt: "null",
  syncOptions: "object", projectId: "string", connection: "object", environment: "object", folder: "object",
  destination: "string", destinationConfig: "object",
};
const typeOf = (v: unknown) => (v === null ? "null" : typeof v);

async function seedWorld() {
  const now = new Date().toISOString();
  // The sample's project and connection ids are fixed, so they are inserted with those ids.
  await env.DB.batch([
    env.DB.prepare("insert into projects (id, name, slug, description, created_at, updated_at) values (?, 'Sample', 'sample-project', null, ?, ?)").bind(SAMPLE_ID, now, now),
    env.DB.prepare("insert into environments (id, project_id, name, slug, position, created_at, updated_at) values ('sample-env-dev', ?, 'Development', 'dev', 1, ?, ?)").bind(SAMPLE_ID, now, now),
    env.DB.prepare("insert into folders (id, project_id, environment_id, parent_id, name, path, created_at, updated_at) values ('sample-root', ?, 'sample-env-dev', null, 'root', '/', ?, ?)").bind(SAMPLE_ID, now, now),
  ]);
  await createFolder(SAMPLE_ID, "dev", "/my-secrets");
  await putSecrets(SAMPLE_ID, "dev", "/my-secrets", { DATABASE_URL: "postgres://app:pw@db/app", API_KEY: "sk_live_123", EMPTY_OK: "" });

  const tenant = await createSimTenant("My Organization", { organizationId: "dev-organization-id", projectIds: ["dev-project-id"], environmentIds: [SAMPLE_ID] });
  const ring = await loadKeyRing(env.ENCRYPTION_KEY);
  const ciphertext = await encryptField(ring, JSON.stringify({ accessToken: tenant.token }), connectionCredentialsAad(SAMPLE_ID));
  await env.DB.prepare(
    "insert into app_connections (id, name, app, method, project_id, credentials_ciphertext, credentials_hash, version, created_at, updated_at) values (?, 'my-qovery-connection', 'qovery', 'access-token', ?, ?, ?, 1, ?, ?)",
  )
    .bind(SAMPLE_ID, SAMPLE_ID, ciphertext, await sha256Hex(ciphertext), now, now)
    .run();
  return tenant;
}

describe("the product document's sample request", () => {
  it("is accepted verbatim, answers the sample shape, and the secrets land in Qovery", async () => {
    const tenant = await seedWorld();
    const res = await api.post("/api/v1/secret-syncs/qovery", undefined, { rawBody: SEED_REQUEST });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const created = res.body.secretSync;
    expect(created).toMatchObject({
      name: "my-qovery-sync",
      description: "an example sync",
      isEnabled: true,
      isAutoSyncEnabled: true,
      version: 1,
      projectId: SAMPLE_ID,
      connectionId: SAMPLE_ID,
      destination: "qovery",
      connection: { app: "qovery", name: "my-qovery-connection", id: SAMPLE_ID },
      environment: { slug: "dev", name: "Development", id: "sample-env-dev" },
      folder: { path: "/my-secrets" },
      syncOptions: { initialSyncBehavior: "overwrite-destination", autoSyncEnabled: true, disableSecretDeletion: false },
      destinationConfig: {
        organizationId: "dev-organization-id",
        organizationName: "My Organization",
        projectId: "dev-project-id",
        projectName: "Development Project",
        environmentId: SAMPLE_ID,
        environmentName: "Development",
        variableType: "secret",
      },
    });
    expect(["pending", "running", "succeeded"]).toContain(created.syncStatus);

    const synced = await waitForRun(created.id);
    expect(synced.syncStatus, synced.lastSyncMessage).toBe("succeeded");
    for (const [field, type] of Object.entries(SAMPLE_RESPONSE_TYPES)) expect(typeOf(synced[field]), field).toBe(type);
    expect(await qoveryValues(tenant, SAMPLE_ID)).toEqual({ DATABASE_URL: "postgres://app:pw@db/app", API_KEY: "sk_live_123", EMPTY_OK: "" });
  });
});
