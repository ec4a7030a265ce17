/**
 * Hostile paths on every route that takes one, in the body or the query, and on the console's forms: each is refused
 * with the exact status and message, the service answers a normal request right after, and nothing stored changes.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_PATH_DEPTH } from "../../src/lib/limits";
import { PATH_TOO_DEEP, PATH_TOO_LONG } from "../../src/store/paths";
import { webhookHeaders } from "../../src/triggers/webhook-signature";
import { api, call, type ApiResponse } from "../helpers/api";
import { listSecrets, makeImport, putSecret } from "../helpers/store";
import { createSync, syncFixture, type SyncFixture } from "../helpers/sync-fixtures";
import { Browser, hiddenInputs, textOf } from "../console/browser";
import { expectNoEffect, expectRefusal } from "./harness";

vi.setConfig({ testTimeout: 60_000 });

const HOSTILE_PATHS = [
  { name: "40,000 slashes then a letter", path: `${"/".repeat(40_000)}x`, message: PATH_TOO_LONG },
  { name: "only 40,000 slashes", path: "/".repeat(40_000), message: PATH_TOO_LONG },
  { name: `${MAX_PATH_DEPTH + 1} levels`, path: "/f".repeat(MAX_PATH_DEPTH + 1), message: PATH_TOO_DEEP },
  { name: "a NUL byte", path: "/app\u0000", message: "Secret path cannot contain control characters (found U+0000)" },
  { name: "a right-to-left override", path: "/\u202Eppa", message: "Secret path cannot contain bidirectional text controls (found U+202E)" },
];

interface Fixture extends SyncFixture {
  folderId: string;
  importId: string;
  syncId: string;
  endpoint: { id: string; secret: string };
}

let f: Fixture;

beforeAll(async () => {
  const base = await syncFixture({ A: "1" }, "/app");
  await putSecret(base.project.id, "ROOT", "r");
  const folder = (await api.get("/api/v2/folders", { query: { projectId: base.project.id, environment: "dev" } })).body.folders[0];
  const secretImport = await makeImport(base.project.id, { environment: "staging", path: "/" }, { environment: "dev", path: "/app" });
  // Auto-sync off: nothing runs in the background while the tests compare stored rows.
  const sync = await createSync(base, { autoSyncEnabled: false });
  const endpoint = await api.post("/api/v1/webhooks/endpoints", { name: "paths", projectId: base.project.id });
  f = { ...base, folderId: folder.id, importId: secretImport.id, syncId: sync.id, endpoint: { id: endpoint.body.endpoint.id, secret: endpoint.body.secret } };
});

const project = () => ({ projectId: f.project.id });
const workspace = () => ({ workspaceId: f.project.id });

async function sendNotice(secretPath: string) {
  const body = JSON.stringify({ projectId: f.project.id, environment: "dev", secretPath });
  const headers = await webhookHeaders(f.endpoint.secret, `msg_${crypto.randomUUID()}`, body);
  return call("POST", "/api/v1/webhooks/secret-changes", {
    token: null,
    rawBody: body,
    headers: { ...headers, "cf-connecting-ip": "192.0.2.130" },
    query: { endpointId: f.endpoint.id },
  });
}

/** Every API route that takes a path, with the field the refusal names and how to send a path there. */
const PATH_ROUTES: { route: string; field: string; send: (path: string) => Promise<ApiResponse> }[] = [
  // secrets, v3 raw and v4
  { route: "GET /api/v3/secrets/raw", field: "secretPath", send: (p) => api.get("/api/v3/secrets/raw", { query: { ...workspace(), environment: "dev", secretPath: p } }) },
  { route: "GET /api/v4/secrets", field: "secretPath", send: (p) => api.get("/api/v4/secrets", { query: { ...project(), environment: "dev", secretPath: p } }) },
  { route: "GET /api/v3/secrets/raw/:name", field: "secretPath", send: (p) => api.get("/api/v3/secrets/raw/A", { query: { ...workspace(), environment: "dev", secretPath: p } }) },
  { route: "GET /api/v4/secrets/:name", field: "secretPath", send: (p) => api.get("/api/v4/secrets/A", { query: { ...project(), environment: "dev", secretPath: p } }) },
  { route: "POST /api/v3/secrets/raw/:name", field: "secretPath", send: (p) => api.post("/api/v3/secrets/raw/NEW", { ...workspace(), environment: "dev", secretPath: p, secretValue: "v" }) },
  { route: "POST /api/v4/secrets/:name", field: "secretPath", send: (p) => api.post("/api/v4/secrets/NEW", { ...project(), environment: "dev", secretPath: p, secretValue: "v" }) },
  { route: "PATCH /api/v3/secrets/raw/:name", field: "secretPath", send: (p) => api.patch("/api/v3/secrets/raw/A", { ...workspace(), environment: "dev", secretPath: p, secretValue: "v" }) },
  { route: "PATCH /api/v4/secrets/:name", field: "secretPath", send: (p) => api.patch("/api/v4/secrets/A", { ...project(), environment: "dev", secretPath: p, secretValue: "v" }) },
  { route: "DELETE /api/v3/secrets/raw/:name", field: "secretPath", send: (p) => api.delete("/api/v3/secrets/raw/A", { ...workspace(), environment: "dev", secretPath: p }) },
  { route: "DELETE /api/v4/secrets/:name", field: "secretPath", send: (p) => api.delete("/api/v4/secrets/A", { ...project(), environment: "dev", secretPath: p }) },
  ...(["/api/v3/secrets/batch/raw", "/api/v4/secrets/batch"] as const).flatMap((batch) => [
    { route: `POST ${batch}`, field: "secretPath", send: (p: string) => api.post(batch, { ...project(), environment: "dev", secretPath: p, secrets: [{ secretKey: "NEW", secretValue: "v" }] }) },
    { route: `PATCH ${batch}`, field: "secretPath", send: (p: string) => api.patch(batch, { ...project(), environment: "dev", secretPath: p, secrets: [{ secretKey: "A", secretValue: "v" }] }) },
    {
      route: `PATCH ${batch} (a secret's own path)`,
      field: "secrets.0.secretPath",
      send: (p: string) => api.patch(batch, { ...project(), environment: "dev", secretPath: "/app", secrets: [{ secretKey: "A", secretValue: "v", secretPath: p }] }),
    },
    { route: `DELETE ${batch}`, field: "secretPath", send: (p: string) => api.delete(batch, { ...project(), environment: "dev", secretPath: p, secrets: [{ secretKey: "A" }] }) },
  ]),
  // folders, v1 (directory or path) and v2
  { route: "POST /api/v1/folders (directory)", field: "directory", send: (p) => api.post("/api/v1/folders", { ...workspace(), environment: "dev", name: "x", directory: p }) },
  { route: "POST /api/v2/folders", field: "path", send: (p) => api.post("/api/v2/folders", { ...project(), environment: "dev", name: "x", path: p }) },
  { route: "GET /api/v1/folders (directory)", field: "directory", send: (p) => api.get("/api/v1/folders", { query: { ...workspace(), environment: "dev", directory: p } }) },
  { route: "GET /api/v2/folders", field: "path", send: (p) => api.get("/api/v2/folders", { query: { ...project(), environment: "dev", path: p } }) },
  {
    route: "PATCH /api/v2/folders/batch",
    field: "folders.0.path",
    send: (p) => api.patch("/api/v2/folders/batch", { ...project(), folders: [{ id: f.folderId, environment: "dev", name: "renamed", path: p }] }),
  },
  { route: "PATCH /api/v1/folders/:id", field: "path", send: (p) => api.patch(`/api/v1/folders/${f.folderId}`, { ...workspace(), environment: "dev", name: "renamed", path: p }) },
  { route: "PATCH /api/v2/folders/:id", field: "path", send: (p) => api.patch(`/api/v2/folders/${f.folderId}`, { ...project(), environment: "dev", name: "renamed", path: p }) },
  { route: "DELETE /api/v1/folders/:id", field: "path", send: (p) => api.delete(`/api/v1/folders/${f.folderId}`, { ...workspace(), environment: "dev", path: p }) },
  { route: "DELETE /api/v2/folders/:id", field: "path", send: (p) => api.delete(`/api/v2/folders/${f.folderId}`, { ...project(), environment: "dev", path: p, forceDelete: true }) },
  // secret imports, v1 and v2: the folder's path and the imported one
  ...(["/api/v1/secret-imports", "/api/v2/secret-imports"] as const).flatMap((imports) => [
    { route: `POST ${imports}`, field: "path", send: (p: string) => api.post(imports, { ...project(), environment: "prod", path: p, import: { environment: "dev", path: "/app" } }) },
    { route: `POST ${imports} (import.path)`, field: "import.path", send: (p: string) => api.post(imports, { ...project(), environment: "prod", path: "/", import: { environment: "dev", path: p } }) },
    { route: `GET ${imports}`, field: "path", send: (p: string) => api.get(imports, { query: { ...project(), environment: "staging", path: p } }) },
    { route: `PATCH ${imports}/:id`, field: "path", send: (p: string) => api.patch(`${imports}/${f.importId}`, { ...project(), environment: "staging", path: p, import: { position: 1 } }) },
    {
      route: `PATCH ${imports}/:id (import.path)`,
      field: "import.path",
      send: (p: string) => api.patch(`${imports}/${f.importId}`, { ...project(), environment: "staging", path: "/", import: { path: p } }),
    },
    { route: `DELETE ${imports}/:id`, field: "path", send: (p: string) => api.delete(`${imports}/${f.importId}`, { ...project(), environment: "staging", path: p }) },
  ]),
  { route: "GET /api/v2/secret-imports/secrets", field: "path", send: (p) => api.get("/api/v2/secret-imports/secrets", { query: { ...project(), environment: "staging", path: p } }) },
  { route: "GET /api/v1/secret-imports/secrets/raw", field: "path", send: (p) => api.get("/api/v1/secret-imports/secrets/raw", { query: { ...workspace(), environment: "staging", path: p } }) },
  // syncs and the signed webhook receiver
  {
    route: "POST /api/v1/secret-syncs/qovery",
    field: "secretPath",
    send: (p) =>
      api.post("/api/v1/secret-syncs/qovery", {
        name: "hostile-path",
        ...project(),
        connectionId: f.connectionId,
        environment: "dev",
        secretPath: p,
        syncOptions: { initialSyncBehavior: "overwrite-destination" },
        destinationConfig: { organizationId: f.tenant.organizationId, projectId: f.tenant.project.id },
      }),
  },
  { route: "PATCH /api/v1/secret-syncs/qovery/:id", field: "secretPath", send: (p) => api.patch(`/api/v1/secret-syncs/qovery/${f.syncId}`, { secretPath: p }) },
  { route: "POST /api/v1/webhooks/secret-changes", field: "secretPath", send: sendNotice },
];

describe("hostile paths on the API", () => {
  for (const hostile of HOSTILE_PATHS) {
    it.each(PATH_ROUTES.map((r) => [r.route, r] as const))(`${hostile.name}: %s → 422 naming the field and the limit`, async (_, route) => {
      await expectNoEffect(f.project.id, async () => expectRefusal(await route.send(hostile.path), 422, `${route.field}: ${hostile.message}`));
    });
  }

  it("still takes every route's normal path", async () => {
    // The same routes with a path that is fine answer as before (spot checks across the kinds of route).
    expect((await listSecrets(f.project.id, { secretPath: "/app/" })).secrets.map((s: { secretKey: string }) => s.secretKey)).toEqual(["A"]);
    expect((await api.get("/api/v2/folders", { query: { ...project(), environment: "dev", path: "/" } })).body.folders.map((x: { name: string }) => x.name)).toEqual(["app"]);
    expect((await api.get("/api/v2/secret-imports", { query: { ...project(), environment: "staging", path: "/" } })).status).toBe(200);
    expect((await sendNotice("/app/")).status).toBe(202);
  });
});

describe("hostile paths on the console", () => {
  let browser: Browser;
  const secretsPage = () => `/projects/${f.project.id}/secrets/dev`;

  beforeAll(async () => {
    browser = new Browser();
    await browser.signIn();
  });

  for (const hostile of HOSTILE_PATHS) {
    it(`${hostile.name}: the secrets page, its forms and the sync wizard refuse it with the same message`, async () => {
      const expectPage = (page: { status: number; html: string }, status: number) => {
        expect(page.status).toBe(status);
        expect(textOf(page.html)).toContain(hostile.message);
      };
      await expectNoEffect(f.project.id, async () => {
        expectPage(await browser.get(`${secretsPage()}?path=${encodeURIComponent(hostile.path)}`), 400);
        expectPage(await browser.post(`${secretsPage()}/create`, { path: hostile.path, key: "NEW", value: "v" }), 400);
        expectPage(await browser.post(`${secretsPage()}/create-folder`, { path: hostile.path, name: "x" }), 400);
        const wizard = `/projects/${f.project.id}/integrations/secret-syncs/new/qovery`;
        const start = await browser.get(wizard);
        expectPage(await browser.post(wizard, { ...hiddenInputs(start.html), environment: "dev", secretPath: hostile.path }), 422);
      });
      // and the console still works
      expect((await browser.get(`${secretsPage()}?path=%2Fapp`)).status).toBe(200);
    });
  }
});
