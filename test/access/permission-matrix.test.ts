/**
 * The permission matrix through the API, as a client meets it: for every subject and action of the project catalogue
 * that a route checks, a token created with exactly that rule (plus what the route needs besides, never that action)
 * performs the route, and a token holding every other action of the subject gets Infisical's 403 and changes
 * nothing. The table is keyed by the catalogue itself, so a new subject or action fails here until it gets a case or
 * is listed as checked by no route. Then: environment and path conditions with globs, inverted rules, and the
 * organization-level actions with tokens bound to no project.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_PERMISSIONS, type ProjectAction, type ProjectSubject } from "../../src/access/rules";
import { api, call, createProject, unique, type ApiResponse } from "../helpers/api";
import { addMember, createRole, grantIdentity, grantToken } from "../helpers/people";
import { projectResources, type ProjectResources } from "../helpers/project-resources";
import { makeFolder, makeImport, putSecret } from "../helpers/store";
import { storedRows } from "../helpers/stored-rows";
import { createConnection, createSync, syncFixture, waitForRun } from "../helpers/sync-fixtures";

interface Rule {
  subject: string;
  action: string[];
  conditions?: Record<string, unknown>;
  inverted?: boolean;
}

interface Request {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

interface Prepared {
  /** the project the tokens are bound to (default: the shared fixture's) */
  projectId?: string;
  request: Request;
  /** rules the route needs besides the one under test */
  extra?: Rule[];
  /**
   * Other actions of the subject that grant this one too, by design: left out of the token that must be refused.
   */
  impliedBy?: string[];
  /** what the granted call answers (default 200) */
  granted?: { status: number; message?: string };
  /** waits for work the granted call started (a queued run), so the next case sees a quiet database */
  settle?: () => Promise<unknown>;
}

type Case = (p: ProjectResources) => Promise<Prepared>;
/** A pair no route checks yet, with why (none today: every pair of the catalogue is checked by some route). */
type Unchecked = { unchecked: string };

type Matrix = { [S in ProjectSubject]: { [A in ProjectAction<S>]: Case | Unchecked } };

const get = (path: string, query?: Record<string, string>): Request => ({ method: "GET", path, query });
const post = (path: string, body: unknown = {}): Request => ({ method: "POST", path, body });
const patch = (path: string, body: unknown): Request => ({ method: "PATCH", path, body });
const del = (path: string, body?: unknown, query?: Record<string, string>): Request => ({ method: "DELETE", path, body, query });

const inApp = (p: ProjectResources) => ({ projectId: p.projectId, environment: "dev", secretPath: "/app" });
const atRoot = (p: ProjectResources) => ({ projectId: p.projectId, environment: "dev", path: "/" });
const READ_SECRETS: Rule = { subject: "secrets", action: ["describeSecret", "readValue"] };
const CONNECT: Rule = { subject: "app-connections", action: ["connect-app-connections"] };
const ok = (request: Request, more: Omit<Prepared, "request"> = {}) => Promise.resolve({ request, ...more });

const SYNCS = "/api/v1/secret-syncs/qovery";

/** A project of its own with a sync (auto-sync off) that has not run, for cases that run or delete syncs. */
async function ownSync() {
  const f = await syncFixture({ A: "1" });
  const sync = await createSync(f, { autoSyncEnabled: false });
  return { projectId: f.project.id, syncId: sync.id };
}

const MATRIX: Matrix = {
  secrets: {
    describeSecret: (p) => ok(get("/api/v4/secrets", { ...inApp(p), viewSecretValue: "false" })),
    readValue: (p) => ok(get(`/api/v4/secrets/id/${p.secretId}`)),
    create: (p) => ok(post(`/api/v4/secrets/${unique("NEW").replace(/-/g, "_")}`, { ...inApp(p), secretValue: "v" })),
    edit: (p) => ok(patch("/api/v4/secrets/KEY", { ...inApp(p), secretValue: "edited" })),
    delete: async (p) => {
      const key = unique("GONE").replace(/-/g, "_");
      await putSecret(p.projectId, key, "v", { secretPath: "/app" });
      return { request: del(`/api/v4/secrets/${key}`, inApp(p)) };
    },
  },
  "secret-folders": {
    read: (p) => ok(get("/api/v2/folders", { ...atRoot(p), recursive: "true" })),
    create: (p) => ok(post("/api/v2/folders", { ...atRoot(p), name: unique("made") })),
    edit: async (p) => {
      const folder = await makeFolder(p.projectId, "/", unique("edit"));
      return { request: patch(`/api/v2/folders/${folder.id}`, { ...atRoot(p), name: unique("renamed") }) };
    },
    delete: async (p) => {
      const folder = await makeFolder(p.projectId, "/", unique("drop"));
      return { request: del(`/api/v2/folders/${folder.id}`, atRoot(p)) };
    },
  },
  "secret-imports": {
    read: (p) => ok(get("/api/v2/secret-imports", { ...atRoot(p), path: "/app" })),
    create: async (p) => {
      const folder = await makeFolder(p.projectId, "/", unique("into"));
      const request = post("/api/v2/secret-imports", { ...atRoot(p), path: `/${folder.name}`, import: { environment: "prod", path: "/" } });
      return { request, extra: [{ subject: "secrets", action: ["describeSecret"] }] };
    },
    edit: async (p) => {
      const folder = await makeFolder(p.projectId, "/", unique("moved"));
      const made = await makeImport(p.projectId, { environment: "dev", path: `/${folder.name}` }, { environment: "prod", path: "/" });
      return { request: patch(`/api/v2/secret-imports/${made.id}`, { ...atRoot(p), path: `/${folder.name}`, import: { position: 1 } }) };
    },
    delete: async (p) => {
      const folder = await makeFolder(p.projectId, "/", unique("unimport"));
      const made = await makeImport(p.projectId, { environment: "dev", path: `/${folder.name}` }, { environment: "prod", path: "/" });
      return { request: del(`/api/v2/secret-imports/${made.id}`, { ...atRoot(p), path: `/${folder.name}` }) };
    },
  },
  "secret-syncs": {
    read: (p) => ok(get(`${SYNCS}/${p.syncId}`)),
    create: async () => {
      const f = await syncFixture({ A: "1" });
      const body = {
        name: unique("sync").replace(/[^a-z0-9-]/g, ""),
        projectId: f.project.id,
        connectionId: f.connectionId,
        environment: "dev",
        secretPath: "/app",
        isAutoSyncEnabled: false,
        syncOptions: { initialSyncBehavior: "overwrite-destination" },
        destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: f.tenant.environment.id },
      };
      return { projectId: f.project.id, request: post(SYNCS, body), extra: [READ_SECRETS, CONNECT] };
    },
    edit: (p) => ok(patch(`${SYNCS}/${p.syncId}`, { description: unique("edited") })),
    delete: async () => {
      const { projectId, syncId } = await ownSync();
      return { projectId, request: del(`${SYNCS}/${syncId}`) };
    },
    "sync-secrets": async () => {
      const { projectId, syncId } = await ownSync();
      return { projectId, request: post(`${SYNCS}/${syncId}/sync-secrets`), settle: () => waitForRun(syncId) };
    },
    "import-secrets": (p) =>
      ok(post(`${SYNCS}/${p.syncId}/import-secrets`), { granted: { status: 400, message: "Qovery does not support importing secrets." } }),
    "remove-secrets": async () => {
      const { projectId, syncId } = await ownSync();
      return { projectId, request: post(`${SYNCS}/${syncId}/remove-secrets`), settle: () => waitForRun(syncId, "remove") };
    },
  },
  "app-connections": {
    // Whoever may use a connection sees its metadata (name, destinations), as the list of usable connections shows it.
    "read-app-connections": (p) => ok(get(`/api/v1/app-connections/qovery/${p.connectionId}`), { impliedBy: ["connect-app-connections"] }),
    "create-app-connections": (p) =>
      ok(
        post("/api/v1/app-connections/qovery", {
          name: unique("qovery"),
          method: "access-token",
          credentials: { accessToken: p.fixture.tenant.token },
          projectId: p.projectId,
        }),
      ),
    "edit-app-connections": (p) => ok(patch(`/api/v1/app-connections/qovery/${p.connectionId}`, { description: unique("edited") })),
    "delete-app-connections": async (p) => {
      const connectionId = await createConnection(p.projectId, p.fixture.tenant.token);
      return { request: del(`/api/v1/app-connections/qovery/${connectionId}`) };
    },
    "connect-app-connections": (p) => ok(get("/api/v1/app-connections/qovery/available", { projectId: p.projectId })),
  },
  environments: {
    read: (p) => ok(get(`/api/v1/projects/${p.projectId}/environments`)),
    create: (p) => ok(post(`/api/v1/projects/${p.projectId}/environments`, { name: "Extra", slug: unique("env") })),
    edit: (p) => ok(patch(`/api/v1/projects/${p.projectId}/environments/${p.environmentId}`, { name: unique("Dev") })),
    delete: async (p) => {
      const made = await api.post(`/api/v1/projects/${p.projectId}/environments`, { name: "Gone", slug: unique("gone") });
      return { request: del(`/api/v1/projects/${p.projectId}/environments/${made.body.environment.id}`) };
    },
  },
  workspace: {
    edit: (p) => ok(patch(`/api/v1/projects/${p.projectId}`, { description: unique("edited") })),
    delete: async () => {
      const project = await createProject();
      return { projectId: project.id, request: del(`/api/v1/projects/${project.id}`) };
    },
  },
  webhooks: {
    read: (p) => ok(get("/api/v1/webhooks/endpoints", { projectId: p.projectId })),
    create: (p) => ok(post("/api/v1/webhooks/endpoints", { name: unique("endpoint"), projectId: p.projectId })),
    edit: (p) => ok(post(`/api/v1/webhooks/endpoints/${p.endpointId}/rotate`, { gracePeriodSeconds: 0 })),
    delete: async (p) => {
      const made = await api.post("/api/v1/webhooks/endpoints", { name: unique("endpoint"), projectId: p.projectId });
      return { request: del(`/api/v1/webhooks/endpoints/${made.body.endpoint.id}`) };
    },
  },
  "audit-logs": {
    read: (p) => ok(get("/api/v1/audit-logs", { projectId: p.projectId })),
  },
  identity: {
    read: (p) => ok(get("/api/v1/identities", { projectId: p.projectId })),
    create: (p) =>
      ok(post("/api/v1/identities", { name: unique("identity"), projectId: p.projectId, permissions: [{ subject: "identity", action: ["create"] }] })),
    edit: (p) => ok(patch(`/api/v1/identities/${p.identityId}`, { name: unique("renamed") })),
    delete: async (p) => {
      const { identity } = await grantIdentity({ role: "viewer" }, p.projectId);
      return { request: post(`/api/v1/identities/${identity.id}/revoke`) };
    },
  },
  "service-tokens": {
    read: (p) => ok(get("/api/v1/api-tokens", { projectId: p.projectId })),
    create: (p) =>
      ok(post("/api/v1/api-tokens", { name: unique("token"), projectId: p.projectId, permissions: [{ subject: "service-tokens", action: ["create"] }] })),
    edit: (p) => ok(patch(`/api/v1/api-tokens/${p.tokenId}`, { name: unique("renamed") })),
    delete: async (p) => {
      const made = await grantToken({ role: "viewer" }, p.projectId);
      return { request: post(`/api/v1/api-tokens/${made.apiToken.id}/revoke`) };
    },
  },
  member: {
    read: (p) => ok(get(`/api/v1/projects/${p.projectId}/memberships`)),
    create: (p) => ok(post(`/api/v1/projects/${p.projectId}/memberships`, { emails: [`${unique("new")}@example.com`], roleSlugs: ["no-access"] })),
    edit: async (p) => {
      const membership = await addMember(p.projectId, `${unique("edited")}@example.com`, "viewer");
      return { request: patch(`/api/v1/projects/${p.projectId}/memberships/${membership.id}`, { roles: [{ role: "no-access" }] }) };
    },
    delete: async (p) => {
      const membership = await addMember(p.projectId, `${unique("removed")}@example.com`, "viewer");
      return { request: del(`/api/v1/projects/${p.projectId}/memberships/${membership.id}`) };
    },
  },
  role: {
    read: (p) => ok(get(`/api/v1/projects/${p.projectId}/roles`)),
    create: (p) => ok(post(`/api/v1/projects/${p.projectId}/roles`, { slug: unique("role"), name: "New role", permissions: [] })),
    edit: (p) => ok(patch(`/api/v1/projects/${p.projectId}/roles/${p.roleId}`, { name: unique("Renamed") })),
    delete: async (p) => {
      const role = await createRole(p.projectId, [{ subject: "audit-logs", action: ["read"] }]);
      return { request: del(`/api/v1/projects/${p.projectId}/roles/${role.id}`) };
    },
  },
};

const send = (request: Request, token: string): Promise<ApiResponse> =>
  call(request.method, request.path, { token, query: request.query, body: request.body });

/** Infisical's 403 for a failed rule check. */
function expectDenied(res: ApiResponse, action: string, subject: string) {
  expect({ status: res.status, error: res.body?.error, message: res.body?.message }, JSON.stringify(res.body)).toEqual({
    status: 403,
    error: "PermissionDenied",
    message: `You are not allowed to ${action} on ${subject}`,
  });
}

/** A grant with no bearing on the subject under test, for a token that must hold something. */
const UNRELATED: Rule = { subject: "environments", action: ["read"] };

const pairs = Object.entries(MATRIX).flatMap(([subject, actions]) =>
  Object.entries(actions as Record<string, Case | Unchecked>).map(([action, entry]) => ({ subject, action, entry })),
);
const checked = pairs.flatMap((p) => (typeof p.entry === "function" ? [{ ...p, run: p.entry }] : []));

let shared: ProjectResources;

beforeAll(async () => {
  shared = await projectResources();
}, 120_000);

describe("the project permission matrix", () => {
  it("has an entry for exactly the catalogue's subjects and actions", () => {
    const catalogue = Object.entries(PROJECT_PERMISSIONS).flatMap(([subject, { actions }]) => actions.map((action) => `${subject}:${action}`));
    expect(pairs.map((p) => `${p.subject}:${p.action}`).sort()).toEqual(catalogue.sort());
  });

  it.each(checked)("$subject:$action: exactly that rule can, every other action of the subject cannot", async ({ subject, action, run }) => {
    const prepared = await run(shared);
    const projectId = prepared.projectId ?? shared.projectId;
    const extra = prepared.extra ?? [];
    const excluded = [action, ...(prepared.impliedBy ?? [])];
    const others = (PROJECT_PERMISSIONS[subject as ProjectSubject].actions as readonly string[]).filter((a) => !excluded.includes(a));
    const withoutRules = [...(others.length ? [{ subject, action: others }] : []), ...extra];
    const without = await grantToken({ permissions: withoutRules.length ? withoutRules : [UNRELATED] }, projectId);
    const granted = await grantToken({ permissions: [{ subject, action: [action] }, ...extra] }, projectId);

    const before = await storedRows({ projectId });
    expectDenied(await send(prepared.request, without.token), action, subject);
    expect(await storedRows({ projectId })).toEqual(before);

    const res = await send(prepared.request, granted.token);
    const expected = prepared.granted ?? { status: 200 };
    expect(res.status, JSON.stringify(res.body)).toBe(expected.status);
    if (expected.message) expect(res.body.message).toBe(expected.message);
    await prepared.settle?.();
  });
});

describe("conditions", () => {
  let projectId: string;
  const read = (token: string, secretPath: string, environment = "dev") =>
    api.get("/api/v4/secrets/KEY", { token, query: { projectId, environment, secretPath } });
  const list = (token: string, secretPath: string, viewSecretValue: "true" | "false") =>
    api.get("/api/v4/secrets", { token, query: { projectId, environment: "dev", secretPath, viewSecretValue } });
  const tokenWith = async (permissions: Rule[]) => (await grantToken({ permissions }, projectId)).token;

  beforeAll(async () => {
    projectId = (await createProject()).id;
    await makeFolder(projectId, "/", "app");
    await makeFolder(projectId, "/app", "api");
    await makeFolder(projectId, "/app/api", "deep");
    await makeFolder(projectId, "/", "app", "prod");
    await makeFolder(projectId, "/app", "api", "prod");
    for (const secretPath of ["/app", "/app/api", "/app/api/deep"]) await putSecret(projectId, "KEY", `dev${secretPath}`, { secretPath });
    await putSecret(projectId, "KEY", "prod/app/api", { environment: "prod", secretPath: "/app/api" });
  });

  it("`/app/*` reaches the folders right under /app only; `/app/**` reaches /app and everything under it; environment is its own condition", async () => {
    const single = await tokenWith([{ ...READ_SECRETS, conditions: { environment: "dev", secretPath: { $glob: "/app/*" } } }]);
    expect((await read(single, "/app/api")).body.secret.secretValue).toBe("dev/app/api");
    expectDenied(await read(single, "/app/api/deep"), "describeSecret", "secrets");
    expectDenied(await read(single, "/app"), "describeSecret", "secrets");
    expectDenied(await read(single, "/app/api", "prod"), "describeSecret", "secrets");

    const double = await tokenWith([{ ...READ_SECRETS, conditions: { environment: "dev", secretPath: { $glob: "/app/**" } } }]);
    for (const path of ["/app", "/app/api", "/app/api/deep"]) expect((await read(double, path)).body.secret.secretValue).toBe(`dev${path}`);
    expectDenied(await read(double, "/"), "describeSecret", "secrets");
    expectDenied(await read(double, "/app/api", "prod"), "describeSecret", "secrets");

    const either = await tokenWith([{ ...READ_SECRETS, conditions: { environment: { $in: ["dev", "prod"] }, secretPath: { $eq: "/app/api" } } }]);
    expect((await read(either, "/app/api", "prod")).body.secret.secretValue).toBe("prod/app/api");
    expect((await read(either, "/app/api")).body.secret.secretValue).toBe("dev/app/api");
    expectDenied(await read(either, "/app"), "describeSecret", "secrets");
  });

  it("an inverted rule after an allow forbids where it matches; before the allow, the allow wins", async () => {
    const deny = { subject: "secrets", action: ["readValue"], inverted: true, conditions: { secretPath: { $glob: "/app/api/**" } } };
    const narrowed = await tokenWith([READ_SECRETS, deny]);
    expect((await read(narrowed, "/app")).body.secret.secretValue).toBe("dev/app");
    // One secret by name: Infisical's own refusal for a value the caller may describe but not read.
    for (const path of ["/app/api", "/app/api/deep"]) {
      const refused = await read(narrowed, path);
      expect([refused.status, refused.body.error, refused.body.message]).toEqual([
        403,
        "ForbiddenReadSecretError",
        "You do not have permission to view secret value on secret with name 'KEY'",
      ]);
    }
    // Describing is still allowed there: names without values, and a list that asks for values is refused.
    const names = await list(narrowed, "/app/api", "false");
    expect(names.body.secrets.map((s: { secretKey: string; secretValue: string }) => [s.secretKey, s.secretValue])).toEqual([["KEY", "<hidden-by-infisical>"]]);
    expectDenied(await list(narrowed, "/app/api", "true"), "readValue", "secrets");

    const overridden = await tokenWith([deny, READ_SECRETS]);
    expect((await read(overridden, "/app/api")).body.secret.secretValue).toBe("dev/app/api");
  });

  it("write rules take the same conditions: a create allowed in dev under /app/** only", async () => {
    const writer = await tokenWith([{ subject: "secrets", action: ["create"], conditions: { environment: "dev", secretPath: { $glob: "/app/**" } } }]);
    const create = (environment: string, secretPath: string) =>
      api.post(`/api/v4/secrets/${unique("W").replace(/-/g, "_")}`, { projectId, environment, secretPath, secretValue: "v" }, { token: writer });
    expect((await create("dev", "/app/api")).status).toBe(200);
    expectDenied(await create("prod", "/app/api"), "create", "secrets");
    expectDenied(await create("dev", "/"), "create", "secrets");
  });
});

describe("organization-level actions, with tokens bound to no project", () => {
  const unbound = async (grant: Record<string, unknown>) => (await grantToken(grant)).token;
  /** Every scope but those that grant `without` (admin grants everything). */
  const scopesBut = (...without: string[]) =>
    ["projects:read", "projects:write", "secrets:read", "secrets:write", "connections:read", "connections:write", "syncs:read", "syncs:write", "syncs:trigger", "audit:read", "webhooks:read", "webhooks:write"].filter(
      (s) => !without.includes(s),
    );

  it("creating a project needs workspace:create in the organization (projects:write); a project-bound admin never has it", async () => {
    const body = { projectName: unique("project") };
    expect((await api.post("/api/v1/projects", body, { token: await unbound({ scopes: ["projects:write"] }) })).status).toBe(200);
    expectDenied(await api.post("/api/v1/projects", { projectName: unique("p") }, { token: await unbound({ scopes: scopesBut("projects:write") }) }), "create", "workspace");
    const boundAdmin = (await grantToken({ role: "admin" }, (await createProject()).id)).token;
    expectDenied(await api.post("/api/v1/projects", { projectName: unique("p") }, { token: boundAdmin }), "create", "workspace");
  });

  it("organization-wide connections: create, read, edit and delete each need their organization action", async () => {
    const tenant = (await syncFixture()).tenant;
    const create = (token: string) =>
      api.post("/api/v1/app-connections/qovery", { name: unique("shared"), method: "access-token", credentials: { accessToken: tenant.token } }, { token });
    const writer = await unbound({ scopes: ["connections:write"] });
    const created = await create(writer);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.appConnection.projectId).toBeNull();
    const id = created.body.appConnection.id;
    const readOnly = await unbound({ scopes: scopesBut("connections:write", "syncs:write") });
    expectDenied(await create(readOnly), "create", "app-connections");
    expectDenied(await api.patch(`/api/v1/app-connections/qovery/${id}`, { description: "x" }, { token: readOnly }), "edit", "app-connections");
    expectDenied(await api.delete(`/api/v1/app-connections/qovery/${id}`, undefined, { token: readOnly }), "delete", "app-connections");
    expect((await api.get(`/api/v1/app-connections/qovery/${id}`, { token: readOnly })).status).toBe(200);

    const blind = await unbound({ scopes: scopesBut("connections:read", "connections:write", "syncs:write") });
    expectDenied(await api.get(`/api/v1/app-connections/qovery/${id}`, { token: blind }), "read", "app-connections");
    expect((await api.patch(`/api/v1/app-connections/qovery/${id}`, { description: "x" }, { token: writer })).status).toBe(200);
    expect((await api.delete(`/api/v1/app-connections/qovery/${id}`, undefined, { token: writer })).status).toBe(200);
  });

  it("using an organization-wide connection in a sync needs connect on it: in the organization, or a project rule naming it", async () => {
    const f = await syncFixture({ A: "1" });
    const shared = await api.post("/api/v1/app-connections/qovery", { name: unique("shared"), method: "access-token", credentials: { accessToken: f.tenant.token } });
    const connectionId = shared.body.appConnection.id as string;
    const body = () => ({
      name: unique("sync").replace(/[^a-z0-9-]/g, ""),
      projectId: f.project.id,
      connectionId,
      environment: "dev",
      secretPath: "/app",
      isAutoSyncEnabled: false,
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id, environmentId: f.tenant.environment.id },
    });
    const syncRules = [READ_SECRETS, { subject: "secret-syncs", action: ["create"] }];
    // Unbound with project rules everywhere, including connect on any connection: not enough for a shared one.
    const anyConnect = await unbound({ permissions: [...syncRules, CONNECT] });
    expectDenied(await api.post(SYNCS, body(), { token: anyConnect }), "connect-app-connections", "app-connections");
    const named = await unbound({ permissions: [...syncRules, { ...CONNECT, conditions: { connectionId } }] });
    expect((await api.post(SYNCS, body(), { token: named })).status).toBe(200);
    const organizationConnect = await unbound({ scopes: ["syncs:write", "secrets:read"] });
    expect((await api.post(SYNCS, body(), { token: organizationConnect })).status).toBe(200);
  });
});
