/**
 * The compatibility bar: Infisical's official Node SDK, pointed at this Worker, drives the secret store.
 *
 * The SDK runs here, in the Workers test runtime (nodejs_compat). Its requests to SITE_URL go through the Worker's
 * real fetch handler, so they hit the same storage these tests inspect; every other host keeps the normal route.
 */
import { InfisicalSDK } from "@infisical/sdk";
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, unique } from "../helpers/api";
import { makeImport } from "../helpers/store";

const SITE_URL = "http://sync.sdk.test";

function routeSdkToWorker() {
  const outbound = globalThis.fetch;
  vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    return new URL(request.url).origin === SITE_URL ? exports.default.fetch(request) : outbound(request);
  });
}

async function universalAuthCredentials(scopes: string[]) {
  const identity = await api.post("/api/v1/identities", { name: unique("sdk"), scopes });
  const secret = await api.post(`/api/v1/identities/${identity.body.identity.id}/client-secrets`, { description: "sdk tests" });
  return { clientId: identity.body.identity.clientId as string, clientSecret: secret.body.clientSecret as string };
}

describe("official Infisical Node SDK", () => {
  const sdk = new InfisicalSDK({ siteUrl: SITE_URL });
  let projectId: string;

  beforeAll(async () => {
    routeSdkToWorker();
    await sdk.auth().universalAuth.login(await universalAuthCredentials(["projects:write", "secrets:write"]));
    const project = await sdk.projects().create({ projectName: unique("sdk project"), type: "secret-manager" });
    projectId = project.id;
  });

  afterAll(() => {
    vi.unstubAllGlobals();
  });

  it("logs in with universal auth and renews its token", async () => {
    const before = sdk.auth().getAccessToken();
    expect(before).toMatch(/^qsa_/);
    await sdk.auth().universalAuth.renew();
    expect(sdk.auth().getAccessToken()).toBe(before);
  });

  it("creates an environment and folders", async () => {
    const environment = await sdk.environments().create({ projectId, name: "QA", slug: "qa" });
    expect(environment).toMatchObject({ name: "QA", slug: "qa" });
    const folder = await sdk.folders().create({ projectId, environment: "qa", name: "web", path: "/apps" });
    expect(folder).toMatchObject({ name: "web", path: "/apps/web" });
    const listed = await sdk.folders().listFolders({ projectId, environment: "qa", path: "/apps" });
    expect(listed.map((f) => f.name)).toEqual(["web"]);
    const recursive = await sdk.folders().listFolders({ projectId, environment: "qa", recursive: true });
    expect(recursive.map((f) => f.name)).toEqual(["apps", "web"]);
  });

  it("creates, gets, updates, renames and deletes a secret", async () => {
    const created = await sdk.secrets().createSecret("API_KEY", { projectId, environment: "dev", secretValue: "k-1", secretComment: "from the sdk" });
    expect(created.secret).toMatchObject({ secretKey: "API_KEY", secretValue: "k-1", secretComment: "from the sdk", version: 1, type: "shared", workspace: projectId });

    const got = await sdk.secrets().getSecret({ projectId, environment: "dev", secretName: "API_KEY" });
    expect(got).toMatchObject({ secretKey: "API_KEY", secretValue: "k-1", secretPath: "/" });

    const updated = await sdk.secrets().updateSecret("API_KEY", { projectId, environment: "dev", secretValue: "k-2" });
    expect(updated.secret).toMatchObject({ secretValue: "k-2", version: 2 });
    const renamed = await sdk.secrets().updateSecret("API_KEY", { projectId, environment: "dev", newSecretName: "API_TOKEN" });
    expect(renamed.secret).toMatchObject({ secretKey: "API_TOKEN", secretValue: "k-2", version: 3 });

    await expect(sdk.secrets().createSecret("API_TOKEN", { projectId, environment: "dev", secretValue: "again" })).rejects.toThrow(/StatusCode=400.*Secret already exists/);

    const deleted = await sdk.secrets().deleteSecret("API_TOKEN", { projectId, environment: "dev" });
    expect(deleted.secret).toMatchObject({ secretKey: "API_TOKEN", secretValue: "k-2" });
    await expect(sdk.secrets().getSecret({ projectId, environment: "dev", secretName: "API_TOKEN" })).rejects.toThrow(/StatusCode=404/);
  });

  it("writes and reads in folders", async () => {
    await sdk.folders().create({ projectId, environment: "staging", name: "db", path: "/" });
    await sdk.secrets().createSecret("DB_PASSWORD", { projectId, environment: "staging", secretPath: "/db", secretValue: "pw" });
    const list = await sdk.secrets().listSecrets({ projectId, environment: "staging", secretPath: "/db" });
    expect(list.secrets.map((s) => [s.secretKey, s.secretValue])).toEqual([["DB_PASSWORD", "pw"]]);
    const everything = await sdk.secrets().listSecrets({ projectId, environment: "staging", recursive: true });
    expect(everything.secrets.map((s) => s.secretKey)).toContain("DB_PASSWORD");
  });

  it("lists with imports and expanded references", async () => {
    await sdk.secrets().createSecret("HOST", { projectId, environment: "prod", secretValue: "db.internal" });
    await sdk.secrets().createSecret("SHARED_URL", { projectId, environment: "prod", secretValue: "https://${HOST}" });
    await sdk.secrets().createSecret("OVERRIDDEN", { projectId, environment: "prod", secretValue: "from-prod" });
    await sdk.folders().create({ projectId, environment: "dev", name: "svc", path: "/" });
    await sdk.secrets().createSecret("OVERRIDDEN", { projectId, environment: "dev", secretPath: "/svc", secretValue: "own" });
    await sdk.secrets().createSecret("DSN", { projectId, environment: "dev", secretPath: "/svc", secretValue: "${prod.SHARED_URL}/app" });
    await makeImport(projectId, { environment: "dev", path: "/svc" }, { environment: "prod", path: "/" });

    // The SDK asks for expanded references by default.
    const list = await sdk.secrets().listSecrets({ projectId, environment: "dev", secretPath: "/svc", includeImports: true });
    expect(Object.fromEntries(list.secrets.map((s) => [s.secretKey, s.secretValue]))).toEqual({ DSN: "https://db.internal/app", OVERRIDDEN: "own" });
    const imports = list.imports ?? [];
    expect(imports).toHaveLength(1);
    expect(Object.fromEntries(imports[0]!.secrets.map((s) => [s.secretKey, s.secretValue]))).toMatchObject({ SHARED_URL: "https://db.internal", OVERRIDDEN: "from-prod" });

    const merged = await sdk.secrets().listSecretsWithImports({ projectId, environment: "dev", secretPath: "/svc" });
    expect(Object.fromEntries(merged.map((s) => [s.secretKey, s.secretValue]))).toEqual({ DSN: "https://db.internal/app", OVERRIDDEN: "own", HOST: "db.internal", SHARED_URL: "https://db.internal" });

    const raw = await sdk.secrets().listSecrets({ projectId, environment: "dev", secretPath: "/svc", expandSecretReferences: false });
    expect(raw.secrets.find((s) => s.secretKey === "DSN")!.secretValue).toBe("${prod.SHARED_URL}/app");
    expect(raw.imports).toEqual([]);

    // getSecret sends the camelCase includeImports (which Infisical's v3 ignores); we honour it.
    const viaImport = await sdk.secrets().getSecret({ projectId, environment: "dev", secretPath: "/svc", secretName: "SHARED_URL", includeImports: true });
    expect(viaImport.secretValue).toBe("https://db.internal");
  });

  it("is refused what its identity may not do", async () => {
    const readOnly = new InfisicalSDK({ siteUrl: SITE_URL });
    const identity = await api.post("/api/v1/identities", { name: unique("reader"), projectId, scopes: ["secrets:read"] });
    const secret = await api.post(`/api/v1/identities/${identity.body.identity.id}/client-secrets`, {});
    await readOnly.auth().universalAuth.login({ clientId: identity.body.identity.clientId, clientSecret: secret.body.clientSecret });
    await expect(readOnly.secrets().listSecrets({ projectId, environment: "prod" })).resolves.toMatchObject({ secrets: expect.any(Array) });
    await expect(readOnly.secrets().createSecret("NOPE", { projectId, environment: "prod", secretValue: "x" })).rejects.toThrow(/StatusCode=403/);
    await expect(new InfisicalSDK({ siteUrl: SITE_URL }).secrets().listSecrets({ projectId, environment: "prod" })).rejects.toThrow(/StatusCode=401/);
  });
});
