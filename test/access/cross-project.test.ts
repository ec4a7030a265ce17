/**
 * Cross-project isolation, route by route: a token bound to project A holding every right there (role admin) calls
 * each authenticated route on project B's resources and is refused (403 PermissionDenied, or the service's 404), never
 * served; nothing of B changes and B's Qovery organization is never called. Where a route names a project and a
 * resource separately, it is also called with A's project and B's resource (the resource must not be found through
 * A). The table is keyed by the route registry, so a route added without a case here fails the coverage test.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { registeredRoutes, type Method } from "../../src/http/route";
import { api, call, unique } from "../helpers/api";
import { grantToken } from "../helpers/people";
import { projectResources, type ProjectResources } from "../helpers/project-resources";
import { RECEIVER_ORIGIN } from "../helpers/receiver";
import { storedRows } from "../helpers/stored-rows";

interface Request {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** The requests a case makes against `b`'s resources, acting from `a` (the credential's own project). */
type Case = (b: ProjectResources, a: ProjectResources) => Request[];

/** `path` with each `:name` replaced by `ids[name]` (or `overrides[name]`). */
function at(path: string, ids: ProjectResources, overrides: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = overrides[name] ?? (ids as unknown as Record<string, unknown>)[name];
    if (typeof value !== "string") throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}

const CASES = new Map<string, { method: Method; path: string; run: Case }>();

/** One case for a route and each of its alias paths. */
function route(method: Method, paths: string | string[], run: (path: string) => Case) {
  for (const path of Array.isArray(paths) ? paths : [paths]) {
    const key = `${method} ${path}`;
    if (CASES.has(key)) throw new Error(`two cases for ${key}`);
    CASES.set(key, { method, path, run: run(path) });
  }
}

/** Just the route's path, with B's ids. */
const plain = (path: string): Case => (b) => [{ path: at(path, b) }];

const folder = (p: ProjectResources, secretPath = "/app") => ({ projectId: p.projectId, environment: "dev", secretPath });

// ----- secrets
const SECRETS = ["/api/v3/secrets/raw", "/api/v4/secrets"];
const SECRET_BATCHES = ["/api/v3/secrets/batch/raw", "/api/v4/secrets/batch"];
route("get", SECRETS, (path) => (b) => [{ path, query: { ...folder(b), recursive: "true", include_imports: "true" } }]);
route("get", SECRETS.map((p) => `${p}/id/:secretId`), plain);
route("post", SECRET_BATCHES, (path) => (b) => [{ path, body: { ...folder(b), secrets: [{ secretKey: "NEW", secretValue: "x" }] } }]);
route("patch", SECRET_BATCHES, (path) => (b) => [{ path, body: { ...folder(b), mode: "upsert", secrets: [{ secretKey: "KEY", secretValue: "changed" }] } }]);
route("delete", SECRET_BATCHES, (path) => (b) => [{ path, body: { ...folder(b), secrets: [{ secretKey: "KEY" }] } }]);
route("get", SECRETS.map((p) => `${p}/:secretName`), (path) => (b) => [{ path: at(path, b, { secretName: "KEY" }), query: { ...folder(b), include_imports: "true" } }]);
route("post", SECRETS.map((p) => `${p}/:secretName`), (path) => (b) => [{ path: at(path, b, { secretName: "NEW" }), body: { ...folder(b), secretValue: "x" } }]);
route("patch", SECRETS.map((p) => `${p}/:secretName`), (path) => (b) => [{ path: at(path, b, { secretName: "KEY" }), body: { ...folder(b), secretValue: "changed" } }]);
route("delete", SECRETS.map((p) => `${p}/:secretName`), (path) => (b) => [{ path: at(path, b, { secretName: "KEY" }), body: folder(b) }]);

// ----- folders
const FOLDERS = ["/api/v1/folders", "/api/v2/folders"];
const folderAt = (p: ProjectResources) => ({ projectId: p.projectId, environment: "dev", path: "/" });
route("post", FOLDERS, (path) => (b) => [{ path, body: { ...folderAt(b), name: "new" } }]);
route("get", FOLDERS, (path) => (b) => [{ path, query: { ...folderAt(b), recursive: "true" } }]);
route("patch", "/api/v2/folders/batch", (path) => (b, a) => [
  { path, body: { projectId: b.projectId, folders: [{ id: b.folderId, environment: "dev", path: "/", name: "renamed" }] } },
  { path, body: { projectId: a.projectId, folders: [{ id: b.folderId, environment: "dev", path: "/", name: "renamed" }] } },
]);
route("get", FOLDERS.map((p) => `${p}/:folderId`), plain);
route("patch", FOLDERS.map((p) => `${p}/:folderId`), (path) => (b, a) => [
  { path: at(path, b), body: { ...folderAt(b), name: "renamed" } },
  { path: at(path, b), body: { ...folderAt(a), name: "renamed" } },
]);
route("delete", FOLDERS.map((p) => `${p}/:folderId`), (path) => (b, a) => [
  { path: at(path, b), body: { ...folderAt(b), forceDelete: true } },
  { path: at(path, b), body: { ...folderAt(a), forceDelete: true } },
]);

// ----- secret imports
const IMPORTS = ["/api/v1/secret-imports", "/api/v2/secret-imports"];
const importAt = (p: ProjectResources) => ({ projectId: p.projectId, environment: "dev", path: "/app" });
route("post", IMPORTS, (path) => (b) => [{ path, body: { ...importAt(b), path: "/", import: { environment: "prod", path: "/" } } }]);
route("get", IMPORTS, (path) => (b) => [{ path, query: importAt(b) }]);
route("get", ["/api/v2/secret-imports/secrets", "/api/v1/secret-imports/secrets/raw"], (path) => (b) => [{ path, query: importAt(b) }]);
route("get", IMPORTS.map((p) => `${p}/:secretImportId`), plain);
route("patch", IMPORTS.map((p) => `${p}/:secretImportId`), (path) => (b, a) => [
  { path: at(path, b), body: { ...importAt(b), import: { environment: "prod" } } },
  { path: at(path, b), body: { ...importAt(a), import: { environment: "prod" } } },
]);
route("delete", IMPORTS.map((p) => `${p}/:secretImportId`), (path) => (b, a) => [
  { path: at(path, b), body: importAt(b) },
  { path: at(path, b), body: importAt(a) },
]);

// ----- projects and environments
route("post", ["/api/v1/projects", "/api/v2/workspace"], (path) => () => [{ path, body: { projectName: unique("project") } }]);
route("get", ["/api/v1/projects/:projectId", "/api/v1/workspace/:projectId"], plain);
route("patch", "/api/v1/projects/:projectId", (path) => (b) => [{ path: at(path, b), body: { name: "taken over" } }]);
route("delete", "/api/v1/projects/:projectId", plain);
const ENVIRONMENTS = ["/api/v1/projects/:projectId/environments", "/api/v1/workspace/:projectId/environments"];
/** B's resource under B's project, then under A's. */
const bothProjects = (path: string, body?: unknown): Case => (b, a) => [
  { path: at(path, b), body },
  { path: at(path, b, { projectId: a.projectId }), body },
];
route("get", ENVIRONMENTS, plain);
route("post", ENVIRONMENTS, (path) => (b) => [{ path: at(path, b), body: { name: "Extra", slug: "extra" } }]);
route("get", ENVIRONMENTS.map((p) => `${p}/:environmentId`), (path) => bothProjects(path));
route("patch", ENVIRONMENTS.map((p) => `${p}/:environmentId`), (path) => bothProjects(path, { name: "Renamed" }));
route("delete", ENVIRONMENTS.map((p) => `${p}/:environmentId`), (path) => bothProjects(path));

// ----- access: permissions, roles, members, tokens, identities
route("get", "/api/v1/projects/:projectId/permissions", plain);
const ROLES = "/api/v1/projects/:projectId/roles";
route("post", ROLES, (path) => (b) => [{ path: at(path, b), body: { slug: unique("role"), name: "Role", permissions: [{ subject: "secrets", action: ["readValue"] }] } }]);
route("get", ROLES, plain);
route("get", `${ROLES}/slug/:roleSlug`, (path) => bothProjects(path));
route("get", "/api/v1/projects/roles/:roleId", plain);
route("patch", `${ROLES}/:roleId`, (path) => bothProjects(path, { permissions: [{ subject: "secrets", action: ["readValue", "edit"] }] }));
route("delete", `${ROLES}/:roleId`, (path) => bothProjects(path));
const MEMBERSHIPS = "/api/v1/projects/:projectId/memberships";
route("get", MEMBERSHIPS, plain);
route("get", `${MEMBERSHIPS}/:membershipId`, (path) => bothProjects(path));
route("post", MEMBERSHIPS, (path) => (b) => [{ path: at(path, b), body: { emails: [`${unique("intruder")}@example.com`], roleSlugs: ["admin"] } }]);
route("patch", `${MEMBERSHIPS}/:membershipId`, (path) => bothProjects(path, { roles: [{ role: "admin" }] }));
route("delete", `${MEMBERSHIPS}/:membershipId`, (path) => bothProjects(path));
route("delete", MEMBERSHIPS, (path) => (b) => [{ path: at(path, b), body: { emails: [b.memberEmail] } }]);
route("post", "/api/v1/api-tokens", (path) => (b) => [{ path, body: { name: unique("token"), projectId: b.projectId, role: "admin" } }]);
route("get", "/api/v1/api-tokens", (path) => (b) => [{ path, query: { projectId: b.projectId } }]);
route("get", "/api/v1/api-tokens/:tokenId", plain);
route("patch", "/api/v1/api-tokens/:tokenId", (path) => (b) => [{ path: at(path, b), body: { role: "admin" } }]);
route("post", "/api/v1/api-tokens/:tokenId/revoke", plain);
route("post", "/api/v1/identities", (path) => (b) => [{ path, body: { name: unique("identity"), projectId: b.projectId, role: "admin" } }]);
route("get", "/api/v1/identities", (path) => (b) => [{ path, query: { projectId: b.projectId } }]);
route("get", "/api/v1/identities/:identityId", plain);
route("patch", "/api/v1/identities/:identityId", (path) => (b) => [{ path: at(path, b), body: { role: "admin" } }]);
route("post", "/api/v1/identities/:identityId/revoke", plain);
const CLIENT_SECRETS = ["/api/v1/identities/:identityId/client-secrets", "/api/v1/auth/universal-auth/identities/:identityId/client-secrets"];
route("post", CLIENT_SECRETS, (path) => (b) => [{ path: at(path, b), body: {} }]);
route("get", CLIENT_SECRETS, plain);
route("post", CLIENT_SECRETS.map((p) => `${p}/:clientSecretId/revoke`), plain);

// ----- connections
const CONNECTIONS = "/api/v1/app-connections/qovery";
route("get", CONNECTIONS, (path) => (b) => [{ path, query: { projectId: b.projectId } }]);
route("get", `${CONNECTIONS}/available`, (path) => (b) => [{ path, query: { projectId: b.projectId } }]);
route("get", `${CONNECTIONS}/connection-name/:connectionName`, (path) => (b) => [{ path: at(path, b), query: { projectId: b.projectId } }]);
route("get", `${CONNECTIONS}/:connectionId`, plain);
route("post", CONNECTIONS, (path) => (b) => [
  { path, body: { name: unique("qovery"), method: "access-token", credentials: { accessToken: b.fixture.tenant.token }, projectId: b.projectId } },
]);
route("patch", `${CONNECTIONS}/:connectionId`, (path) => (b) => [{ path: at(path, b), body: { allowedDestinations: null, description: "taken over" } }]);
route("delete", `${CONNECTIONS}/:connectionId`, plain);
route("get", `${CONNECTIONS}/:connectionId/organizations`, plain);
route("get", `${CONNECTIONS}/:connectionId/organizations/:organizationId/projects`, plain);
route("get", `${CONNECTIONS}/:connectionId/projects/:projectId/environments`, (path) => (b) => [{ path: at(path, b, { projectId: b.qoveryProjectId }) }]);

// ----- syncs
const SYNCS = "/api/v1/secret-syncs/qovery";
const destinationOf = (p: ProjectResources) => ({
  organizationId: p.organizationId,
  projectId: p.qoveryProjectId,
  environmentId: p.fixture.tenant.environment.id,
  variableType: "variable",
});
const newSync = (project: ProjectResources, source: ProjectResources) => ({
  name: unique("sync").replace(/[^a-z0-9-]/g, ""),
  projectId: project.projectId,
  connectionId: source.connectionId,
  environment: "dev",
  secretPath: "/app",
  isAutoSyncEnabled: false,
  syncOptions: { initialSyncBehavior: "overwrite-destination" },
  destinationConfig: destinationOf(source),
});
route("get", ["/api/v1/secret-syncs", SYNCS], (path) => (b) => [{ path, query: { projectId: b.projectId } }]);
route("post", `${SYNCS}/check-destination`, (path) => (b) => [{ path, body: { projectId: b.projectId, connectionId: b.connectionId, destinationConfig: destinationOf(b) } }]);
route("get", `${SYNCS}/sync-name/:syncName`, (path) => (b) => [{ path: at(path, b), query: { projectId: b.projectId } }]);
route("get", `${SYNCS}/:syncId`, plain);
// B's folder through B's connection; and A's own folder carried out through B's connection to B's Qovery.
route("post", SYNCS, (path) => (b, a) => [
  { path, body: newSync(b, b) },
  { path, body: newSync(a, b) },
]);
// B's sync; and A's own sync re-pointed at B's connection.
route("patch", `${SYNCS}/:syncId`, (path) => (b, a) => [
  { path: at(path, b), body: { secretPath: "/", isEnabled: true } },
  { path: at(path, a), body: { connectionId: b.connectionId, destinationConfig: destinationOf(b) } },
]);
route("delete", `${SYNCS}/:syncId`, (path) => (b) => [{ path: at(path, b), query: { removeSecrets: "true" } }]);
route("post", `${SYNCS}/:syncId/sync-secrets`, plain);
route("post", `${SYNCS}/:syncId/remove-secrets`, plain);
route("post", `${SYNCS}/:syncId/import-secrets`, plain);
route("get", `${SYNCS}/:syncId/plan`, plain);
route("get", `${SYNCS}/:syncId/drift`, plain);
route("get", `${SYNCS}/:syncId/runs`, plain);
// B's run; and B's run under A's sync.
route("get", `${SYNCS}/:syncId/runs/:runId`, (path) => (b, a) => [{ path: at(path, b) }, { path: at(path, b, { syncId: a.syncId }) }]);

// ----- webhooks and the audit log
const ENDPOINTS = "/api/v1/webhooks/endpoints";
const SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions";
route("post", ENDPOINTS, (path) => (b) => [{ path, body: { name: unique("endpoint"), projectId: b.projectId } }]);
route("get", ENDPOINTS, (path) => (b) => [{ path, query: { projectId: b.projectId } }]);
route("get", `${ENDPOINTS}/:endpointId`, plain);
route("post", `${ENDPOINTS}/:endpointId/rotate`, (path) => (b) => [{ path: at(path, b), body: { gracePeriodSeconds: 0 } }]);
route("delete", `${ENDPOINTS}/:endpointId`, plain);
route("post", SUBSCRIPTIONS, (path) => (b) => [{ path, body: { projectId: b.projectId, url: `${RECEIVER_ORIGIN}/${unique("hook")}/hook`, events: ["sync.succeeded"] } }]);
route("get", SUBSCRIPTIONS, (path) => (b) => [{ path, query: { projectId: b.projectId } }]);
route("get", `${SUBSCRIPTIONS}/:subscriptionId/deliveries`, plain);
route("delete", `${SUBSCRIPTIONS}/:subscriptionId`, plain);
route("get", "/api/v1/audit-logs", (path) => (b) => [{ path, query: { projectId: b.projectId } }]);

// ----- organization-wide operations: refused to a credential bound to a project
route("post", "/api/v1/admin/encryption/reencrypt", (path) => () => [{ path, body: {} }]);
route("post", "/api/v1/admin/sessions/revoke-all", (path) => () => [{ path }]);

/**
 * Authenticated routes that are about no project's resources, each with why. A bound credential may call them; what
 * they show is checked below where it could involve B.
 */
const NOT_ABOUT_A_PROJECT = new Map<string, string>([
  ["get /api/v1/app-connections/options", "the fixed catalogue of apps a connection can be made to"],
  ["get /api/v1/secret-syncs/options", "the fixed catalogue of sync destinations"],
  ["get /api/v1/projects", "lists the projects the caller can reach: B must not be among them (tested below)"],
  ["get /api/v1/workspace", "the same list at Infisical's legacy path (tested below)"],
]);

const authenticatedRoutes = () => {
  createApp(); // fills the registry
  return registeredRoutes().filter((r) => !r.public);
};

let a: ProjectResources;
let b: ProjectResources;
let tokenOfA: string;

beforeAll(async () => {
  [a, b] = [await projectResources(), await projectResources()];
  tokenOfA = (await grantToken({ role: "admin" }, a.projectId)).token;
}, 120_000);

describe("cross-project isolation", () => {
  it("has a case for every authenticated route (and only for routes that exist), except the allowlisted ones", () => {
    const routes = authenticatedRoutes().map((r) => `${r.method} ${r.path}`);
    const uncovered = routes.filter((key) => !CASES.has(key) && !NOT_ABOUT_A_PROJECT.has(key));
    expect(uncovered, "routes without a cross-project case").toEqual([]);
    const stale = [...CASES.keys(), ...NOT_ABOUT_A_PROJECT.keys()].filter((key) => !routes.includes(key));
    expect(stale, "cases for routes that no longer exist").toEqual([]);
    const overlap = [...NOT_ABOUT_A_PROJECT.keys()].filter((key) => CASES.has(key));
    expect(overlap).toEqual([]);
  });

  it("a project-A admin token is refused on every route aimed at B's resources, and nothing of B changes", async () => {
    await b.fixture.tenant.clearCalls();
    const before = await storedRows({ projectId: b.projectId });
    const served: string[] = [];
    let requests = 0;
    for (const [key, { method, run }] of CASES) {
      for (const request of run(b, a)) {
        requests++;
        const res = await call(method.toUpperCase(), request.path, { token: tokenOfA, query: request.query, body: request.body });
        const refused =
          (res.status === 403 && res.body?.error === "PermissionDenied") ||
          (res.status === 404 && res.body?.error !== undefined && !String(res.body.message).startsWith("Route ")) ||
          // Infisical answers an update of a secret import that is not in the named folder with 400 "not found".
          (res.status === 400 && res.body?.message === "Secret import not found");
        if (!refused) served.push(`${key} → ${request.path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    expect(served).toEqual([]);
    expect(requests).toBeGreaterThan(CASES.size);
    expect(await storedRows({ projectId: b.projectId })).toEqual(before);
    expect(await b.fixture.tenant.calls()).toEqual([]);
  });

  it("the same requests are served on A's own resources (so each case is a request the route accepts)", async () => {
    // Reads only: A's resources must stay for the writes below.
    const failed: string[] = [];
    for (const [key, { method, run }] of CASES) {
      if (method !== "get") continue;
      const [request] = run(a, a);
      const res = await call("GET", request!.path, { token: tokenOfA, query: request!.query });
      if (res.status !== 200) failed.push(`${key}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(failed).toEqual([]);
  });

  it("a few writes succeed on A's own resources", async () => {
    const as = { token: tokenOfA };
    const writes: [string, Method, Request][] = [
      ["patch /api/v4/secrets/:secretName", "patch", CASES.get("patch /api/v4/secrets/:secretName")!.run(a, a)[0]!],
      ["patch /api/v2/folders/:folderId", "patch", CASES.get("patch /api/v2/folders/:folderId")!.run(a, a)[0]!],
      ["post /api/v1/secret-syncs/qovery/:syncId/sync-secrets", "post", CASES.get("post /api/v1/secret-syncs/qovery/:syncId/sync-secrets")!.run(a, a)[0]!],
      ["patch /api/v1/projects/:projectId/memberships/:membershipId", "patch", CASES.get("patch /api/v1/projects/:projectId/memberships/:membershipId")!.run(a, a)[0]!],
    ];
    for (const [key, method, request] of writes) {
      const res = await call(method.toUpperCase(), request.path, { ...as, query: request.query, body: request.body });
      expect(res.status, `${key}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    // The secret was changed, then its folder renamed.
    const read = await api.get("/api/v4/secrets/KEY", { query: folder(a, "/renamed") });
    expect(read.body.secret?.secretValue, JSON.stringify(read.body)).toBe("changed");
  });

  it("the project list shows A only", async () => {
    for (const path of ["/api/v1/projects", "/api/v1/workspace"]) {
      const res = await api.get(path, { token: tokenOfA });
      expect(res.status).toBe(200);
      expect(res.body.projects.map((p: { id: string }) => p.id)).toEqual([a.projectId]);
    }
  });
});
