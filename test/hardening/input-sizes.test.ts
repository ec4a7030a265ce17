/**
 * Hostile sizes, counts and characters on every route that takes a list or a key, name or free text with a limit,
 * and on the console's forms: each is refused with the exact status and message, the service answers a normal
 * request right after, and nothing stored changes.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { SCOPES } from "../../src/auth/scopes";
import {
  MAX_AUDIT_LOGS_PER_PAGE,
  MAX_FOLDER_NAME_LENGTH,
  MAX_FOLDERS_PER_BATCH,
  MAX_METADATA_ENTRIES,
  MAX_METADATA_FILTER_CONDITIONS,
  MAX_METADATA_KEY_LENGTH,
  MAX_METADATA_VALUE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PATH_LENGTH,
  MAX_REPORTED_VALIDATION_ISSUES,
  MAX_RUNS_PER_PAGE,
  MAX_SECRET_COMMENT_LENGTH,
  MAX_SECRET_KEY_LENGTH,
  MAX_SECRETS_PER_BATCH,
  MAX_TAGS_PER_SECRET,
  MAX_WEBHOOK_SYNC_IDS,
} from "../../src/lib/limits";
import { FOLDER_NAME_TOO_LONG, INVALID_FOLDER_NAME } from "../../src/store/paths";
import { SECRET_COMMENT_TOO_LONG, SECRET_KEY_TOO_LONG } from "../../src/store/secret-rules";
import { SYNC_EVENT_TYPES } from "../../src/syncs/events";
import { api, sendSignedNotice, type ApiResponse } from "../helpers/api";
import { pathOfLength } from "../helpers/paths";
import { listSecrets, makeFolder } from "../helpers/store";
import { syncBody } from "../helpers/sync-fixtures";
import { Browser, textOf } from "../console/browser";
import { expectNoEffect, expectRefusal, hostileFixture, type HostileFixture } from "./harness";

vi.setConfig({ testTimeout: 60_000 });

/** `nearlyFull`: a folder whose deepest descendant's path is 4 characters under the path length cap */
let f: HostileFixture & { nearlyFull: { id: string; name: string } };

beforeAll(async () => {
  const base = await hostileFixture();
  // /x, with a descendant whose path is MAX_PATH_LENGTH - 4 characters long
  const nearlyFull = await makeFolder(base.project.id, "/", "x");
  const deep = `/x${pathOfLength(MAX_PATH_LENGTH - 6)}`;
  await makeFolder(base.project.id, deep.slice(0, deep.lastIndexOf("/")), deep.slice(deep.lastIndexOf("/") + 1));
  f = { ...base, nearlyFull: { id: nearlyFull.id, name: "x" } };
});

const project = () => ({ projectId: f.project.id });
const target = () => ({ projectId: f.project.id, environment: "dev", secretPath: "/app" });
const many = <T>(count: number, item: (i: number) => T) => Array.from({ length: count }, (_, i) => item(i));
const key = (i: number) => `K${i}`;

const sendNotice = (payload: Record<string, unknown>) =>
  sendSignedNotice(f.endpoint, { projectId: f.project.id, environment: "dev", secretPath: "/app", ...payload }, { "cf-connecting-ip": "192.0.2.131" });

interface Case {
  route: string;
  /** 422 unless given: the request itself is invalid */
  status?: number;
  message: string;
  send: () => Promise<ApiResponse>;
}

const BATCHES = ["/api/v3/secrets/batch/raw", "/api/v4/secrets/batch"] as const;
const TOO_MANY_SECRETS = `secrets: secrets can hold at most ${MAX_SECRETS_PER_BATCH} secrets per request`;
/** `count` secrets to write in /app, as batch routes take them */
const batchOf = (count: number, extra: Record<string, unknown> = {}) => ({
  ...target(),
  ...extra,
  secrets: many(count, (i) => ({ secretKey: key(i), secretValue: "v" })),
});
const newSecret = (extra: Record<string, unknown>) => ({ ...target(), secretValue: "v", ...extra });

/** Lists one over their limit, on every route that takes one. */
const LIST_CASES: Case[] = [
  ...BATCHES.flatMap((batch) => [
    { route: `POST ${batch}`, message: TOO_MANY_SECRETS, send: () => api.post(batch, batchOf(MAX_SECRETS_PER_BATCH + 1)) },
    {
      route: `PATCH ${batch}`,
      message: TOO_MANY_SECRETS,
      send: () => api.patch(batch, batchOf(MAX_SECRETS_PER_BATCH + 1, { mode: "upsert" })),
    },
    { route: `DELETE ${batch}`, message: TOO_MANY_SECRETS, send: () => api.delete(batch, batchOf(MAX_SECRETS_PER_BATCH + 1)) },
  ]),
  {
    route: "PATCH /api/v2/folders/batch",
    message: `folders: folders can hold at most ${MAX_FOLDERS_PER_BATCH} folders per request`,
    send: () => {
      const folders = many(MAX_FOLDERS_PER_BATCH + 1, () => ({ id: f.folderId, environment: "dev", name: "app", path: "/" }));
      return api.patch("/api/v2/folders/batch", { ...project(), folders });
    },
  },
  {
    route: "POST /api/v4/secrets/:name (secretMetadata)",
    message: `secretMetadata: secretMetadata can hold at most ${MAX_METADATA_ENTRIES} entries`,
    send: () => {
      const secretMetadata = many(MAX_METADATA_ENTRIES + 1, (i) => ({ key: key(i), value: "v" }));
      return api.post("/api/v4/secrets/NEW", newSecret({ secretMetadata }));
    },
  },
  {
    route: "PATCH /api/v4/secrets/batch (a secret's secretMetadata)",
    message: `secrets.0.secretMetadata: secretMetadata can hold at most ${MAX_METADATA_ENTRIES} entries`,
    send: () => {
      const secretMetadata = many(MAX_METADATA_ENTRIES + 1, (i) => ({ key: key(i) }));
      return api.patch(BATCHES[1], { ...target(), secrets: [{ secretKey: "A", secretMetadata }] });
    },
  },
  {
    route: "POST /api/v3/secrets/raw/:name (tagIds)",
    message: `tagIds: tagIds can hold at most ${MAX_TAGS_PER_SECRET} tags`,
    send: () => api.post("/api/v3/secrets/raw/NEW", newSecret({ tagIds: many(MAX_TAGS_PER_SECRET + 1, (i) => `tag-${i}`) })),
  },
  {
    route: "GET /api/v4/secrets (metadataFilter)",
    message: `metadataFilter: metadataFilter must be up to ${MAX_METADATA_FILTER_CONDITIONS} 'key=K[,value=V]' conditions separated by '|'`,
    send: () => {
      const metadataFilter = many(MAX_METADATA_FILTER_CONDITIONS + 1, (i) => `key=${key(i)}`).join("|");
      return api.get("/api/v4/secrets", { query: { ...target(), metadataFilter } });
    },
  },
  {
    route: "POST /api/v1/webhooks/secret-changes (syncIds)",
    message: `syncIds: syncIds lists at most ${MAX_WEBHOOK_SYNC_IDS} syncs`,
    send: () => sendNotice({ syncIds: many(MAX_WEBHOOK_SYNC_IDS + 1, () => f.syncId) }),
  },
  {
    route: "POST /api/v1/api-tokens (scopes)",
    message: `scopes: scopes can list at most ${SCOPES.length} scopes`,
    send: () => api.post("/api/v1/api-tokens", { name: "many-scopes", scopes: many(SCOPES.length + 1, () => "secrets:read") }),
  },
  {
    route: "POST /api/v1/identities (scopes)",
    message: `scopes: scopes can list at most ${SCOPES.length} scopes`,
    send: () => api.post("/api/v1/identities", { name: "many-scopes", scopes: many(SCOPES.length + 1, () => "secrets:read") }),
  },
  {
    route: "POST /api/v1/webhooks/subscriptions (events)",
    message: `events: events can list at most ${SYNC_EVENT_TYPES.length} events`,
    send: () => {
      const events = many(SYNC_EVENT_TYPES.length + 1, () => "sync.failed");
      return api.post("/api/v1/webhooks/subscriptions", { ...project(), url: "https://receiver.test/hook", events });
    },
  },
  {
    route: "GET /api/v1/secret-syncs/qovery/:id/runs (limit)",
    message: `limit: limit must be at most ${MAX_RUNS_PER_PAGE}`,
    send: () => api.get(`/api/v1/secret-syncs/qovery/${f.syncId}/runs`, { query: { limit: String(MAX_RUNS_PER_PAGE + 1) } }),
  },
  {
    route: "GET /api/v1/audit-logs (limit)",
    message: `limit: limit must be at most ${MAX_AUDIT_LOGS_PER_PAGE}`,
    send: () => api.get("/api/v1/audit-logs", { query: { ...project(), limit: String(MAX_AUDIT_LOGS_PER_PAGE + 1) } }),
  },
];

const LONG_KEY = "K".repeat(MAX_SECRET_KEY_LENGTH + 1);
const LONG_COMMENT = "c".repeat(MAX_SECRET_COMMENT_LENGTH + 1);
const TOO_LONG_NAME = "n".repeat(MAX_NAME_LENGTH + 1);
const NUL = "Secret name cannot contain control characters (found U+0000)";
const RLO = "Secret name cannot contain bidirectional text controls (found U+202E)";

/** Keys, free text and names over their limit or holding refused characters. */
const VALUE_CASES: Case[] = [
  {
    route: "POST /api/v3/secrets/raw/:name (long key)",
    message: `secretName: ${SECRET_KEY_TOO_LONG}`,
    send: () => api.post(`/api/v3/secrets/raw/${LONG_KEY}`, newSecret({})),
  },
  {
    route: "POST /api/v4/secrets/:name (key with NUL)",
    message: `secretName: ${NUL}`,
    send: () => api.post(`/api/v4/secrets/${encodeURIComponent("A\u0000B")}`, newSecret({})),
  },
  {
    route: "POST /api/v4/secrets/:name (key with a right-to-left override)",
    message: `secretName: ${RLO}`,
    send: () => api.post(`/api/v4/secrets/${encodeURIComponent("TXT\u202EYEK")}`, newSecret({})),
  },
  {
    route: "POST /api/v4/secrets/batch (key with an invisible right-to-left mark)",
    message: "secrets.0.secretKey: Secret name cannot contain bidirectional text controls (found U+200F)",
    send: () => api.post(BATCHES[1], { ...target(), secrets: [{ secretKey: "API_KEY\u200F", secretValue: "v" }] }),
  },
  {
    route: "POST /api/v3/secrets/batch/raw (long key)",
    message: `secrets.0.secretKey: ${SECRET_KEY_TOO_LONG}`,
    send: () => api.post(BATCHES[0], { ...target(), secrets: [{ secretKey: LONG_KEY, secretValue: "v" }] }),
  },
  {
    route: "PATCH /api/v4/secrets/batch (upserted key with a tab)",
    message: "secrets.0.secretKey: Secret name cannot contain control characters (found U+0009)",
    send: () => api.patch(BATCHES[1], { ...target(), mode: "upsert", secrets: [{ secretKey: "A\tB", secretValue: "v" }] }),
  },
  {
    route: "PATCH /api/v4/secrets/:name (long newSecretName)",
    message: `newSecretName: ${SECRET_KEY_TOO_LONG}`,
    send: () => api.patch("/api/v4/secrets/A", { ...target(), newSecretName: LONG_KEY }),
  },
  {
    route: "PATCH /api/v3/secrets/raw/:name (newSecretName with NUL)",
    message: `newSecretName: ${NUL}`,
    send: () => api.patch("/api/v3/secrets/raw/A", { ...target(), newSecretName: "A\u0000" }),
  },
  {
    route: "POST /api/v3/secrets/raw/:name (long comment)",
    message: `secretComment: ${SECRET_COMMENT_TOO_LONG}`,
    send: () => api.post("/api/v3/secrets/raw/NEW", newSecret({ secretComment: LONG_COMMENT })),
  },
  {
    route: "PATCH /api/v4/secrets/:name (long comment)",
    message: `secretComment: ${SECRET_COMMENT_TOO_LONG}`,
    send: () => api.patch("/api/v4/secrets/A", { ...target(), secretComment: LONG_COMMENT }),
  },
  {
    route: "PATCH /api/v3/secrets/batch/raw (long comment)",
    message: `secrets.0.secretComment: ${SECRET_COMMENT_TOO_LONG}`,
    send: () => api.patch(BATCHES[0], { ...target(), secrets: [{ secretKey: "A", secretComment: LONG_COMMENT }] }),
  },
  {
    route: "POST /api/v4/secrets/:name (long metadata key)",
    message: `secretMetadata.0.key: metadata key must be at most ${MAX_METADATA_KEY_LENGTH} characters`,
    send: () => api.post("/api/v4/secrets/NEW", newSecret({ secretMetadata: [{ key: "k".repeat(MAX_METADATA_KEY_LENGTH + 1) }] })),
  },
  {
    route: "POST /api/v4/secrets/:name (long metadata value)",
    message: `secretMetadata.0.value: metadata value must be at most ${MAX_METADATA_VALUE_LENGTH} characters`,
    send: () => {
      const secretMetadata = [{ key: "k", value: "v".repeat(MAX_METADATA_VALUE_LENGTH + 1) }];
      return api.post("/api/v4/secrets/NEW", newSecret({ secretMetadata }));
    },
  },
  {
    route: "POST /api/v2/folders (long name)",
    message: `name: ${FOLDER_NAME_TOO_LONG}`,
    send: () => api.post("/api/v2/folders", { ...project(), environment: "dev", name: "f".repeat(MAX_FOLDER_NAME_LENGTH + 1) }),
  },
  {
    route: "POST /api/v1/folders (name with NUL)",
    message: `name: ${INVALID_FOLDER_NAME}`,
    send: () => api.post("/api/v1/folders", { workspaceId: f.project.id, environment: "dev", name: "f\u0000" }),
  },
  {
    route: "PATCH /api/v2/folders/:id (name with a right-to-left isolate)",
    message: `name: ${INVALID_FOLDER_NAME}`,
    send: () => api.patch(`/api/v2/folders/${f.folderId}`, { ...project(), environment: "dev", name: "ppa\u2067", path: "/" }),
  },
  {
    route: "POST /api/v2/folders (the new folder's path would exceed the cap)",
    // the store's refusal, like the depth cap's: only the parent path and the name together are too long
    status: 400,
    message: `A folder's path can be at most ${MAX_PATH_LENGTH} characters`,
    send: () => api.post("/api/v2/folders", { ...project(), environment: "dev", path: pathOfLength(MAX_PATH_LENGTH - 2), name: "ab" }),
  },
  {
    route: "PATCH /api/v2/folders/:id (a rename would push a descendant's path past the cap)",
    status: 400,
    message: `A folder's path can be at most ${MAX_PATH_LENGTH} characters`,
    send: () => api.patch(`/api/v2/folders/${f.nearlyFull.id}`, { ...project(), environment: "dev", name: "xxxxxx", path: "/" }),
  },
  {
    route: "POST /api/v1/projects (long name)",
    message: `projectName: projectName must be at most ${MAX_NAME_LENGTH} characters`,
    send: () => api.post("/api/v1/projects", { projectName: TOO_LONG_NAME }),
  },
  {
    route: "POST /api/v2/workspace (name with a right-to-left override)",
    message: "projectName: projectName cannot contain bidirectional text controls (found U+202E)",
    send: () => api.post("/api/v2/workspace", { projectName: "Billing \u202Etset" }),
  },
  {
    route: "PATCH /api/v1/projects/:id (name with DEL)",
    message: "name: name cannot contain control characters (found U+007F)",
    send: () => api.patch(`/api/v1/projects/${f.project.id}`, { name: "Renamed\u007F" }),
  },
  {
    route: "POST /api/v1/projects/:id/environments (name with NUL)",
    message: "name: name cannot contain control characters (found U+0000)",
    send: () => api.post(`/api/v1/projects/${f.project.id}/environments`, { name: "QA\u0000", slug: "qa" }),
  },
  {
    route: "POST /api/v1/workspace/:id/environments (slug with a C1 control)",
    message: "slug: Slug field can only contain lowercase letters, numbers, and hyphens",
    send: () => api.post(`/api/v1/workspace/${f.project.id}/environments`, { name: "QA", slug: "qa\u0085" }),
  },
  {
    route: "POST /api/v1/secret-syncs/qovery (name with a bidi isolate)",
    message: "name: name field can only contain lowercase letters, numbers, and hyphens",
    send: () => api.post("/api/v1/secret-syncs/qovery", syncBody(f, { name: "sync\u2066" })),
  },
  {
    route: "PATCH /api/v1/secret-syncs/qovery/:id (name with NUL)",
    message: "name: name field can only contain lowercase letters, numbers, and hyphens",
    send: () => api.patch(`/api/v1/secret-syncs/qovery/${f.syncId}`, { name: "sync\u0000" }),
  },
  {
    route: "POST /api/v1/webhooks/endpoints (name with a newline)",
    message: "name: name cannot contain control characters (found U+000A)",
    send: () => api.post("/api/v1/webhooks/endpoints", { ...project(), name: "ci\nhook" }),
  },
  {
    route: "POST /api/v1/identities (name with a left-to-right override)",
    message: "name: name cannot contain bidirectional text controls (found U+202D)",
    send: () => api.post("/api/v1/identities", { name: "ci\u202Dbot", scopes: ["secrets:read"] }),
  },
  {
    route: "POST /api/v1/api-tokens (name with NUL)",
    message: "name: name cannot contain control characters (found U+0000)",
    send: () => api.post("/api/v1/api-tokens", { name: "deploy\u0000", scopes: ["secrets:read"] }),
  },
];

describe("hostile input sizes and characters on the API", () => {
  it.each(LIST_CASES.map((c) => [c.route, c] as const))("one over the limit: %s", async (_, c) => {
    await expectNoEffect(f.project.id, async () => expectRefusal(await c.send(), 422, c.message));
  });

  it.each(VALUE_CASES.map((c) => [c.route, c] as const))("%s", async (_, c) => {
    await expectNoEffect(f.project.id, async () => expectRefusal(await c.send(), c.status ?? 422, c.message));
  });

  it(`lists at most ${MAX_REPORTED_VALIDATION_ISSUES} problems, however many items fail`, async () => {
    const shown = MAX_REPORTED_VALIDATION_ISSUES / 2;
    const listed = many(
      shown,
      (i) => `secrets.${i}.secretKey: secretKey is required; secrets.${i}.secretValue: secretValue must be a string`,
    );
    const unlisted = 2 * MAX_SECRETS_PER_BATCH - MAX_REPORTED_VALIDATION_ISSUES;
    await expectNoEffect(f.project.id, async () => {
      const res = await api.post(BATCHES[1], { ...target(), secrets: many(MAX_SECRETS_PER_BATCH, () => ({})) });
      expectRefusal(res, 422, `${listed.join("; ")}; and ${unlisted} more problems`);
      expect(res.body.details).toHaveLength(MAX_REPORTED_VALIDATION_ISSUES);
    });
  });

  it(`takes a full batch of ${MAX_SECRETS_PER_BATCH} secrets, and multi-line values with tabs`, async () => {
    const secrets = many(MAX_SECRETS_PER_BATCH, (i) => ({ secretKey: key(i), secretValue: `line ${i}\n\tindented\n` }));
    const created = await api.post(BATCHES[1], { ...target(), secretPath: "/", secrets });
    expect(created.status).toBe(200);
    expect(created.body.secrets).toHaveLength(MAX_SECRETS_PER_BATCH);
    const stored = await listSecrets(f.project.id);
    expect(stored.secrets).toHaveLength(MAX_SECRETS_PER_BATCH + 1);
    expect(stored.secrets.find((s: { secretKey: string }) => s.secretKey === "K999").secretValue).toBe("line 999\n\tindented\n");
  });
});

describe("hostile input sizes and characters on the console", () => {
  let browser: Browser;
  const secretsPage = () => `/projects/${f.project.id}/secrets/dev`;

  beforeAll(async () => {
    browser = new Browser();
    await browser.signIn();
  });

  it.each([
    ["a key with NUL", "create", { path: "/", key: "A\u0000B", value: "v" }, NUL],
    ["a key over the limit", "create", { path: "/", key: LONG_KEY, value: "v" }, SECRET_KEY_TOO_LONG],
    ["a comment over the limit", "create", { path: "/", key: "NEW", value: "v", comment: LONG_COMMENT }, SECRET_COMMENT_TOO_LONG],
    ["a rename to a key with a bidi override", "update", { path: "/", key: "ROOT", newKey: "ROOT\u202E", value: "r" }, RLO],
    ["a long comment on edit", "update", { path: "/", key: "ROOT", newKey: "ROOT", comment: LONG_COMMENT }, SECRET_COMMENT_TOO_LONG],
    ["a folder name over the limit", "create-folder", { path: "/", name: "f".repeat(MAX_FOLDER_NAME_LENGTH + 1) }, FOLDER_NAME_TOO_LONG],
    ["a folder name with NUL", "create-folder", { path: "/", name: "f\u0000" }, INVALID_FOLDER_NAME],
  ] as const)("the secrets page refuses %s with the API's message", async (_, action, form, message) => {
    await expectNoEffect(f.project.id, async () => {
      const page = await browser.post(`${secretsPage()}/${action}`, form);
      expect(page.status).toBe(422);
      expect(textOf(page.html)).toContain(message);
    });
    expect((await browser.get(secretsPage())).status).toBe(200);
  });

  it.each([
    ["over the limit", TOO_LONG_NAME, `name must be at most ${MAX_NAME_LENGTH} characters`],
    ["with a right-to-left override", "Billing \u202Etset", "name cannot contain bidirectional text controls (found U+202E)"],
  ])("the projects page refuses a name %s with the API's message", async (_, name, message) => {
    await expectNoEffect(f.project.id, async () => {
      const page = await browser.post("/projects", { name });
      expect(page.status).toBe(422);
      expect(textOf(page.html)).toContain(message);
    });
    expect((await browser.get("/projects")).status).toBe(200);
  });
});
