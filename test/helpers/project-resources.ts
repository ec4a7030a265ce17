/**
 * A project holding one of every kind of resource the API manages (folders, secrets, imports, a connection, a sync
 * with a finished run, webhook endpoint and subscription, a token, an identity with a client secret, a custom role,
 * a member), created by the admin through the API, with the ids a request needs to name each of them.
 */
import { expect } from "vitest";
import { api, unique } from "./api";
import { addMember, createRole, grantIdentity, grantToken } from "./people";
import { RECEIVER_ORIGIN } from "./receiver";
import { makeImport } from "./store";
import { createSync, latestRun, syncFixture, triggerSync, waitForRun, type SyncFixture } from "./sync-fixtures";

export interface ProjectResources {
  fixture: SyncFixture;
  projectId: string;
  environmentId: string;
  folderId: string;
  secretId: string;
  secretImportId: string;
  connectionId: string;
  connectionName: string;
  /** the simulated Qovery organization and project the connection reaches */
  organizationId: string;
  qoveryProjectId: string;
  syncId: string;
  syncName: string;
  runId: string;
  endpointId: string;
  subscriptionId: string;
  tokenId: string;
  identityId: string;
  clientSecretId: string;
  roleId: string;
  roleSlug: string;
  membershipId: string;
  memberEmail: string;
}

const ok = (res: { status: number; body: any }) => {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

/** dev:/app holds KEY and imports staging:/; a sync of dev:/app (auto-sync off) has run once; nothing runs afterwards. */
export async function projectResources(): Promise<ProjectResources> {
  const fixture = await syncFixture({ KEY: "value" }, "/app");
  const { project, tenant, connectionId } = fixture;
  const projectId = project.id;
  const folders = ok(await api.get("/api/v2/folders", { query: { projectId, environment: "dev" } })).folders;
  const secret = ok(await api.get("/api/v4/secrets/KEY", { query: { projectId, environment: "dev", secretPath: "/app" } })).secret;
  const secretImport = await makeImport(projectId, { environment: "dev", path: "/app" }, { environment: "staging", path: "/" });
  const connection = ok(await api.get(`/api/v1/app-connections/qovery/${connectionId}`)).appConnection;
  const sync = await createSync(fixture, { autoSyncEnabled: false });
  await triggerSync(sync.id);
  await waitForRun(sync.id);
  const run = await latestRun(sync.id);
  const endpoint = ok(await api.post("/api/v1/webhooks/endpoints", { name: unique("endpoint"), projectId })).endpoint;
  // Subscribed to failures only: the run above succeeded, so no delivery is pending.
  const subscription = ok(
    await api.post("/api/v1/webhooks/subscriptions", { projectId, url: `${RECEIVER_ORIGIN}/${unique("hook")}/hook`, events: ["sync.failed"] }),
  ).subscription;
  const token = await grantToken({ role: "viewer" }, projectId);
  const { identity } = await grantIdentity({ role: "viewer" }, projectId);
  const clientSecrets = ok(await api.get(`/api/v1/identities/${identity.id}/client-secrets`)).clientSecretData;
  const role = await createRole(projectId, [{ subject: "audit-logs", action: ["read"] }]);
  const memberEmail = `${unique("member")}@example.com`;
  const membership = await addMember(projectId, memberEmail, role.slug);
  return {
    fixture,
    projectId,
    environmentId: project.environments.find((e) => e.slug === "dev")!.id,
    folderId: folders.find((f: { name: string }) => f.name === "app").id,
    secretId: secret.id,
    secretImportId: secretImport.id,
    connectionId,
    connectionName: connection.name,
    organizationId: tenant.organizationId,
    qoveryProjectId: tenant.project.id,
    syncId: sync.id,
    syncName: sync.name,
    runId: run.id,
    endpointId: endpoint.id,
    subscriptionId: subscription.id,
    tokenId: token.apiToken.id,
    identityId: identity.id,
    clientSecretId: clientSecrets[0].id,
    roleId: role.id,
    roleSlug: role.slug,
    membershipId: membership.id,
    memberEmail,
  };
}
