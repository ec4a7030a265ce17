/**
 * One audit record per change, written by the service: every authenticated API route that changes something is called
 * once with its own `x-request-id`, and exactly one audit row carries that request id, naming the change (a batch of
 * secrets is one change; adding or removing several members records each membership). The table is
 * keyed by the route registry, so a new write route fails here until it gets a case (or is listed as changing nothing).
 * Console forms call the same services: a sample of them is checked the same way.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { registeredRoutes, type Method } from "../../src/http/route";
import { Browser } from "../console/browser";
import { api, call, createProject, unique } from "../helpers/api";
import { addMember, createRole, grantIdentity, grantToken } from "../helpers/people";
import { projectResources, type ProjectResources } from "../helpers/project-resources";
import { RECEIVER_ORIGIN } from "../helpers/receiver";
import { makeFolder, makeImport, putSecret } from "../helpers/store";
import { auditRowsOf } from "../helpers/store-actors";
import { createConnection, createSync, syncFixture, waitForRun } from "../helpers/sync-fixtures";

interface Request {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

interface Change {
  request: Request;
  /** the audit actions of the records the change writes: one, or one per item of a change made to several (members) */
  actions: string[];
  /** waits for work the change queued, so its records are all written before they are counted */
  settle?: () => Promise<unknown>;
}

type Case = (p: ProjectResources, path: string) => Promise<Change>;

const CASES = new Map<string, { method: Method; path: string; run: Case }>();

function route(method: Method, paths: string | string[], run: Case) {
  for (const path of Array.isArray(paths) ? paths : [paths]) {
    const key = `${method} ${path}`;
    if (CASES.has(key)) throw new Error(`two cases for ${key}`);
    CASES.set(key, { method, path, run });
  }
}

const change = (request: Request, action: string | string[], settle?: Change["settle"]): Change => ({
  request,
  actions: typeof action === "string" ? [action] : action,
  settle,
});
const key = (prefix: string) => unique(prefix).replace(/-/g, "_").toUpperCase();
const inApp = (p: ProjectResources) => ({ projectId: p.projectId, environment: "dev", secretPath: "/app" });
const atRoot = (p: ProjectResources) => ({ projectId: p.projectId, environment: "dev", path: "/" });

// ----- secrets
route("post", ["/api/v3/secrets/batch/raw", "/api/v4/secrets/batch"], async (p, path) =>
  change({ path, body: { ...inApp(p), secrets: [{ secretKey: key("A"), secretValue: "1" }, { secretKey: key("B"), secretValue: "2" }] } }, "secret.create"),
);
route("patch", ["/api/v3/secrets/batch/raw", "/api/v4/secrets/batch"], async (p, path) =>
  change({ path, body: { ...inApp(p), secrets: [{ secretKey: "KEY", secretValue: unique("v") }] } }, "secret.update"),
);
route("delete", ["/api/v3/secrets/batch/raw", "/api/v4/secrets/batch"], async (p, path) => {
  const [a, b] = [key("GONE"), key("GONE")];
  for (const k of [a, b]) await putSecret(p.projectId, k, "v", { secretPath: "/app" });
  return change({ path, body: { ...inApp(p), secrets: [{ secretKey: a }, { secretKey: b }] } }, "secret.delete");
});
route("post", ["/api/v3/secrets/raw/:secretName", "/api/v4/secrets/:secretName"], async (p, path) =>
  change({ path: path.replace(":secretName", key("NEW")), body: { ...inApp(p), secretValue: "v" } }, "secret.create"),
);
route("patch", ["/api/v3/secrets/raw/:secretName", "/api/v4/secrets/:secretName"], async (p, path) =>
  change({ path: path.replace(":secretName", "KEY"), body: { ...inApp(p), secretValue: unique("v") } }, "secret.update"),
);
route("delete", ["/api/v3/secrets/raw/:secretName", "/api/v4/secrets/:secretName"], async (p, path) => {
  const k = key("GONE");
  await putSecret(p.projectId, k, "v", { secretPath: "/app" });
  return change({ path: path.replace(":secretName", k), body: inApp(p) }, "secret.delete");
});

// ----- folders and imports
route("post", ["/api/v1/folders", "/api/v2/folders"], async (p, path) => change({ path, body: { ...atRoot(p), name: unique("made") } }, "folder.create"));
route("patch", "/api/v2/folders/batch", async (p, path) => {
  const [a, b] = [await makeFolder(p.projectId, "/", unique("x")), await makeFolder(p.projectId, "/", unique("y"))];
  const folders = [a, b].map((f) => ({ id: f.id, environment: "dev", path: "/", name: unique("renamed") }));
  return change({ path, body: { projectId: p.projectId, folders } }, "folder.update");
});
route("patch", ["/api/v1/folders/:folderId", "/api/v2/folders/:folderId"], async (p, path) => {
  const folder = await makeFolder(p.projectId, "/", unique("edit"));
  return change({ path: path.replace(":folderId", folder.id), body: { ...atRoot(p), name: unique("renamed") } }, "folder.update");
});
route("delete", ["/api/v1/folders/:folderId", "/api/v2/folders/:folderId"], async (p, path) => {
  const folder = await makeFolder(p.projectId, "/", unique("drop"));
  await makeFolder(p.projectId, `/${folder.name}`, "inner");
  return change({ path: path.replace(":folderId", folder.id), body: { ...atRoot(p), forceDelete: true } }, "folder.delete");
});
const freshImport = async (p: ProjectResources) => {
  const folder = await makeFolder(p.projectId, "/", unique("into"));
  const made = await makeImport(p.projectId, { environment: "dev", path: `/${folder.name}` }, { environment: "prod", path: "/" });
  return { folder, made };
};
route("post", ["/api/v1/secret-imports", "/api/v2/secret-imports"], async (p, path) => {
  const folder = await makeFolder(p.projectId, "/", unique("into"));
  return change({ path, body: { ...atRoot(p), path: `/${folder.name}`, import: { environment: "prod", path: "/" } } }, "secret-import.create");
});
route("patch", ["/api/v1/secret-imports/:secretImportId", "/api/v2/secret-imports/:secretImportId"], async (p, path) => {
  const { folder, made } = await freshImport(p);
  const body = { ...atRoot(p), path: `/${folder.name}`, import: { environment: "staging" } };
  return change({ path: path.replace(":secretImportId", made.id), body }, "secret-import.update");
});
route("delete", ["/api/v1/secret-imports/:secretImportId", "/api/v2/secret-imports/:secretImportId"], async (p, path) => {
  const { folder, made } = await freshImport(p);
  return change({ path: path.replace(":secretImportId", made.id), body: { ...atRoot(p), path: `/${folder.name}` } }, "secret-import.delete");
});

// ----- projects and environments
route("post", ["/api/v1/projects", "/api/v2/workspace"], async (_p, path) => change({ path, body: { projectName: unique("project") } }, "project.create"));
route("patch", "/api/v1/projects/:projectId", async (p, path) =>
  change({ path: path.replace(":projectId", p.projectId), body: { description: unique("d") } }, "project.update"),
);
route("delete", "/api/v1/projects/:projectId", async (_p, path) => change({ path: path.replace(":projectId", (await createProject()).id) }, "project.delete"));
const ENVIRONMENTS = ["/api/v1/projects/:projectId/environments", "/api/v1/workspace/:projectId/environments"];
const freshEnvironment = async (p: ProjectResources) =>
  (await api.post(`/api/v1/projects/${p.projectId}/environments`, { name: "Extra", slug: unique("env") })).body.environment.id as string;
route("post", ENVIRONMENTS, async (p, path) => change({ path: path.replace(":projectId", p.projectId), body: { name: "New", slug: unique("env") } }, "environment.create"));
route("patch", ENVIRONMENTS.map((e) => `${e}/:environmentId`), async (p, path) =>
  change({ path: path.replace(":projectId", p.projectId).replace(":environmentId", await freshEnvironment(p)), body: { name: "Renamed" } }, "environment.update"),
);
route("delete", ENVIRONMENTS.map((e) => `${e}/:environmentId`), async (p, path) =>
  change({ path: path.replace(":projectId", p.projectId).replace(":environmentId", await freshEnvironment(p)) }, "environment.delete"),
);

// ----- roles, members, tokens, identities
const ROLES = "/api/v1/projects/:projectId/roles";
route("post", ROLES, async (p, path) =>
  change({ path: path.replace(":projectId", p.projectId), body: { slug: unique("role"), name: "Role", permissions: [{ subject: "secrets", action: ["describeSecret"] }] } }, "project-role.create"),
);
route("patch", `${ROLES}/:roleId`, async (p, path) =>
  change({ path: path.replace(":projectId", p.projectId).replace(":roleId", p.roleId), body: { name: unique("Renamed") } }, "project-role.update"),
);
route("delete", `${ROLES}/:roleId`, async (p, path) => {
  const role = await createRole(p.projectId, []);
  return change({ path: path.replace(":projectId", p.projectId).replace(":roleId", role.id) }, "project-role.delete");
});
const MEMBERSHIPS = "/api/v1/projects/:projectId/memberships";
const email = () => `${unique("person")}@example.com`;
route("post", MEMBERSHIPS, async (p, path) =>
  change({ path: path.replace(":projectId", p.projectId), body: { emails: [email(), email()], roleSlugs: ["viewer"] } }, [
    "project-membership.create",
    "project-membership.create",
  ]),
);
route("patch", `${MEMBERSHIPS}/:membershipId`, async (p, path) => {
  const membership = await addMember(p.projectId, email(), "viewer");
  const at = path.replace(":projectId", p.projectId).replace(":membershipId", membership.id);
  return change({ path: at, body: { roles: [{ role: "member" }] } }, "project-membership.update");
});
route("delete", `${MEMBERSHIPS}/:membershipId`, async (p, path) => {
  const membership = await addMember(p.projectId, email(), "viewer");
  return change({ path: path.replace(":projectId", p.projectId).replace(":membershipId", membership.id) }, "project-membership.delete");
});
route("delete", MEMBERSHIPS, async (p, path) => {
  const [a, b] = [email(), email()];
  for (const e of [a, b]) await addMember(p.projectId, e, "viewer");
  return change({ path: path.replace(":projectId", p.projectId), body: { emails: [a, b] } }, ["project-membership.delete", "project-membership.delete"]);
});
route("post", "/api/v1/api-tokens", async (p, path) => change({ path, body: { name: unique("token"), projectId: p.projectId, role: "viewer" } }, "api-token.create"));
route("patch", "/api/v1/api-tokens/:tokenId", async (p, path) => change({ path: path.replace(":tokenId", p.tokenId), body: { name: unique("renamed") } }, "api-token.update"));
route("post", "/api/v1/api-tokens/:tokenId/revoke", async (p, path) =>
  change({ path: path.replace(":tokenId", (await grantToken({ role: "viewer" }, p.projectId)).apiToken.id) }, "api-token.revoke"),
);
route("post", "/api/v1/identities", async (p, path) => change({ path, body: { name: unique("identity"), projectId: p.projectId, role: "viewer" } }, "identity.create"));
route("patch", "/api/v1/identities/:identityId", async (p, path) =>
  change({ path: path.replace(":identityId", p.identityId), body: { name: unique("renamed") } }, "identity.update"),
);
route("post", "/api/v1/identities/:identityId/revoke", async (p, path) =>
  change({ path: path.replace(":identityId", (await grantIdentity({ role: "viewer" }, p.projectId)).identity.id) }, "identity.revoke"),
);
const CLIENT_SECRETS = ["/api/v1/identities/:identityId/client-secrets", "/api/v1/auth/universal-auth/identities/:identityId/client-secrets"];
route("post", CLIENT_SECRETS, async (p, path) => change({ path: path.replace(":identityId", p.identityId), body: { description: "ci" } }, "identity.client-secret.create"));
route("post", CLIENT_SECRETS.map((s) => `${s}/:clientSecretId/revoke`), async (p, path) => {
  const made = await api.post(`/api/v1/identities/${p.identityId}/client-secrets`, {});
  return change({ path: path.replace(":identityId", p.identityId).replace(":clientSecretId", made.body.clientSecretData.id) }, "identity.client-secret.revoke");
});

// ----- connections and syncs
const CONNECTIONS = "/api/v1/app-connections/qovery";
route("post", CONNECTIONS, async (p, path) =>
  change({ path, body: { name: unique("qovery"), method: "access-token", credentials: { accessToken: p.fixture.tenant.token }, projectId: p.projectId } }, "app-connection.create"),
);
route("patch", `${CONNECTIONS}/:connectionId`, async (p, path) =>
  change({ path: path.replace(":connectionId", p.connectionId), body: { description: unique("d") } }, "app-connection.update"),
);
route("delete", `${CONNECTIONS}/:connectionId`, async (p, path) =>
  change({ path: path.replace(":connectionId", await createConnection(p.projectId, p.fixture.tenant.token)) }, "app-connection.delete"),
);
const SYNCS = "/api/v1/secret-syncs/qovery";
/** A sync (auto-sync off) in a project of its own, so the runs a case starts touch nothing another case counts. */
const ownSync = async () => {
  const f = await syncFixture({ A: "1" });
  return { f, sync: await createSync(f, { autoSyncEnabled: false }) };
};
route("post", SYNCS, async () => {
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
  return change({ path: SYNCS, body }, "secret-sync.create");
});
route("patch", `${SYNCS}/:syncId`, async (p, path) => change({ path: path.replace(":syncId", p.syncId), body: { description: unique("d") } }, "secret-sync.update"));
route("delete", `${SYNCS}/:syncId`, async (_p, path) => change({ path: path.replace(":syncId", (await ownSync()).sync.id) }, "secret-sync.delete"));
route("post", `${SYNCS}/:syncId/sync-secrets`, async (_p, path) => {
  const { sync } = await ownSync();
  return change({ path: path.replace(":syncId", sync.id) }, "secret-sync.sync-secrets", () => waitForRun(sync.id));
});
route("post", `${SYNCS}/:syncId/remove-secrets`, async (_p, path) => {
  const { sync } = await ownSync();
  return change({ path: path.replace(":syncId", sync.id) }, "secret-sync.remove-secrets", () => waitForRun(sync.id, "remove"));
});

// ----- webhooks and administration
const ENDPOINTS = "/api/v1/webhooks/endpoints";
const freshEndpoint = async (p: ProjectResources) => (await api.post(ENDPOINTS, { name: unique("endpoint"), projectId: p.projectId })).body.endpoint.id as string;
route("post", ENDPOINTS, async (p, path) => change({ path, body: { name: unique("endpoint"), projectId: p.projectId } }, "webhook-endpoint.create"));
route("post", `${ENDPOINTS}/:endpointId/rotate`, async (p, path) => change({ path: path.replace(":endpointId", await freshEndpoint(p)), body: {} }, "webhook-endpoint.rotate"));
route("delete", `${ENDPOINTS}/:endpointId`, async (p, path) => change({ path: path.replace(":endpointId", await freshEndpoint(p)) }, "webhook-endpoint.delete"));
const SUBSCRIPTIONS = "/api/v1/webhooks/subscriptions";
const subscription = (p: ProjectResources) => ({ projectId: p.projectId, url: `${RECEIVER_ORIGIN}/${unique("hook")}/hook`, events: ["sync.failed"] });
route("post", SUBSCRIPTIONS, async (p, path) => change({ path, body: subscription(p) }, "webhook-subscription.create"));
route("delete", `${SUBSCRIPTIONS}/:subscriptionId`, async (p, path) => {
  const made = await api.post(SUBSCRIPTIONS, subscription(p));
  return change({ path: path.replace(":subscriptionId", made.body.subscription.id) }, "webhook-subscription.delete");
});
route("post", "/api/v1/admin/encryption/reencrypt", async (_p, path) => change({ path, body: { limit: 1 } }, "encryption.reencrypt"));
// Ends every console session; the console part below signs in afterwards.
route("post", "/api/v1/admin/sessions/revoke-all", async (_p, path) => change({ path }, "console-session.revoke-all"));

/** Authenticated routes that are not GET yet change nothing, each with why. */
const NO_CHANGE = new Map<string, string>([
  ["post /api/v1/secret-syncs/qovery/check-destination", "a question about destinations, answered from what is stored"],
  ["post /api/v1/secret-syncs/qovery/:syncId/import-secrets", "always refused: Qovery never returns values"],
]);

const writeRoutes = () => {
  createApp(); // fills the registry
  return registeredRoutes()
    .filter((r) => !r.public && r.method !== "get")
    .map((r) => `${r.method} ${r.path}`);
};

let p: ProjectResources;

beforeAll(async () => {
  p = await projectResources();
}, 120_000);

describe("one audit record per change", () => {
  it("has a case for every authenticated write route, and only for routes that exist", () => {
    const routes = writeRoutes();
    expect(routes.filter((k) => !CASES.has(k) && !NO_CHANGE.has(k))).toEqual([]);
    expect([...CASES.keys(), ...NO_CHANGE.keys()].filter((k) => !routes.includes(k))).toEqual([]);
  });

  it.each([...CASES.entries()].map(([name, c]) => ({ name, ...c })))("$name writes exactly one record", async ({ method, path, run }) => {
    const { request, actions, settle } = await run(p, path);
    const requestId = unique("audit-req");
    const res = await call(method.toUpperCase(), request.path, { query: request.query, body: request.body, headers: { "x-request-id": requestId } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(requestId);
    await settle?.();
    const rows = await auditRowsOf(requestId);
    expect(rows.map((r) => r.action)).toEqual(actions);
    // Several records are for several things changed, never the same change twice.
    expect(new Set(rows.map((r) => r.target_id)).size).toBe(rows.length);
    for (const row of rows) expect(row).toMatchObject({ actor_type: "admin", actor_name: "admin" });
  });
});

describe("console forms write the same one record", () => {
  let browser: Browser;
  const page = () => `/projects/${p.projectId}/secrets/dev`;
  /** Posts a console form with a request id of our own; returns the actions recorded under it. */
  async function post(path: string, fields: Record<string, string>) {
    const requestId = unique("console-req");
    const res = await browser.request("POST", path, { form: { _csrf: browser.csrf, ...fields }, headers: { "x-request-id": requestId } });
    expect(res.status, res.html.slice(0, 300)).toBe(303);
    return (await auditRowsOf(requestId)).map((r) => r.action);
  }

  beforeAll(async () => {
    browser = new Browser();
    await browser.signIn(env.ADMIN_TOKEN);
  });

  it("secrets and folders", async () => {
    const name = key("CONSOLE");
    expect(await post(`${page()}/create`, { path: "/app", key: name, value: "v", comment: "" })).toEqual(["secret.create"]);
    expect(await post(`${page()}/update`, { path: "/app", key: name, newKey: name, value: "w", comment: "" })).toEqual(["secret.update"]);
    expect(await post(`${page()}/delete`, { path: "/app", key: name })).toEqual(["secret.delete"]);
    expect(await post(`${page()}/create-folder`, { path: "/", name: unique("console") })).toEqual(["folder.create"]);
  });

  it("members and syncs", async () => {
    expect(await post(`/projects/${p.projectId}/access/members`, { emails: email(), role: "viewer" })).toEqual(["project-membership.create"]);
    const { f, sync } = await ownSync();
    expect(await post(`/projects/${f.project.id}/integrations/secret-syncs/${sync.id}/sync`, {})).toEqual(["secret-sync.sync-secrets"]);
    await waitForRun(sync.id);
  });
});
