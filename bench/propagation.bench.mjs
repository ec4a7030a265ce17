/**
 * Auto-sync propagation and cron drift-check cost on `wrangler dev` with the Qovery simulator.
 * - propagation: time from a secret write (API answered) to the new value being held by the simulator, over a series
 *   of changes, with the debounce window printed next to it;
 * - drift check: the Qovery calls one scheduled reconciliation makes for one sync (target: listing calls only).
 * It starts its own simulator and API (the runner's default API knows no simulator); `--scale` shortens the series.
 */
import { createClient } from "./lib/client.mjs";
import { percentile } from "./lib/stats.mjs";
import { simulatorControl } from "./lib/simulator.mjs";
import { startLocalWorker } from "./lib/wrangler-dev.mjs";

export const name = "propagation";
export const description = "auto-sync: secret write → value in Qovery (p50/p95), and Qovery calls per cron drift check";

const CHANGES = 50;
const DEBOUNCE_SECONDS = "2";
const POLL_MS = 25;
const TIMEOUT_MS = 30_000;

async function waitFor(check, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`propagation bench: timed out waiting for ${what}`);
}

async function setUp(api, tenant) {
  const { project } = await api.post("/api/v1/projects", { projectName: `propagation ${Date.now()}` });
  await api.post("/api/v2/folders", { projectId: project.id, environment: "dev", path: "/", name: "app" });
  await api.post("/api/v4/secrets/batch", { projectId: project.id, environment: "dev", secretPath: "/app", secrets: [{ secretKey: "PROPAGATED", secretValue: "v0" }] });
  const { appConnection } = await api.post("/api/v1/app-connections/qovery", {
    name: "bench",
    method: "access-token",
    projectId: project.id,
    credentials: { accessToken: tenant.token },
  });
  const environmentId = tenant.projects[0].environments[0].id;
  const { secretSync } = await api.post("/api/v1/secret-syncs/qovery", {
    name: "propagation",
    projectId: project.id,
    connectionId: appConnection.id,
    environment: "dev",
    secretPath: "/app",
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { organizationId: tenant.organization.id, projectId: tenant.projects[0].id, environmentId },
  });
  return { projectId: project.id, syncId: secretSync.id };
}

export async function run({ iterations }) {
  const simulator = await startLocalWorker({ config: "simulator/wrangler.toml", readyPath: "/__sim/tenants/default" });
  let apiWorker;
  try {
    apiWorker = await startLocalWorker({ vars: { QOVERY_API_URL: simulator.baseUrl, AUTO_SYNC_DEBOUNCE_SECONDS: DEBOUNCE_SECONDS }, args: ["--test-scheduled"] });
    const api = createClient(apiWorker.baseUrl, apiWorker.adminToken);
    const sim = simulatorControl(simulator.baseUrl);
    const tenant = await sim.createTenant("propagation bench");
    const { projectId, syncId } = await setUp(api, tenant);
    const valueInQovery = async () => (await sim.variables(tenant.id)).find((v) => v.key === "PROPAGATED")?.value;
    await waitFor(async () => (await valueInQovery()) === "v0", "the first sync");

    const samples = [];
    const changes = iterations(CHANGES);
    for (let i = 1; i <= changes; i++) {
      const value = `v${i}`;
      await api.patch("/api/v3/secrets/raw/PROPAGATED", { workspaceId: projectId, environment: "dev", secretPath: "/app", secretValue: value });
      const written = performance.now();
      await waitFor(async () => (await valueInQovery()) === value, `change ${i}`);
      samples.push(performance.now() - written);
    }
    samples.sort((a, b) => a - b);

    // One cron tick: its drift check of this (in-sync) sync should only list.
    const before = (await api.get(`/api/v1/secret-syncs/qovery/${syncId}`)).secretSync.lastDriftCheckAt;
    await sim.clearCalls(tenant.id);
    const tick = await fetch(`${apiWorker.baseUrl}/__scheduled?cron=*/10+*+*+*+*`);
    if (!tick.ok) throw new Error(`/__scheduled answered ${tick.status}`);
    await waitFor(async () => (await api.get(`/api/v1/secret-syncs/qovery/${syncId}`)).secretSync.lastDriftCheckAt !== before, "the drift check");
    const calls = await sim.calls(tenant.id);
    const writes = calls.filter((c) => c.method !== "GET").length;

    const [p50, p95] = [percentile(samples, 50), percentile(samples, 95)];
    console.log(
      `\npropagation: ${changes} sequential changes (each awaited in Qovery before the next); debounce window ${DEBOUNCE_SECONDS} s ` +
        `(AUTO_SYNC_DEBOUNCE_SECONDS), queue max_batch_timeout from wrangler.toml\n` +
        `  write → value in Qovery: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${samples.at(-1).toFixed(0)} ms ` +
        `(p50 minus the debounce window: ${(p50 - Number(DEBOUNCE_SECONDS) * 1000).toFixed(0)} ms)\n` +
        `  cron drift check of one in-sync sync: ${calls.length} Qovery calls (${calls.length - writes} listing, ${writes} writes; target: listing only)`,
    );
    return [
      { label: "write → value in Qovery", runs: changes, p50, p95, p99: percentile(samples, 99), max: samples.at(-1), debounceSeconds: Number(DEBOUNCE_SECONDS) },
      { label: "Qovery calls per cron drift check", runs: 1, p50: calls.length, p99: calls.length, max: calls.length, writes },
    ];
  } finally {
    await apiWorker?.stop();
    await simulator.stop();
  }
}
