/**
 * A connection's destination allowlist over HTTP: stored and shown with the connection, enforced when a sync is
 * created or re-pointed (before Qovery is asked anything), and again before every run, since the list can change
 * after a sync was set up: a run outside it fails with a clear message and writes or deletes nothing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_ALLOWED_DESTINATIONS } from "../../src/connections/allowed-destinations";
import { api, unique } from "../helpers/api";
import { createSync, getSync, putSecrets, qoveryValues, syncFixture, triggerSync, waitForRun, type SyncFixture } from "../helpers/sync-fixtures";

const CONNECTIONS = "/api/v1/app-connections/qovery";
const SYNCS = "/api/v1/secret-syncs/qovery";

type Fixture = SyncFixture & { connectionName: string };

const setAllowlist = async (f: SyncFixture, allowedDestinations: unknown) => api.patch(`${CONNECTIONS}/${f.connectionId}`, { allowedDestinations });

const outside = (f: Fixture, place: string) =>
  `The destination (${place}) is not among the allowed destinations of App Connection "${f.connectionName}"`;

async function fixture(secrets: Record<string, string> = { A: "1" }): Promise<Fixture> {
  const f = await syncFixture(secrets);
  const connectionName = (await api.get(`${CONNECTIONS}/${f.connectionId}`)).body.appConnection.name as string;
  return Object.assign(f, { connectionName });
}

function syncBody(f: SyncFixture, destination: { projectId: string; environmentId?: string }) {
  return {
    name: unique("fenced").replace(/[^a-z0-9-]/g, ""),
    projectId: f.project.id,
    connectionId: f.connectionId,
    environment: "dev",
    secretPath: "/app",
    isAutoSyncEnabled: false,
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { organizationId: f.tenant.organizationId, ...destination, variableType: "secret" },
  };
}

describe("the allowlist on the connection", () => {
  it("is stored, shown, replaced and lifted; invalid input changes nothing", async () => {
    const f = await fixture();
    expect((await api.get(`${CONNECTIONS}/${f.connectionId}`)).body.appConnection.allowedDestinations).toBeNull();
    const list = [{ organizationId: f.tenant.organizationId, projectId: f.tenant.project.id }];
    const set = await setAllowlist(f, list);
    expect(set.status).toBe(200);
    expect(set.body.appConnection.allowedDestinations).toEqual(list);
    expect((await api.get(`${CONNECTIONS}/${f.connectionId}`)).body.appConnection.allowedDestinations).toEqual(list);

    const tooMany = Array.from({ length: MAX_ALLOWED_DESTINATIONS + 1 }, (_, i) => ({ organizationId: `org-${i}` }));
    for (const bad of [tooMany, [{ organizationId: "o", environmentId: "e" }], [{ organizationId: "o", region: "eu" }], "everywhere"]) {
      const res = await setAllowlist(f, bad);
      expect(res.status).toBe(422);
      expect(res.body.error).toBe("ValidationFailure");
    }
    expect((await api.get(`${CONNECTIONS}/${f.connectionId}`)).body.appConnection.allowedDestinations).toEqual(list);

    expect((await setAllowlist(f, null)).body.appConnection.allowedDestinations).toBeNull();
    const audit = await env.DB.prepare("select metadata_json from audit_logs where target_id = ? and action = 'app-connection.update' order by created_at desc, rowid desc")
      .bind(f.connectionId)
      .first<{ metadata_json: string }>();
    expect(JSON.parse(audit!.metadata_json)).toMatchObject({ allowedDestinationsChanged: true, credentialsChanged: false });

    const created = await api.post(CONNECTIONS, {
      name: unique("fenced"),
      method: "access-token",
      credentials: { accessToken: f.tenant.token },
      projectId: f.project.id,
      allowedDestinations: [{ organizationId: "o" }, { organizationId: "o" }],
    });
    expect(created.body.appConnection.allowedDestinations).toEqual([{ organizationId: "o" }]);
  });
});

describe("setting up a sync", () => {
  it("is refused outside the list, before Qovery hears anything; a project entry allows its environments", async () => {
    const f = await fixture();
    const [backend, other] = f.tenant.summary.projects;
    const [staging] = backend!.environments;
    expect((await setAllowlist(f, [{ organizationId: f.tenant.organizationId, projectId: backend!.id }])).status).toBe(200);
    await f.tenant.clearCalls();

    const refused = await api.post(SYNCS, syncBody(f, { projectId: other!.id }));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe(outside(f, `Qovery organization "${f.tenant.organizationId}", project "${other!.id}" (project level)`));
    expect(await f.tenant.calls()).toEqual([]);

    expect((await api.post(SYNCS, syncBody(f, { projectId: backend!.id, environmentId: staging!.id }))).status).toBe(200);
    expect((await api.post(SYNCS, syncBody(f, { projectId: backend!.id }))).status).toBe(200);
  });

  it("an environment entry allows that environment only, not its project level; re-pointing is checked too", async () => {
    const f = await fixture();
    const [staging, production] = f.tenant.project.environments;
    const sync = await createSync(f, { autoSyncEnabled: false, environmentId: staging!.id });
    expect((await setAllowlist(f, [{ organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: staging!.id }])).status).toBe(200);

    const projectLevel = await api.post(SYNCS, syncBody(f, { projectId: f.tenant.project.id }));
    expect(projectLevel.status).toBe(400);
    const moved = await api.patch(`${SYNCS}/${sync.id}`, {
      destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: production!.id, variableType: "secret" },
    });
    expect(moved.status).toBe(400);
    expect(moved.body.message).toBe(
      outside(f, `Qovery organization "${f.tenant.organizationId}", project "${f.tenant.project.id}", environment "${production!.id}"`),
    );
    expect((await getSync(sync.id)).destinationConfig.environmentId).toBe(staging!.id);
    expect((await api.patch(`${SYNCS}/${sync.id}`, { description: "still fine" })).status).toBe(200);
  });
});

describe("at run time", () => {
  it("a run to a destination the list no longer allows fails before any Qovery call, and writes or deletes nothing", async () => {
    const f = await fixture({ KEEP: "v1", GONE: "x" });
    const sync = await createSync(f, { autoSyncEnabled: false });
    await triggerSync(sync.id);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    const target = f.tenant.environment.id;
    expect(await qoveryValues(f.tenant, target)).toEqual({ KEEP: "v1", GONE: "x" });

    const [, other] = f.tenant.summary.projects;
    expect((await setAllowlist(f, [{ organizationId: f.tenant.organizationId, projectId: other!.id }])).status).toBe(200);
    await putSecrets(f.project.id, "dev", "/app", { KEEP: "v2" });
    await api.delete(`/api/v4/secrets/GONE`, { projectId: f.project.id, environment: "dev", secretPath: "/app" });
    await f.tenant.clearCalls();

    const { runId } = await triggerSync(sync.id);
    const failed = await waitForRun(sync.id);
    const refusal = outside(f, `Qovery organization "${f.tenant.organizationId}", project "${f.tenant.project.id}", environment "${target}"`);
    expect(failed.syncStatus).toBe("failed");
    expect(JSON.parse(failed.lastSyncMessage)).toEqual({ error: refusal });
    const run = (await api.get(`${SYNCS}/${sync.id}/runs/${runId}`)).body.run;
    expect(run).toMatchObject({ status: "failed", qoveryCalls: 0 });
    expect(await f.tenant.calls()).toEqual([]);
    expect(await qoveryValues(f.tenant, target)).toEqual({ KEEP: "v1", GONE: "x" });

    // Removing and previewing are refused the same way; the sync stays.
    await api.post(`${SYNCS}/${sync.id}/remove-secrets`);
    expect(JSON.parse((await waitForRun(sync.id, "remove")).lastRemoveMessage)).toEqual({ error: refusal });
    const plan = await api.get(`${SYNCS}/${sync.id}/plan`);
    expect({ status: plan.status, message: plan.body.message }).toEqual({ status: 400, message: refusal });
    expect(await f.tenant.calls()).toEqual([]);
    expect(await qoveryValues(f.tenant, target)).toEqual({ KEEP: "v1", GONE: "x" });

    // Allowed again, the next run catches up.
    expect((await setAllowlist(f, null)).status).toBe(200);
    await triggerSync(sync.id);
    expect((await waitForRun(sync.id)).syncStatus).toBe("succeeded");
    expect(await qoveryValues(f.tenant, target)).toEqual({ KEEP: "v2" });
  });
});
