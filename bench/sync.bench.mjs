/**
 * Sync engine against the reference algorithm (Infisical's, `docs/infisical-contract.md` §4.6), on the local Qovery
 * simulator with 20 ms added to every Qovery call. For N source secrets: first sync, no-op re-sync, 1 % changed
 * re-sync; for each, Qovery calls (the simulator's call log), wall time and memory, ours next to the reference.
 *
 * It starts its own Workers (the runner's stays idle): the simulator (`wrangler dev -c simulator/wrangler.toml`), and
 * for each profile an API `wrangler dev` whose QOVERY_API_URL points at the simulator through a timestamping tap
 * (lib/qovery-tap.mjs) and whose SYNC_SUBREQUEST_BUDGET is the profile's:
 *   free         budget 40 (wrangler.toml's default), queue settings from wrangler.toml
 *   paid         budget BENCH_SYNC_PAID_BUDGET (default 1000)
 *   free-batch0  budget 40 with `max_batch_timeout = 0` on the sync queue (a temporary copy of wrangler.toml; the
 *                file itself is never changed): what continuations cost without the batch wait
 * The reference runs once per N (in the first profile's API, as its own Node process: lib/reference-sync.mjs) and
 * every profile is compared with it.
 *
 * Options (environment variables, since the runner reads `--scale` only):
 *   BENCH_SYNC_SIZES=10,100     source sizes (default 10,100,1000,5000; --scale=0.1 multiplies the defaults)
 *   BENCH_SYNC_PROFILES=free,paid   (default free,paid,free-batch0)
 *   BENCH_SYNC_PAID_BUDGET=1000
 *   BENCH_SYNC_REFERENCE=0      skip the reference algorithm
 * Example: `BENCH_SYNC_SIZES=10,100 BENCH_SYNC_PROFILES=free npm run bench -- sync`.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createClient } from "./lib/client.mjs";
import { connectInspector, findWorkerdPid, sampleWorkerMemory } from "./lib/memory.mjs";
import { startQoveryTap } from "./lib/qovery-tap.mjs";
import { fixed, formatTable, mb, ratio } from "./lib/table.mjs";
import { startLocalWorker } from "./lib/wrangler-dev.mjs";
import { snapshotWorker } from "./lib/worker-snapshot.mjs";

export const name = "sync";
export const description = "sync engine vs reference algorithm (Infisical's) on the Qovery simulator, 20 ms per Qovery call";

const REFERENCE_SCRIPT = fileURLToPath(new URL("./lib/reference-sync.mjs", import.meta.url));
const DEFAULT_SIZES = [10, 100, 1000, 5000];
const LATENCY_MS = 20;
const CHANGED_FRACTION = 0.01;
const SECRET_PATH = "/bench";
const BATCH = 1000; // the store's batch limit
const SCENARIOS = [
  { id: "first", label: "first sync" },
  { id: "noop", label: "no-op re-sync" },
  { id: "changed", label: "1% changed" },
];
const FIRST_SYNC_TARGET_MS = 8_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pad = (i) => String(i).padStart(5, "0");

// ===== options and profiles

function options(iterations) {
  const env = process.env;
  const scale = iterations(1_000_000) / 1_000_000;
  const sizes = env.BENCH_SYNC_SIZES
    ? env.BENCH_SYNC_SIZES.split(",").map((s) => Number.parseInt(s.trim(), 10))
    : [...new Set(DEFAULT_SIZES.map((n) => Math.max(1, Math.round(n * scale))))];
  if (sizes.some((n) => !(n > 0))) throw new Error(`BENCH_SYNC_SIZES: positive integers expected, got "${env.BENCH_SYNC_SIZES}"`);
  const profiles = (env.BENCH_SYNC_PROFILES ?? "free,paid,free-batch0").split(",").map((p) => p.trim()).filter(Boolean);
  const paidBudget = Number.parseInt(env.BENCH_SYNC_PAID_BUDGET ?? "1000", 10);
  return { sizes, profiles, paidBudget, reference: env.BENCH_SYNC_REFERENCE !== "0" };
}

/** What wrangler.toml says today: the default budget and the sync queue's batch timeout. */
function wranglerDefaults(toml) {
  const budget = Number(/^\s*SYNC_SUBREQUEST_BUDGET\s*=\s*"?(\d+)"?/m.exec(toml)?.[1] ?? 40);
  const block = syncConsumerBlock(toml);
  const batchTimeout = block ? Number(/^\s*max_batch_timeout\s*=\s*(\d+)/m.exec(block.text)?.[1] ?? 5) : null;
  const batchSize = block ? Number(/^\s*max_batch_size\s*=\s*(\d+)/m.exec(block.text)?.[1] ?? 10) : null;
  return { budget, batchTimeout, batchSize };
}

/** The `[[queues.consumers]]` table of the `secret-sync-jobs` queue, with its position in the file. */
function syncConsumerBlock(toml) {
  const re = /^\[\[queues\.consumers\]\][^\n]*\n(?:(?!\[)[^\n]*\n?)*/gm;
  for (const match of toml.matchAll(re)) {
    if (/^\s*queue\s*=\s*"secret-sync-jobs"\s*$/m.test(match[0])) return { text: match[0], index: match.index };
  }
  return null;
}

/** An edit of wrangler.toml's text: the sync queue's `max_batch_timeout` set to `seconds`. */
const withBatchTimeout = (seconds) => (toml) => {
  const block = syncConsumerBlock(toml);
  if (!block) throw new Error("wrangler.toml has no [[queues.consumers]] for secret-sync-jobs");
  const changed = /^\s*max_batch_timeout\s*=/m.test(block.text)
    ? block.text.replace(/^(\s*max_batch_timeout\s*=\s*)\d+/m, `$1${seconds}`)
    : block.text.replace(/\n?$/, `\nmax_batch_timeout = ${seconds}\n`);
  return toml.slice(0, block.index) + changed + toml.slice(block.index + block.text.length);
};

function profileSpecs(names, defaults, paidBudget) {
  const known = {
    free: { budget: defaults.budget, batchTimeout: defaults.batchTimeout, note: "queue settings of wrangler.toml" },
    paid: { budget: paidBudget, batchTimeout: defaults.batchTimeout, note: "queue settings of wrangler.toml" },
    "free-batch0": { budget: defaults.budget, batchTimeout: 0, note: "wrangler.toml with the sync queue's max_batch_timeout = 0, in a temporary copy" },
  };
  return names.map((name) => {
    const spec = known[name];
    if (!spec) throw new Error(`unknown profile "${name}"; known: ${Object.keys(known).join(", ")}`);
    return { name, ...spec, derived: spec.batchTimeout !== defaults.batchTimeout };
  });
}

// ===== the simulator

function simulatorControl(baseUrl) {
  const call = async (method, path, body) => {
    const res = await fetch(`${baseUrl}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${method} ${path} → ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res.status === 204 ? undefined : res.json();
  };
  return {
    async tenant() {
      const summary = await call("POST", "/tenants", { name: `bench ${Date.now()}` });
      await call("PATCH", `/tenants/${summary.id}/config`, { latencyMs: LATENCY_MS });
      const project = summary.projects[0];
      return { id: summary.id, token: summary.token, organizationId: summary.organization.id, projectId: project.id, environmentId: project.environments[0].id };
    },
    clearCalls: (tenant) => call("DELETE", `/tenants/${tenant.id}/calls`),
    calls: async (tenant) => (await call("GET", `/tenants/${tenant.id}/calls`)).calls,
    variables: async (tenant) => (await call("GET", `/tenants/${tenant.id}/variables`)).variables,
  };
}

/** Does the destination hold exactly the source (keys and values), at the environment, as secrets? */
async function destinationMatches(sim, tenant, source) {
  const rows = (await sim.variables(tenant)).filter(
    (r) => r.parentId === tenant.environmentId && r.scope === "ENVIRONMENT" && r.variableType === "VALUE" && r.isSecret,
  );
  if (rows.length !== source.size) return false;
  return rows.every((r) => source.get(r.key) === r.value);
}

// ===== call logs: kinds and invocations

const LIST_PATH = /\/(secret|environmentVariable)$/;
const isList = (call) => call.method === "GET" && LIST_PATH.test(call.pathTemplate ?? call.path);

function countCalls(calls) {
  const counts = { total: calls.length, list: 0, create: 0, update: 0, delete: 0, other: 0 };
  for (const call of calls) {
    if (isList(call)) counts.list++;
    else if (call.method === "POST") counts.create++;
    else if (call.method === "PUT") counts.update++;
    else if (call.method === "DELETE") counts.delete++;
    else counts.other++;
  }
  counts.writes = counts.create + counts.update + counts.delete;
  return counts;
}

/**
 * Every queue invocation of a run starts by listing the destination (the plan is made afresh each time), and its
 * writes all land before the next invocation starts, so the call log splits into invocations at each run of list
 * calls that follows a write. (A create whose answer was lost also lists, to see whether it landed: the bench injects
 * no faults, so that does not happen here.)
 */
function splitInvocations(calls) {
  const invocations = [];
  let previous;
  for (const call of calls) {
    if (!invocations.length || (isList(call) && !isList(previous))) invocations.push([]);
    invocations.at(-1).push(call);
    previous = call;
  }
  return invocations;
}

/** Times of each invocation from the tap (same split), relative to the trigger. */
function invocationTimes(tapCalls, triggeredAt, observedAt) {
  const spans = splitInvocations(tapCalls).map((calls) => ({
    calls: calls.length,
    start: Math.min(...calls.map((c) => c.start)) - triggeredAt,
    end: Math.max(...calls.map((c) => c.end)) - triggeredAt,
  }));
  const gaps = spans.slice(1).map((span, i) => span.start - spans[i].end);
  return {
    spans,
    gaps,
    pickupMs: spans.length ? spans[0].start : null,
    busyMs: spans.reduce((sum, s) => sum + (s.end - s.start), 0),
    gapTotalMs: gaps.reduce((a, b) => a + b, 0),
    gapMeanMs: gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null,
    gapMaxMs: gaps.length ? Math.max(...gaps) : null,
    tailMs: spans.length ? observedAt - triggeredAt - spans.at(-1).end : null,
  };
}

// ===== the source

function newValue(generation, i) {
  return `v${generation}-${i}-${randomBytes(16).toString("hex")}`;
}

async function seedSource(api, n) {
  const { project } = await api.post("/api/v1/projects", { projectName: `sync bench ${n} ${Date.now()}` });
  await api.post("/api/v2/folders", { projectId: project.id, environment: "dev", path: "/", name: SECRET_PATH.slice(1) });
  const source = new Map();
  for (let i = 0; i < n; i++) source.set(`BENCH_SECRET_${pad(i)}`, newValue(1, i));
  const entries = [...source];
  for (let i = 0; i < entries.length; i += BATCH) {
    await api.post("/api/v4/secrets/batch", {
      projectId: project.id,
      environment: "dev",
      secretPath: SECRET_PATH,
      secrets: entries.slice(i, i + BATCH).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
    });
  }
  return { projectId: project.id, source };
}

/** Changes `k` secrets spread over the source; the map is updated to the new values. */
async function changeSecrets(api, projectId, source, k) {
  const keys = [...source.keys()];
  const step = keys.length / k;
  const changed = Array.from({ length: k }, (_, j) => keys[Math.floor(j * step)]);
  for (const key of changed) source.set(key, newValue(2, key));
  for (let i = 0; i < changed.length; i += BATCH) {
    await api.patch("/api/v4/secrets/batch", {
      projectId,
      environment: "dev",
      secretPath: SECRET_PATH,
      mode: "upsert",
      secrets: changed.slice(i, i + BATCH).map((secretKey) => ({ secretKey, secretValue: source.get(secretKey) })),
    });
  }
  return changed.length;
}

async function createSync(api, projectId, tenant, n) {
  const { appConnection } = await api.post("/api/v1/app-connections/qovery", {
    name: `bench-qovery-${n}-${Date.now()}`,
    method: "access-token",
    credentials: { accessToken: tenant.token },
    projectId,
  });
  // Auto-sync off: only the bench's manual triggers run it, so each measured run is exactly one triggered run.
  const { secretSync } = await api.post("/api/v1/secret-syncs/qovery", {
    name: `bench-sync-${n}-${Date.now()}`,
    projectId,
    connectionId: appConnection.id,
    environment: "dev",
    secretPath: SECRET_PATH,
    isEnabled: true,
    isAutoSyncEnabled: false,
    syncOptions: { initialSyncBehavior: "overwrite-destination", autoSyncEnabled: false, disableSecretDeletion: false },
    destinationConfig: { organizationId: tenant.organizationId, projectId: tenant.projectId, environmentId: tenant.environmentId, variableType: "secret" },
  });
  return secretSync.id;
}

// ===== measuring our engine

async function waitForRun(api, syncId, runId, timeoutMs) {
  const started = performance.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const { secretSync } = await api.get(`/api/v1/secret-syncs/qovery/${syncId}`);
    if (secretSync.lastSyncJobId === runId && (secretSync.syncStatus === "succeeded" || secretSync.syncStatus === "failed")) {
      return { observedAt: performance.now(), status: secretSync.syncStatus, message: secretSync.lastSyncMessage };
    }
    if (performance.now() > deadline) throw new Error(`run ${runId} did not finish within ${Math.round(timeoutMs / 1000)} s (status ${secretSync.syncStatus})`);
    // Fine-grained at first (small runs take ~1 s), then gentler on the Worker that is doing the work.
    await sleep(performance.now() - started < 3_000 ? 20 : 100);
  }
}

async function measureOurs(ctx, { syncId, tenant, source, n, budget }) {
  const { api, sim, tap, inspector, workerdPid } = ctx;
  await sim.clearCalls(tenant);
  tap.take();
  if (inspector) await inspector.collectGarbage();
  const memory = await sampleWorkerMemory({ inspector, pid: workerdPid });
  const triggeredAt = performance.now();
  const { runId } = await api.post(`/api/v1/secret-syncs/qovery/${syncId}/sync-secrets`);
  const done = await waitForRun(api, syncId, runId, 120_000 + n * 200);
  const mem = await memory.stop();
  const tapCalls = tap.take();
  const calls = await sim.calls(tenant);
  const { run } = await api.get(`/api/v1/secret-syncs/qovery/${syncId}/runs/${runId}`);
  const invocations = splitInvocations(calls);
  const times = invocationTimes(tapCalls, triggeredAt, done.observedAt);
  return {
    status: done.status,
    message: done.message,
    wallMs: done.observedAt - triggeredAt,
    serverMs: run.finishedAt && run.createdAt ? Date.parse(run.finishedAt) - Date.parse(run.createdAt) : null,
    calls: countCalls(calls),
    tapCallCount: tapCalls.length,
    runQoveryCalls: run.qoveryCalls,
    runAttempts: run.attempts,
    runCounts: run.counts,
    /** size of the run's per-key results, which the engine rewrites into one D1 row at every continuation */
    runResultsBytes: JSON.stringify(run.results ?? []).length,
    invocations: invocations.length,
    maxCallsPerInvocation: invocations.length ? Math.max(...invocations.map((c) => c.length)) : 0,
    callsPerInvocation: invocations.map((c) => c.length),
    budget,
    times,
    memory: mem,
    destinationOk: await destinationMatches(sim, tenant, source),
  };
}

// ===== measuring the reference algorithm

function runReference(input) {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, [REFERENCE_SCRIPT], {
      env: { ...process.env, REFERENCE_SYNC_INPUT: JSON.stringify(input) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const processMs = performance.now() - spawnedAt;
      if (code !== 0) return reject(new Error(`reference sync exited ${code}: ${stderr.slice(-500)}`));
      resolve({ ...JSON.parse(stdout.trim().split("\n").at(-1)), processMs });
    });
  });
}

async function measureReference(ctx, { tenant, projectId, source }) {
  const { sim, tap, apiWorker } = ctx;
  await sim.clearCalls(tenant);
  tap.take();
  const out = await runReference({
    store: { url: apiWorker.baseUrl, token: apiWorker.adminToken, projectId, environment: "dev", secretPath: SECRET_PATH },
    qovery: { url: tap.url, token: tenant.token },
    target: { scope: "environment", parentId: tenant.environmentId, variableType: "secret", disableSecretDeletion: false },
  });
  tap.take();
  const calls = await sim.calls(tenant);
  return {
    status: "succeeded",
    wallMs: out.wallMs,
    sourceReadMs: out.sourceReadMs,
    processMs: out.processMs,
    calls: countCalls(calls),
    outcome: out.outcome,
    memory: {
      heapStart: out.memory.heapUsedStart,
      heapPeak: out.memory.heapUsedPeak,
      rssStart: out.memory.rssStart,
      rssPeak: out.memory.rssPeak,
      maxRss: out.memory.maxRssKb * 1024,
    },
    destinationOk: await destinationMatches(sim, tenant, source),
  };
}

// ===== one size, one profile

async function runSize(ctx, profile, n, withReference) {
  const { api, sim } = ctx;
  const { projectId, source } = await seedSource(api, n);
  const ours = await sim.tenant();
  const syncId = await createSync(api, projectId, ours, n);
  const ref = withReference ? await sim.tenant() : null;
  const settleMs = (profile.batchTimeout ?? 1) * 1000 + 500;
  await sleep(settleMs); // let the store's auto-sync bookkeeping for the seed go through the queue first

  const measurements = [];
  for (const scenario of SCENARIOS) {
    let changed = null;
    if (scenario.id === "changed") {
      changed = await changeSecrets(api, projectId, source, Math.max(1, Math.round(n * CHANGED_FRACTION)));
      await sleep(settleMs);
    }
    const oursResult = await measureOurs(ctx, { syncId, tenant: ours, source, n, budget: profile.budget });
    const refResult = ref ? await measureReference(ctx, { tenant: ref, projectId, source }) : null;
    const m = { profile: profile.name, n, scenario: scenario.id, changed, ours: oursResult, reference: refResult };
    measurements.push(m);
    console.log(`  [${profile.name}] N=${n} ${scenario.label.padEnd(13)} ${progressLine(m)}`);
  }
  return measurements;
}

function progressLine(m) {
  const o = m.ours;
  const parts = [
    `ours ${o.status} ${fixed(o.wallMs / 1000, 2)} s, ${o.calls.total} calls (${o.calls.list} list + ${o.calls.writes} writes), ${o.invocations} invocation(s), max ${o.maxCallsPerInvocation} calls/invocation`,
  ];
  if (m.reference) parts.push(`reference ${fixed(m.reference.wallMs / 1000, 2)} s, ${m.reference.calls.total} calls`);
  return parts.join(" | ");
}

// ===== report

const seconds = (ms) => fixed(ms === null || ms === undefined ? null : ms / 1000, 2);
const heapCell = (memory) => (memory.heapPeak === null ? "n/a" : `${fixed(mb(memory.heapPeak))} (+${fixed(mb(memory.heapPeak - memory.heapStart))})`);
const callsCell = (c) => `${c.total} (${c.list}L+${c.writes}W)`;

function comparisonTable(rows, referenceFor) {
  const columns = [
    { title: "N" },
    { title: "scenario", align: "left" },
    { title: "", separator: true },
    { title: "ours calls" },
    { title: "ours wall s" },
    { title: "ours heap MB" },
    { title: "", separator: true },
    { title: "ref calls" },
    { title: "ref wall s" },
    { title: "ref heap MB" },
    { title: "", separator: true },
    { title: "calls ours/ref" },
    { title: "wall ours/ref" },
    { title: "Δheap ours/ref" },
  ];
  const cells = rows.map((m) => {
    const r = referenceFor(m);
    const scenario = SCENARIOS.find((s) => s.id === m.scenario).label + (m.changed ? ` (k=${m.changed})` : "");
    const status = m.ours.status === "succeeded" ? "" : ` ${m.ours.status.toUpperCase()}`;
    return [
      m.n,
      scenario,
      "",
      callsCell(m.ours.calls),
      seconds(m.ours.wallMs) + status,
      heapCell(m.ours.memory),
      "",
      r ? callsCell(r.calls) : "n/a",
      r ? seconds(r.wallMs) : "n/a",
      r ? heapCell(r.memory) : "n/a",
      "",
      r ? ratio(m.ours.calls.total, r.calls.total) : "n/a",
      r ? ratio(m.ours.wallMs, r.wallMs) : "n/a",
      r && m.ours.memory.heapPeak !== null ? ratio(m.ours.memory.heapPeak - m.ours.memory.heapStart, r.memory.heapPeak - r.memory.heapStart) : "n/a",
    ];
  });
  return formatTable(columns, cells);
}

function engineTable(rows) {
  const columns = [
    { title: "N" },
    { title: "scenario", align: "left" },
    { title: "status", align: "left" },
    { title: "invocations" },
    { title: "max calls/inv" },
    { title: "pickup ms" },
    { title: "mean gap ms" },
    { title: "max gap ms" },
    { title: "between inv s" },
    { title: "run.qoveryCalls" },
    { title: "run.attempts" },
    { title: "server s" },
    { title: "workerd RSS MB" },
    { title: "dest ok", align: "left" },
  ];
  const cells = rows.map((m) => {
    const o = m.ours;
    const t = o.times;
    return [
      m.n,
      SCENARIOS.find((s) => s.id === m.scenario).label,
      o.status,
      o.invocations,
      `${o.maxCallsPerInvocation}/${o.budget}`,
      fixed(t.pickupMs, 0),
      fixed(t.gapMeanMs, 0),
      fixed(t.gapMaxMs, 0),
      seconds(t.gapTotalMs),
      o.runQoveryCalls,
      o.runAttempts,
      seconds(o.serverMs),
      o.memory.rssPeak === null ? "n/a" : fixed(mb(o.memory.rssPeak)),
      o.destinationOk && (!m.reference || m.reference.destinationOk) ? "yes" : `NO (ours ${o.destinationOk}, ref ${m.reference?.destinationOk ?? "-"})`,
    ];
  });
  return formatTable(columns, cells);
}

function targetLines(profile, rows) {
  const lines = [];
  const mark = (ok) => (ok ? "met" : "MISSED");
  for (const m of rows) {
    const o = m.ours;
    if (m.scenario === "noop") {
      const ok = o.status === "succeeded" && o.calls.writes === 0 && o.calls.other === 0;
      lines.push(`no-op re-sync = listing calls only      N=${String(m.n).padEnd(5)} ${mark(ok)}: ${o.calls.list} list call(s), ${o.calls.writes} writes`);
    }
    if (m.scenario === "changed") {
      const ok = o.status === "succeeded" && o.calls.writes === m.changed && o.calls.update === m.changed;
      lines.push(`k changes = k writes                    N=${String(m.n).padEnd(5)} ${mark(ok)}: k=${m.changed}, ${o.calls.writes} write(s) (${o.calls.update} PUT), ${o.calls.list} list call(s)`);
    }
    if (m.scenario === "first" && m.n === 1000) {
      const ok = o.status === "succeeded" && o.wallMs < FIRST_SYNC_TARGET_MS;
      lines.push(`first sync of 1,000 under 8 s                  ${mark(ok)}: ${seconds(o.wallMs)} s (${o.invocations} invocation(s))`);
    }
    if (m.scenario === "first" && m.n === 5000) {
      const ok = o.status === "succeeded" && o.maxCallsPerInvocation <= o.budget && o.destinationOk;
      lines.push(
        `5,000 through continuations within budget     ${mark(ok)}: ${o.status}, ${o.invocations} invocations (${o.invocations - 1} continuations), max ${o.maxCallsPerInvocation} calls/invocation (budget ${o.budget})`,
      );
    }
  }
  return lines.map((l) => `    ${l}`).join("\n");
}

function continuationFindings(allRows, profiles) {
  const lines = [];
  for (const profile of profiles) {
    const rows = allRows.filter((m) => m.profile === profile.name && m.ours.invocations > 1);
    const gaps = rows.flatMap((m) => m.ours.times.gaps);
    if (!gaps.length) {
      lines.push(`${profile.name}: no run needed a continuation`);
      continue;
    }
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const worst = rows.reduce((a, b) => (b.ours.times.gapTotalMs > a.ours.times.gapTotalMs ? b : a));
    lines.push(
      `${profile.name} (budget ${profile.budget}, max_batch_timeout ${profile.batchTimeout}): ${gaps.length} continuation(s), mean gap ${fixed(mean, 0)} ms between invocations; ` +
        `worst: N=${worst.n} ${worst.scenario}, ${seconds(worst.ours.times.gapTotalMs)} s of ${seconds(worst.ours.wallMs)} s wall between invocations`,
    );
  }
  const pickups = allRows.map((m) => ({ m, pickup: m.ours.times.pickupMs })).filter((p) => p.pickup !== null);
  for (const profile of profiles) {
    const own = pickups.filter((p) => p.m.profile === profile.name && p.m.n === Math.min(...pickups.map((q) => q.m.n)));
    if (own.length) {
      lines.push(`${profile.name}: trigger → first Qovery call (smallest N) ${own.map((p) => `${fixed(p.pickup, 0)} ms`).join(", ")}`);
    }
  }
  return lines.map((l) => `  ${l}`).join("\n");
}

function toRows(measurements) {
  const rows = [];
  for (const m of measurements) {
    const base = `${m.profile} N=${m.n} ${m.scenario}`;
    rows.push({ label: `${base} ours`, runs: 1, p50: m.ours.wallMs, p99: m.ours.wallMs, max: m.ours.wallMs, profile: m.profile, n: m.n, scenario: m.scenario, changed: m.changed, impl: "ours", ...m.ours });
    if (m.reference) {
      rows.push({
        label: `${base} reference`,
        runs: 1,
        p50: m.reference.wallMs,
        p99: m.reference.wallMs,
        max: m.reference.wallMs,
        profile: m.profile,
        n: m.n,
        scenario: m.scenario,
        changed: m.changed,
        impl: "reference",
        ...m.reference,
      });
    }
  }
  return rows;
}

// ===== entry point

export async function run({ iterations }) {
  const opts = options(iterations);
  // Frozen bundles of the API and the simulator: edits in the shared tree during the run do not restart them.
  const apiSnapshot = await snapshotWorker("wrangler.toml");
  const simSnapshot = await snapshotWorker("simulator/wrangler.toml").catch(async (error) => {
    await apiSnapshot.cleanup();
    throw error;
  });
  const defaults = wranglerDefaults(apiSnapshot.original);
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: fileURLToPath(new URL("..", import.meta.url)), encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  })();
  console.log(`sync bench: code = working tree at ${new Date().toISOString()} (HEAD ${commit}), bundled once for the whole run`);
  const profiles = profileSpecs(opts.profiles, defaults, opts.paidBudget);
  console.log(
    `sync bench: N = ${opts.sizes.join(", ")}; profiles ${profiles.map((p) => `${p.name} (budget ${p.budget}, max_batch_timeout ${p.batchTimeout})`).join(", ")}; ` +
      `${LATENCY_MS} ms per Qovery call; reference ${opts.reference ? "on" : "off"}`,
  );

  const measurements = [];
  const memoryNotes = new Set();
  let simulator;
  let tap;
  try {
    simulator = await startLocalWorker({ config: await simSnapshot.configFor(), readyPath: "/__sim/tenants/default" });
    const sim = simulatorControl(simulator.baseUrl);
    tap = await startQoveryTap(simulator.baseUrl);
    for (const [index, profile] of profiles.entries()) {
      const config = await apiSnapshot.configFor(profile.derived ? withBatchTimeout(profile.batchTimeout) : undefined);
      const apiWorker = await startLocalWorker({
        config,
        database: true,
        vars: { QOVERY_API_URL: tap.url, SYNC_SUBREQUEST_BUDGET: String(profile.budget), AUTO_SYNC_DEBOUNCE_SECONDS: "0" },
      });
      const inspector = await connectInspector(apiWorker.inspectorPort);
      const workerdPid = findWorkerdPid(apiWorker.pid, apiWorker.port);
      if (!inspector) memoryNotes.add("isolate heap: n/a (the inspector port did not answer)");
      if (!workerdPid) memoryNotes.add("workerd RSS: n/a (no /proc, or the workerd process was not found)");
      const ctx = { api: createClient(apiWorker.baseUrl, apiWorker.adminToken), apiWorker, sim, tap, inspector, workerdPid };
      console.log(`\n[${profile.name}] API on ${apiWorker.baseUrl} (budget ${profile.budget}, ${profile.note})`);
      try {
        for (const n of opts.sizes) measurements.push(...(await runSize(ctx, profile, n, opts.reference && index === 0)));
      } finally {
        inspector?.close();
        await apiWorker.stop();
      }
    }
  } finally {
    await tap?.stop();
    await simulator?.stop();
    await apiSnapshot.cleanup();
    await simSnapshot.cleanup();
  }

  const referenceFor = (m) => measurements.find((r) => r.n === m.n && r.scenario === m.scenario && r.reference)?.reference ?? null;
  console.log(`\n${name} — ${description}`);
  console.log(
    `  target: one Qovery environment, variableType "secret", no key schema, deletion on; simulator ${LATENCY_MS} ms per call, one page per list.\n` +
      `  calls: from the simulator's call log, total (L = list GETs, W = POST/PUT/DELETE). wall: ours = trigger (POST …/sync-secrets) → status\n` +
      `  succeeded seen by polling (20 ms, later 100 ms); reference = source read + list + writes inside its process (Node start-up excluded).\n` +
      `  heap MB: peak JS heap in use (+ growth over the phase's start): ours = the API Worker's isolate (sampled every 100 ms through the\n` +
      `  inspector, after a forced GC; API + queue consumer share it); reference = its Node process (sampled every 20 ms).`,
  );
  for (const profile of profiles) {
    const rows = measurements.filter((m) => m.profile === profile.name);
    console.log(`\n  ── ${profile.name}: SYNC_SUBREQUEST_BUDGET=${profile.budget}, sync queue max_batch_timeout=${profile.batchTimeout} s (${profile.note})`);
    console.log(comparisonTable(rows, referenceFor));
    console.log(`\n  our engine, per run (invocations split from the call log at each re-listing; times from the tap, relative to the trigger):`);
    console.log(engineTable(rows));
    console.log(`\n  targets (${profile.name}):\n${targetLines(profile, rows)}`);
  }
  console.log(`\n  continuations:\n${continuationFindings(measurements, profiles)}`);
  const refRss = measurements.filter((m) => m.reference).map((m) => `N=${m.n} ${m.scenario} ${fixed(mb(m.reference.memory.maxRss))}`);
  if (refRss.length) console.log(`\n  reference Node process peak RSS MB (whole process, ~40 MB of it Node itself): ${refRss.join(", ")}`);
  for (const note of memoryNotes) console.log(`  ${note}`);
  console.log(
    "  workerd RSS = the whole local runtime process (isolate, local D1/SQLite, queue broker); not comparable with a Node RSS, and\n" +
      "  not the per-invocation memory of a deployed Worker, which nothing local can observe.",
  );
  return toRows(measurements);
}
