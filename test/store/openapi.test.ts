import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";

/** Every secret-store route, as OpenAPI spells the path. */
const STORE_ROUTES = [
  ...["/api/v1/folders", "/api/v2/folders"].flatMap((base) => [
    `post ${base}`,
    `get ${base}`,
    `get ${base}/{folderId}`,
    `patch ${base}/{folderId}`,
    `delete ${base}/{folderId}`,
  ]),
  "patch /api/v2/folders/batch",
  ...[
    ["/api/v3/secrets/raw", "/api/v3/secrets/batch/raw"],
    ["/api/v4/secrets", "/api/v4/secrets/batch"],
  ].flatMap(([base, batch]) => [
    `get ${base}`,
    `get ${base}/id/{secretId}`,
    `get ${base}/{secretName}`,
    `post ${base}/{secretName}`,
    `patch ${base}/{secretName}`,
    `delete ${base}/{secretName}`,
    `post ${batch}`,
    `patch ${batch}`,
    `delete ${batch}`,
  ]),
  ...["/api/v1/secret-imports", "/api/v2/secret-imports"].flatMap((base) => [
    `post ${base}`,
    `get ${base}`,
    `get ${base}/{secretImportId}`,
    `patch ${base}/{secretImportId}`,
    `delete ${base}/{secretImportId}`,
  ]),
  "get /api/v2/secret-imports/secrets",
  "get /api/v1/secret-imports/secrets/raw",
];

describe("OpenAPI document", () => {
  it("describes every secret-store route, with parameters from the validating schemas", async () => {
    const res = await api.get("/api/openapi.json", { token: null });
    expect(res.status).toBe(200);
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(STORE_ROUTES.filter((route) => !documented.includes(route))).toEqual([]);

    const list = res.body.paths["/api/v3/secrets/raw"].get;
    expect(list.security).toEqual([{ bearerAuth: [] }]);
    expect(list.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(["workspaceId", "projectId", "environment", "secretPath", "include_imports", "includeImports", "expandSecretReferences"]));
    expect(list.parameters.find((p: any) => p.name === "include_imports").schema.enum).toEqual(["true", "false"]);
    const create = res.body.paths["/api/v4/secrets/{secretName}"].post;
    expect(Object.keys(create.requestBody.content["application/json"].schema.properties)).toEqual(expect.arrayContaining(["secretValue", "secretComment", "type"]));
  });

  it("lists them on the browsable docs page", async () => {
    const res = await api.get("/api/docs", { token: null });
    expect(res.status).toBe(200);
    for (const path of ["/api/v3/secrets/batch/raw", "/api/v2/folders/{folderId}", "/api/v2/secret-imports/secrets"]) expect(res.body).toContain(path);
  });
});
