import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { loadKeyRing } from "../../src/lib/crypto";
import { MAX_REFERENCE_DEPTH } from "../../src/lib/limits";
import { readResolvedSecrets } from "../../src/store/secret-reader";
import { api, createProject } from "../helpers/api";
import { countedGet, countingD1 } from "../helpers/d1-counter";
import { listSecrets, makeFolder, makeImport, putSecret, putSecrets } from "../helpers/store";

const resolved = async (projectId: string, environmentSlug = "dev", path = "/") =>
  readResolvedSecrets(createDb(env.DB), await loadKeyRing(env.ENCRYPTION_KEY), { projectId, environmentSlug, path });

const valuesOf = (list: { secretKey: string; secretValue: string }[]) => Object.fromEntries(list.map((s) => [s.secretKey, s.secretValue]));

describe("reference expansion through the API", () => {
  it("expands own secrets on request and imported secrets always, each relative to its own folder", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "db", "prod");
    await putSecrets(p.id, { PASSWORD: "${SALT}pw", SALT: "s-" }, { environment: "prod", secretPath: "/db" });
    await putSecrets(p.id, { USER: "app", URL: "pg://${USER}:${prod.db.PASSWORD}@h", GREETING: "hi ${NAME}" }, { environment: "staging" });
    await putSecrets(p.id, { NAME: "dev-name", LOCAL: "${staging.URL}" });
    await makeImport(p.id, { environment: "dev", path: "/" }, { environment: "staging", path: "/" });

    const raw = await listSecrets(p.id, { include_imports: "true" });
    expect(valuesOf(raw.secrets)).toEqual({ LOCAL: "${staging.URL}", NAME: "dev-name" });
    // Imported secrets are expanded in staging's folder: ${NAME} does not exist there and stays literal.
    expect(valuesOf(raw.imports[0].secrets)).toEqual({ GREETING: "hi ${NAME}", URL: "pg://app:s-pw@h", USER: "app" });

    const expanded = await listSecrets(p.id, { expandSecretReferences: "true" });
    expect(valuesOf(expanded.secrets)).toEqual({ LOCAL: "pg://app:s-pw@h", NAME: "dev-name" });
    const one = await api.get("/api/v3/secrets/raw/LOCAL", { query: { workspaceId: p.id, environment: "dev", expandSecretReferences: "true" } });
    expect(one.body.secret.secretValue).toBe("pg://app:s-pw@h");
    const unexpanded = await api.get("/api/v3/secrets/raw/LOCAL", { query: { workspaceId: p.id, environment: "dev" } });
    expect(unexpanded.body.secret.secretValue).toBe("${staging.URL}");
  });

  it("quotes a multi-line expansion on one line when skipMultilineEncoding is set", async () => {
    const p = await createProject();
    await putSecret(p.id, "CERT", "line1\nline2");
    const res = await api.post("/api/v4/secrets/BUNDLE", { projectId: p.id, environment: "dev", secretValue: "${CERT}", skipMultilineEncoding: true });
    expect(res.status).toBe(200);
    const list = await listSecrets(p.id, { expandSecretReferences: "true" });
    expect(valuesOf(list.secrets).BUNDLE).toBe('"line1\\nline2"');
  });
});

describe("readResolvedSecrets (the sync engine's view)", () => {
  it("merges imports under own secrets, expands references and reports what did not resolve", async () => {
    const p = await createProject();
    await putSecrets(p.id, { SHARED: "from-staging", TOKEN: "t0k" }, { environment: "staging" });
    await putSecrets(p.id, { SHARED: "from-prod" }, { environment: "prod" });
    const chain: Record<string, string> = {};
    for (let i = 0; i <= MAX_REFERENCE_DEPTH; i++) chain[`HOP${i}`] = `\${HOP${i + 1}}`;
    chain[`HOP${MAX_REFERENCE_DEPTH + 1}`] = "bottom";
    await putSecrets(p.id, {
      ...chain,
      OK: "bearer ${staging.TOKEN}",
      // A local reference names a secret of this very folder, not one it imports (as Infisical).
      IMPORTED_KEY: "${TOKEN}",
      MISSING: "x ${NOPE} ${qa.KEY}",
      LOOP_A: "a${LOOP_B}",
      LOOP_B: "b${LOOP_A}",
    });
    await makeImport(p.id, { environment: "dev", path: "/" }, { environment: "staging", path: "/" });
    await makeImport(p.id, { environment: "dev", path: "/" }, { environment: "prod", path: "/" });

    const { secrets, folderId } = await resolved(p.id);
    expect(folderId).toMatch(/^[0-9a-f-]{36}$/);
    const byKey = Object.fromEntries(secrets.map((s) => [s.key, s]));
    expect(byKey.SHARED).toEqual({ key: "SHARED", value: "from-prod", unresolved: [] });
    expect(byKey.OK).toEqual({ key: "OK", value: "bearer t0k", unresolved: [] });
    expect(byKey.IMPORTED_KEY!.unresolved).toEqual([{ reference: "${TOKEN}", reason: "missing" }]);
    expect(byKey.TOKEN!.value).toBe("t0k");
    expect(byKey.MISSING).toEqual({
      key: "MISSING",
      value: "x ${NOPE} ${qa.KEY}",
      unresolved: [
        { reference: "${NOPE}", reason: "missing" },
        { reference: "${qa.KEY}", reason: "missing" },
      ],
    });
    expect(byKey.LOOP_A).toEqual({ key: "LOOP_A", value: "aba${LOOP_B}", unresolved: [{ reference: "${LOOP_A}", reason: "cycle" }] });
    expect(byKey.HOP0!.unresolved).toEqual([{ reference: `\${HOP${MAX_REFERENCE_DEPTH + 1}}`, reason: "depth" }]);
    expect(byKey.HOP1).toEqual({ key: "HOP1", value: "bottom", unresolved: [] });
    expect(secrets.map((s) => s.key)).toEqual([...secrets.map((s) => s.key)].sort());

    // Reads behave as Infisical's: the same unresolvable tokens stay literal in API answers.
    const list = await listSecrets(p.id, { expandSecretReferences: "true" });
    expect(valuesOf(list.secrets).MISSING).toBe("x ${NOPE} ${qa.KEY}");
    expect(valuesOf(list.secrets).HOP0).toBe(`\${HOP${MAX_REFERENCE_DEPTH + 1}}`);
  });

  it("refuses an unknown folder or environment", async () => {
    const p = await createProject();
    await expect(resolved(p.id, "dev", "/nope")).rejects.toThrow("Folder with path '/nope' in environment with slug 'dev' not found");
    await expect(resolved(p.id, "qa", "/")).rejects.toThrow("Environment with slug 'qa'");
  });
});

describe("renaming rewrites references", () => {
  it("rewrites ${OLD} in the same folder and ${env.path.OLD} anywhere in the project, and nothing else", async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "api");
    await putSecrets(p.id, { OLD: "o", LOCAL: "x-${OLD}-${OLD}" }, { secretPath: "/api" });
    await putSecrets(p.id, { OLD: "root-old", ELSEWHERE: "${OLD}" });
    await putSecrets(p.id, { CROSS: "${dev.api.OLD}", UNRELATED: "${dev.OLD}" }, { environment: "prod" });

    const res = await api.patch("/api/v3/secrets/raw/OLD", { workspaceId: p.id, environment: "dev", secretPath: "/api", newSecretName: "NEW" });
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatchObject({ secretKey: "NEW", secretValue: "o", version: 2 });

    const rows = (await listSecrets(p.id, { secretPath: "/api" })).secrets.map((s: any) => [s.secretKey, s.secretValue, s.version]);
    expect(rows).toEqual([["LOCAL", "x-${NEW}-${NEW}", 2], ["NEW", "o", 2]]);
    const root = (await listSecrets(p.id)).secrets.map((s: any) => [s.secretKey, s.secretValue, s.version]);
    expect(root).toEqual([["ELSEWHERE", "${OLD}", 1], ["OLD", "root-old", 1]]);
    const prod = (await listSecrets(p.id, { environment: "prod", expandSecretReferences: "true" })).secrets.map((s: any) => [s.secretKey, s.secretValue, s.version]);
    expect(prod).toEqual([["CROSS", "o", 2], ["UNRELATED", "root-old", 1]]);
    const prodRaw = await api.get("/api/v4/secrets/CROSS", { query: { projectId: p.id, environment: "prod" } });
    expect(prodRaw.body.secret.secretValue).toBe("${dev.api.NEW}");
  });
});

async function seedProject(secretCount: number) {
  const p = await createProject();
  await makeFolder(p.id, "/", "shared", "prod");
  await putSecrets(p.id, { PASSWORD: "pw-${SALT}", SALT: "s" }, { environment: "prod", secretPath: "/shared" });
  await putSecrets(p.id, { IMPORTED: "i-${prod.shared.PASSWORD}", BASE: "staging-base" }, { environment: "staging" });
  await makeImport(p.id, { environment: "dev", path: "/" }, { environment: "staging", path: "/" });
  const all: Record<string, string> = { BASE: "b" };
  for (let i = 0; i < secretCount; i++) all[`S${String(i).padStart(4, "0")}`] = i % 2 ? "${BASE}-${prod.shared.PASSWORD}" : `plain-${i}`;
  const entries = Object.entries(all);
  for (let i = 0; i < entries.length; i += 100) await putSecrets(p.id, Object.fromEntries(entries.slice(i, i + 100)));
  return p;
}

describe("no N+1", () => {
  it("lists 1,000 secrets with imports and references expanded in as many D1 statements as 10", { timeout: 30_000 }, async () => {
    const small = await seedProject(10);
    const large = await seedProject(1000);
    const expanded = { environment: "dev", expandSecretReferences: "true", include_imports: "true" };
    const smallRun = await countedGet("/api/v4/secrets", { projectId: small.id, ...expanded });
    const largeRun = await countedGet("/api/v4/secrets", { projectId: large.id, ...expanded });
    expect(largeRun.status).toBe(200);
    expect(largeRun.body.secrets).toHaveLength(1001);
    expect(valuesOf(largeRun.body.secrets).S0001).toBe("b-pw-s");
    expect(valuesOf(largeRun.body.imports[0].secrets).IMPORTED).toBe("i-pw-s");
    expect(largeRun.counter.statements).toBe(smallRun.counter.statements);
    expect(largeRun.counter.statements).toBeLessThanOrEqual(6);

    const getOne = (projectId: string) => countedGet("/api/v3/secrets/raw/S0001", { workspaceId: projectId, environment: "dev", expandSecretReferences: "true" });
    const [smallGet, largeGet] = [await getOne(small.id), await getOne(large.id)];
    expect(largeGet.body.secret.secretValue).toBe("b-pw-s");
    expect(largeGet.counter.statements).toBe(smallGet.counter.statements);

    const keyRing = await loadKeyRing(env.ENCRYPTION_KEY);
    const count = async (projectId: string) => {
      const { db, counter } = countingD1(env.DB);
      const out = await readResolvedSecrets(createDb(db), keyRing, { projectId, environmentSlug: "dev", path: "/" });
      return { counter, out };
    };
    const [a, b] = [await count(small.id), await count(large.id)];
    // 1,000 + BASE (own, shadowing staging's) + IMPORTED
    expect(b.out.secrets).toHaveLength(1002);
    expect(b.counter.statements).toBe(a.counter.statements);
  });

  it("expands a value referencing 1,000 distinct secrets in as many D1 statements as one referencing 10", { timeout: 30_000 }, async () => {
    const p = await createProject();
    await makeFolder(p.id, "/", "many");
    const keys = Array.from({ length: 1000 }, (_, i) => `K${String(i).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 100) {
      await putSecrets(p.id, Object.fromEntries(keys.slice(i, i + 100).map((k) => [k, k.toLowerCase()])), { secretPath: "/many" });
    }
    const referencing = (count: number) => keys.slice(0, count).map((k) => `\${dev.many.${k}}`).join(",");
    await putSecrets(p.id, { TEN: referencing(10), ALL: referencing(1000) });
    const get = (key: string) => countedGet(`/api/v3/secrets/raw/${key}`, { workspaceId: p.id, environment: "dev", expandSecretReferences: "true" });
    const [ten, all] = [await get("TEN"), await get("ALL")];
    expect(all.body.secret.secretValue).toBe(keys.map((k) => k.toLowerCase()).join(","));
    expect(ten.body.secret.secretValue).toBe(keys.slice(0, 10).map((k) => k.toLowerCase()).join(","));
    expect(all.counter.statements).toBe(ten.counter.statements);
  });
});
