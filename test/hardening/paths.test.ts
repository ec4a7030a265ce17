/**
 * Hostile paths on every route that takes one, in the body or the query, and on the console's forms: each is refused
 * with the exact status and message, the service answers a normal request right after, and nothing stored changes.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_PATH_DEPTH } from "../../src/lib/limits";
import { PATH_TOO_DEEP, PATH_TOO_LONG } from "../../src/store/paths";
import { api, sendSignedNotice, type ApiResponse } from "../helpers/api";
import { listSecrets, makeImport } from "../helpers/store";
import { syncBody } from "../helpers/sync-fixtures";
import { Browser, hiddenInputs, textOf } from "../console/browser";
import { expectNoEffect, expectRefusal, hostileFixture, type HostileFixture } from "./harness";

vi.setConfig({ testTimeout: 60_000 });

const HOSTILE_PATHS = [
  { name: "40,000 slashes then a letter", path: `${"/".repeat(40_000)}x`, message: PATH_TOO_LONG },
  { name: "only 40,000 slashes", path: "/".repeat(40_000), message: PATH_TOO_LONG },
  { name: `${MAX_PATH_DEPTH + 1} levels`, path: "/f".repeat(MAX_PATH_DEPTH + 1), message: PATH_TOO_DEEP },
  { name: "a NUL byte", path: "/app\u0000", message: "Secret path cannot contain control characters (found U+0000)" },
  {
    name: "a right-to-left override",
    path: "/\u202Eppa",
    message: "Secret path cannot contain bidirectional text controls (found U+202E)",
  },
];

let f: HostileFixture & { importId: string };

beforeAll(async () => {
  const base = await hostileFixture();
  const secretImport = await makeImport(base.project.id, { environment: "staging", path: "/" }, { environment: "dev", path: "/app" });
  f = { ...base, importId: secretImport.id };
});

const project = () => ({ projectId: f.project.id });
const workspace = () => ({ workspaceId: f.project.id });

const sendNotice = (secretPath: string) =>
  sendSignedNotice(f.endpoint, { projectId: f.project.id, environment: "dev", secretPath }, { "cf-connecting-ip": "192.0.2.130" });

type Send = (path: string) => Promise<ApiResponse>;
interface PathRoute {
  route: string;
  /** where the refusal says the path was */
  field: string;
  send: Send;
}

/** A route reading the path from the query parameter `field`, next to `query()`. */
const inQuery = (url: string, field: string, query: () => Record<string, string>): PathRoute => ({
  route: `GET ${url} (${field})`,
  field,
  send: (p) => api.get(url, { query: { ...query(), [field]: p } }),
});

type Body = (path: string) => Record<string, unknown>;

/** A route reading the path from the JSON body, placed by `body(path)`; `id()` stands for `:id` (known after `beforeAll`). */
const inBody = (method: "post" | "patch" | "delete", url: string, field: string, body: Body, id?: () => string): PathRoute => ({
  route: `${method.toUpperCase()} ${url} (${field})`,
  field,
  send: (p) => api[method](id ? url.replace(":id", id()) : url, body(p)),
});

/** The single-secret routes of v3 raw (which name the project `workspaceId`) or v4 (`projectId`). */
function secretRoutes(url: string, selector: () => Record<string, string>): PathRoute[] {
  const query = () => ({ ...selector(), environment: "dev" });
  const where = (secretPath: string) => ({ ...query(), secretPath });
  return [
    inQuery(url, "secretPath", query),
    inQuery(`${url}/A`, "secretPath", query),
    inBody("post", `${url}/NEW`, "secretPath", (p) => ({ ...where(p), secretValue: "v" })),
    inBody("patch", `${url}/A`, "secretPath", (p) => ({ ...where(p), secretValue: "v" })),
    inBody("delete", `${url}/A`, "secretPath", where),
  ];
}

const devSecrets = (secretPath: string) => ({ ...project(), environment: "dev", secretPath });
const devQuery = () => ({ ...project(), environment: "dev" });
const stagingQuery = () => ({ ...project(), environment: "staging" });
const one = [{ secretKey: "A", secretValue: "v" }];
const folderUpdate = (path: string) => ({ ...project(), environment: "dev", name: "renamed", path });

/** Every API route that takes a path, in the body or the query. */
const PATH_ROUTES: PathRoute[] = [
  ...secretRoutes("/api/v3/secrets/raw", workspace),
  ...secretRoutes("/api/v4/secrets", project),
  ...["/api/v3/secrets/batch/raw", "/api/v4/secrets/batch"].flatMap((batch) => [
    inBody("post", batch, "secretPath", (p) => ({ ...devSecrets(p), secrets: [{ secretKey: "NEW", secretValue: "v" }] })),
    inBody("patch", batch, "secretPath", (p) => ({ ...devSecrets(p), secrets: one })),
    inBody("patch", batch, "secrets.0.secretPath", (p) => ({ ...devSecrets("/app"), secrets: [{ ...one[0], secretPath: p }] })),
    inBody("delete", batch, "secretPath", (p) => ({ ...devSecrets(p), secrets: [{ secretKey: "A" }] })),
  ]),
  // folders: v1 names the path `directory` (or `path`), v2 `path`
  inBody("post", "/api/v1/folders", "directory", (p) => ({ ...workspace(), environment: "dev", name: "x", directory: p })),
  inBody("post", "/api/v2/folders", "path", (p) => ({ ...project(), environment: "dev", name: "x", path: p })),
  inQuery("/api/v1/folders", "directory", () => ({ ...workspace(), environment: "dev" })),
  inQuery("/api/v2/folders", "path", devQuery),
  inBody("patch", "/api/v2/folders/batch", "folders.0.path", (p) => ({ ...project(), folders: [{ id: f.folderId, ...folderUpdate(p) }] })),
  ...["/api/v1/folders", "/api/v2/folders"].flatMap((folders) => [
    inBody("patch", `${folders}/:id`, "path", folderUpdate, () => f.folderId),
    inBody("delete", `${folders}/:id`, "path", (p) => ({ ...project(), environment: "dev", path: p, forceDelete: true }), () => f.folderId),
  ]),
  // secret imports, v1 and v2: the folder's own path and the imported one
  ...["/api/v1/secret-imports", "/api/v2/secret-imports"].flatMap((imports) => {
    const importFrom = (path: string) => ({ environment: "dev", path });
    const importId = () => f.importId;
    return [
      inBody("post", imports, "path", (p) => ({ ...project(), environment: "prod", path: p, import: importFrom("/app") })),
      inBody("post", imports, "import.path", (p) => ({ ...project(), environment: "prod", path: "/", import: importFrom(p) })),
      inQuery(imports, "path", stagingQuery),
      inBody("patch", `${imports}/:id`, "path", (p) => ({ ...stagingQuery(), path: p, import: { position: 1 } }), importId),
      inBody("patch", `${imports}/:id`, "import.path", (p) => ({ ...stagingQuery(), path: "/", import: { path: p } }), importId),
      inBody("delete", `${imports}/:id`, "path", (p) => ({ ...stagingQuery(), path: p }), importId),
    ];
  }),
  inQuery("/api/v2/secret-imports/secrets", "path", stagingQuery),
  inQuery("/api/v1/secret-imports/secrets/raw", "path", () => ({ ...workspace(), environment: "staging" })),
  // syncs and the signed webhook receiver
  inBody("post", "/api/v1/secret-syncs/qovery", "secretPath", (secretPath) => syncBody(f, { name: "hostile-path", secretPath })),
  inBody("patch", "/api/v1/secret-syncs/qovery/:id", "secretPath", (secretPath) => ({ secretPath }), () => f.syncId),
  { route: "POST /api/v1/webhooks/secret-changes (secretPath)", field: "secretPath", send: sendNotice },
];

describe("hostile paths on the API", () => {
  for (const hostile of HOSTILE_PATHS) {
    it.each(PATH_ROUTES.map((r) => [r.route, r] as const))(`${hostile.name}: %s → 422 naming the field and the limit`, async (_, r) => {
      await expectNoEffect(f.project.id, async () => expectRefusal(await r.send(hostile.path), 422, `${r.field}: ${hostile.message}`));
    });
  }

  it("still takes every route's normal path", async () => {
    // The same routes with a path that is fine answer as before (spot checks across the kinds of route).
    const names = (items: { secretKey?: string; name?: string }[]) => items.map((item) => item.secretKey ?? item.name);
    expect(names((await listSecrets(f.project.id, { secretPath: "/app/" })).secrets)).toEqual(["A"]);
    expect(names((await api.get("/api/v2/folders", { query: { ...devQuery(), path: "/" } })).body.folders)).toEqual(["app"]);
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
