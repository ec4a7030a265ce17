/**
 * Organization-wide connections are not a confused deputy: a credential bound to one project cannot point a sync at
 * an organization-wide connection (whose token may reach every Qovery environment) unless a rule names that very
 * connection; an unbound administrator can. Also who may see, change and use connections, rule by rule.
 */
import { describe, expect, it } from "vitest";
import * as connections from "../../src/connections/service";
import * as syncs from "../../src/syncs/service";
import { api, createProject, createToken, unique } from "../helpers/api";
import { createSyncInput, expectDenied, failure, ruleActor, servicesAs } from "../helpers/sync-access";
import { createSync, getSync, syncFixture, type SyncFixture } from "../helpers/sync-fixtures";

const CONNECTIONS = "/api/v1/app-connections/qovery";
const SYNCS = "/api/v1/secret-syncs/qovery";

async function organizationConnection(f: SyncFixture) {
  const res = await api.post(CONNECTIONS, { name: unique("shared"), method: "access-token", credentials: { accessToken: f.tenant.token } });
  expect(res.status).toBe(200);
  return res.body.appConnection.id as string;
}

/** A project-level sync of `/app` through `connectionId`. */
const createInput = (f: SyncFixture, connectionId: string) => createSyncInput(f, { connectionId }, { environmentId: undefined });

/** Everything a sync needs in the project, and `connect-app-connections` as `connect` says. */
const boundSyncer = (f: SyncFixture, ...connect: unknown[]) =>
  ruleActor(f.project.id, [
    { subject: "secret-syncs", action: ["read", "create", "edit"] },
    { subject: "secrets", action: ["describeSecret", "readValue"] },
    ...connect,
  ]);

const connectRule = (conditions?: Record<string, unknown>, inverted?: boolean) => ({
  subject: "app-connections",
  action: ["connect-app-connections"],
  ...(conditions ? { conditions } : {}),
  ...(inverted ? { inverted } : {}),
});

describe("using an organization-wide connection", () => {
  it("a project-bound credential needs a rule naming the connection: an unconditional one is not enough", async () => {
    const f = await syncFixture({ A: "1" });
    const shared = await organizationConnection(f);
    await f.tenant.clearCalls();

    for (const rules of [[connectRule()], [connectRule({ connectionId: { $ne: crypto.randomUUID() } })], [connectRule({ connectionId: f.connectionId })]]) {
      await expectDenied(syncs.createSync(servicesAs(boundSyncer(f, ...rules)), createInput(f, shared)), "connect-app-connections", "app-connections");
    }
    // An explicit grant that a later rule takes back does not count either.
    await expectDenied(
      syncs.createSync(servicesAs(boundSyncer(f, connectRule({ connectionId: shared }), connectRule(undefined, true))), createInput(f, shared)),
      "connect-app-connections",
      "app-connections",
    );
    expect(await f.tenant.calls()).toEqual([]);

    for (const named of [shared, { $in: [f.connectionId, shared] }]) {
      const created = await syncs.createSync(servicesAs(boundSyncer(f, connectRule({ connectionId: named }))), createInput(f, shared));
      expect(created.sync.connectionId).toBe(shared);
    }
  });

  it("over the API: a bound scope token is refused, the unbound admin and unbound tokens are not", async () => {
    const f = await syncFixture({ A: "1" });
    const shared = await organizationConnection(f);
    const body = (name: string) => ({ ...createInput(f, shared), name });
    const bound = await createToken(["syncs:write", "secrets:read"], f.project.id);
    const refused = await api.post(SYNCS, body("bound"), { token: bound.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "PermissionDenied", message: "You are not allowed to connect-app-connections on app-connections" });
    expect((await api.post(SYNCS, body("admin"))).status).toBe(200);
    const unbound = await createToken(["syncs:write", "secrets:read"]);
    expect((await api.post(SYNCS, body("unbound"), { token: unbound.token })).status).toBe(200);
    // The bound token still uses its own project's connection.
    expect((await api.post(SYNCS, { ...body("own"), connectionId: f.connectionId }, { token: bound.token })).status).toBe(200);
  });

  it("re-pointing a sync at it is refused the same way", async () => {
    const f = await syncFixture({ A: "1" });
    const shared = await organizationConnection(f);
    const sync = await createSync(f, { autoSyncEnabled: false });
    await expectDenied(syncs.updateSync(servicesAs(boundSyncer(f, connectRule())), sync.id, { connectionId: shared }), "connect-app-connections", "app-connections");
    expect((await getSync(sync.id)).connectionId).toBe(f.connectionId);
    const moved = await syncs.updateSync(servicesAs(boundSyncer(f, connectRule(), connectRule({ connectionId: shared }))), sync.id, { connectionId: shared });
    expect(moved.sync.connectionId).toBe(shared);
  });

  it("lists as available only what the caller may use, and lets it list that connection's options", async () => {
    const f = await syncFixture({ A: "1" });
    const shared = await organizationConnection(f);
    const available = async (actor: ReturnType<typeof boundSyncer>) => (await connections.listAvailableConnections(servicesAs(actor), f.project.id)).map((c) => c.id).sort();
    expect(await available(boundSyncer(f, connectRule()))).toEqual([f.connectionId]);
    expect(await available(boundSyncer(f, connectRule(), connectRule({ connectionId: shared })))).toEqual([f.connectionId, shared].sort());
    await expectDenied(connections.listAvailableConnections(servicesAs(boundSyncer(f)), f.project.id), "connect-app-connections", "app-connections");

    await expectDenied(connections.listConnectionOrganizations(servicesAs(boundSyncer(f, connectRule())), shared), "read", "app-connections");
    const granted = boundSyncer(f, connectRule({ connectionId: shared }));
    expect(await connections.listConnectionOrganizations(servicesAs(granted), shared, f.project.id)).toEqual([{ id: f.tenant.organizationId, name: expect.any(String) }]);

    const { token } = await createToken(["syncs:write"], f.project.id);
    const listed = await api.get(`${CONNECTIONS}/available`, { query: { projectId: f.project.id }, token });
    expect(listed.status).toBe(200);
    expect(listed.body.appConnections).toEqual([{ app: "qovery", name: expect.any(String), id: f.connectionId, projectId: f.project.id, orgId: "default" }]);
    const admin = await api.get(`${CONNECTIONS}/available`, { query: { projectId: f.project.id } });
    expect(admin.body.appConnections.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([f.connectionId, shared]));
    const other = await createProject();
    expect((await api.get(`${CONNECTIONS}/available`, { query: { projectId: other.id }, token })).status).toBe(403);
  });

  it("another project's connection: 403 without the right to connect it there, Infisical's 400 with it", async () => {
    const f = await syncFixture({ A: "1" });
    const g = await syncFixture({ B: "2" });
    const bound = boundSyncer(f, connectRule());
    await expectDenied(syncs.createSync(servicesAs(bound), createInput(f, g.connectionId)), "connect-app-connections", "app-connections");
    const admin = await api.post(SYNCS, createInput(f, g.connectionId));
    expect(admin.status).toBe(400);
    expect(admin.body.message).toBe(
      `You cannot connect project App Connection with ID "${g.connectionId}" from project with ID "${g.project.id}" to project with ID "${f.project.id}"`,
    );
  });
});

describe("app-connections, action by action", () => {
  const projectRule = (action: string, connectionId?: string) => ({
    subject: "app-connections",
    action: [action],
    ...(connectionId ? { conditions: { connectionId } } : {}),
  });
  const organizationRule = projectRule;

  it("a project's connection follows the project's rules, conditioned on its id", async () => {
    const f = await syncFixture();
    const second = (await api.post(CONNECTIONS, { name: unique("second"), method: "access-token", credentials: { accessToken: f.tenant.token }, projectId: f.project.id })).body
      .appConnection.id as string;
    const as = (...rules: unknown[]) => servicesAs(ruleActor(f.project.id, rules));

    await connections.getQoveryConnection(as(projectRule("read-app-connections", f.connectionId)), f.connectionId);
    await expectDenied(connections.getQoveryConnection(as(projectRule("read-app-connections", second)), f.connectionId), "read-app-connections", "app-connections");
    const listed = await connections.listQoveryConnections(as(projectRule("read-app-connections", f.connectionId)), f.project.id);
    expect(listed.map((c) => c.id)).toEqual([f.connectionId]);
    await expectDenied(connections.listQoveryConnections(as({ subject: "secrets", action: ["readValue"] }), f.project.id), "read-app-connections", "app-connections");
    // Whoever may use a connection may see it.
    await connections.getQoveryConnection(as(projectRule("connect-app-connections", f.connectionId)), f.connectionId);

    await expectDenied(connections.updateQoveryConnection(as(projectRule("read-app-connections")), second, { description: "x" }), "edit-app-connections", "app-connections");
    expect((await connections.updateQoveryConnection(as(projectRule("edit-app-connections", second)), second, { description: "x" })).description).toBe("x");
    await expectDenied(connections.deleteQoveryConnection(as(projectRule("edit-app-connections")), second), "delete-app-connections", "app-connections");
    await connections.deleteQoveryConnection(as(projectRule("delete-app-connections", second)), second);

    const input = { name: unique("made"), description: null, projectId: f.project.id, accessToken: f.tenant.token, allowedDestinations: null };
    await expectDenied(connections.createQoveryConnection(as(projectRule("edit-app-connections")), input), "create-app-connections", "app-connections");
    expect((await connections.createQoveryConnection(as(projectRule("create-app-connections")), input)).projectId).toBe(f.project.id);
    // Project rules never reach an organization-wide connection.
    await expectDenied(connections.createQoveryConnection(as(projectRule("create-app-connections")), { ...input, projectId: null }), "create", "app-connections");
  });

  it("an organization-wide connection follows organization rules only", async () => {
    const f = await syncFixture();
    const shared = await organizationConnection(f);
    const unbound = (...rules: unknown[]) => servicesAs(ruleActor(null, [], rules));
    await connections.getQoveryConnection(unbound(organizationRule("read", shared)), shared);
    await expectDenied(connections.getQoveryConnection(unbound(organizationRule("read", f.connectionId)), shared), "read", "app-connections");
    await expectDenied(connections.updateQoveryConnection(unbound(organizationRule("read")), shared, { description: "x" }), "edit", "app-connections");
    await connections.updateQoveryConnection(unbound(organizationRule("edit", shared)), shared, { description: "x" });
    const bound = servicesAs(ruleActor(f.project.id, [projectRule("read-app-connections"), projectRule("edit-app-connections"), projectRule("delete-app-connections")]));
    await expectDenied(connections.getQoveryConnection(bound, shared), "read", "app-connections");
    await expectDenied(connections.updateQoveryConnection(bound, shared, { description: "y" }), "edit", "app-connections");
    await expectDenied(connections.deleteQoveryConnection(bound, shared), "delete", "app-connections");
    await expectDenied(connections.deleteQoveryConnection(unbound(organizationRule("edit")), shared), "delete", "app-connections");
    expect((await connections.deleteQoveryConnection(unbound(organizationRule("delete", shared)), shared)).id).toBe(shared);
    expect((await failure(connections.getQoveryConnection(unbound(organizationRule("read")), shared))).statusCode).toBe(404);
  });
});
