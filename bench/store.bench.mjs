/**
 * Secret store latency on `wrangler dev`: a project whose dev root holds 1,000 secrets, half of them referencing a
 * local and a cross-environment secret, plus an import from staging (whose secrets reference prod in turn).
 */
import { measure } from "./lib/stats.mjs";

export const name = "store";
export const description = "secret store: list 1,000 expanded, get one, batch-create 100";

const SECRET_COUNT = 1000;
const BATCH = 100;

const pad = (i) => String(i).padStart(4, "0");

async function seed(api) {
  const { project } = await api.post("/api/v1/projects", { projectName: `bench ${Date.now()}` });
  const projectId = project.id;
  const batch = (environment, secretPath, entries) =>
    api.post("/api/v4/secrets/batch", { projectId, environment, secretPath, secrets: entries.map(([secretKey, secretValue]) => ({ secretKey, secretValue })) });

  await api.post("/api/v2/folders", { projectId, environment: "prod", path: "/", name: "shared" });
  await batch("prod", "/shared", [["PASSWORD", "pw-${SALT}"], ["SALT", "s4lt"]]);
  await batch("staging", "/", [["IMPORTED_URL", "https://${HOST}/${prod.shared.PASSWORD}"], ["HOST", "staging.internal"]]);
  await api.post("/api/v2/secret-imports", { projectId, environment: "dev", path: "/", import: { environment: "staging", path: "/" } });

  const entries = [["BASE", "base-value"]];
  for (let i = 0; i < SECRET_COUNT - 1; i++) entries.push([`SECRET_${pad(i)}`, i % 2 ? "${BASE}:${prod.shared.PASSWORD}" : `plain-value-${i}`]);
  for (let i = 0; i < entries.length; i += BATCH) await batch("dev", "/", entries.slice(i, i + BATCH));
  // Batch creates land in their own folder so they never grow the listed one.
  await api.post("/api/v2/folders", { projectId, environment: "dev", path: "/", name: "bench-writes" });
  return projectId;
}

export async function run({ api, iterations }) {
  const projectId = await seed(api);
  const listQuery = { projectId, environment: "dev", expandSecretReferences: "true", include_imports: "true" };
  const first = await api.get("/api/v4/secrets", listQuery);
  if (first.secrets.length !== SECRET_COUNT || !first.imports[0]?.secrets.length) throw new Error("store bench: unexpected seed state");

  let batchNumber = 0;
  return [
    await measure(`list ${SECRET_COUNT} secrets, imports + references expanded`, { runs: iterations(50) }, () => api.get("/api/v4/secrets", listQuery)),
    await measure("get one secret (v3 raw, expanded)", { runs: iterations(200) }, () =>
      api.get("/api/v3/secrets/raw/SECRET_0001", { workspaceId: projectId, environment: "dev", expandSecretReferences: "true" }),
    ),
    await measure(
      `batch-create ${BATCH} secrets`,
      {
        runs: iterations(30),
        prepare: () => {
          const n = batchNumber++;
          return Array.from({ length: BATCH }, (_, i) => ({ secretKey: `B${n}_${pad(i)}`, secretValue: `value-${n}-${i}` }));
        },
      },
      (secrets) => api.post("/api/v4/secrets/batch", { projectId, environment: "dev", secretPath: "/bench-writes", secrets }),
    ),
  ];
}
