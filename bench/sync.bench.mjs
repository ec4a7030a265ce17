/**
 * Sync engine against the reference algorithm (Infisical's, `docs/infisical-contract.md` §4.6), on the local Qovery
 * simulator with 20 ms added to every Qovery call. For N source secrets: first sync, no-op re-sync, 1 % changed
 * re-sync; for each, Qovery calls (the simulator's call log), wall time and memory, ours next to the reference.
 *
 * It starts its own Workers (the runner's stays idle), from bundles made once at the start (lib/worker-snapshot.mjs,
 * so edits in the tree during the run change nothing): the simulator, and for each profile an API whose
 * QOVERY_API_URL points at the simulator through a timestamping tap (lib/qovery-tap.mjs). Profiles:
 *   free          SYNC_SUBREQUEST_BUDGET from wrangler.toml (40), queue settings from wrangler.toml
 *   paid          SYNC_SUBREQUEST_BUDGET = BENCH_SYNC_PAID_BUDGET (default 1000)
 *   …-batchN      the same with the sync queue's `max_batch_timeout = N` (a temporary copy of wrangler.toml; the file
 *                 itself is never changed). The default third profile is free-batch0, or free-batch1 when
 *                 wrangler.toml already says 0: what the batch wait costs each continuation
 * The reference runs once per N (against the first profile's API, as its own Node process: lib/reference-sync.mjs)
 * and every profile is compared with it.
 *
 * Options (environment variables: the runner passes only `--scale` on):
 *   BENCH_SYNC_SIZES=10,100        source sizes (default 10,100,1000,5000; `--scale=0.2` multiplies the defaults)
 *   BENCH_SYNC_PROFILES=free,paid  (default: free, paid and the contrasting free-batchN; any of free|paid[-batchN])
 *   BENCH_SYNC_PAID_BUDGET=1000    the paid profiles' budget
 *   BENCH_SYNC_WRITE_CONCURRENCY=6 overrides SYNC_WRITE_CONCURRENCY (wrangler.toml: 4) in every profile
 *   BENCH_SYNC_REFERENCE=0         skip the reference algorithm
 * Example: `BENCH_SYNC_SIZES=10,100 BENCH_SYNC_PROFILES=free npm run bench -- sync` (about a minute).
 * The full default run takes about 20 minutes on 2 cores: the reference alone needs 3 × 5,000 sequential calls.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createClient } from "./lib/client.mjs";
import { connectInspector, findWorkerdPid, sampleWorkerMemory } from "./lib/memory.mjs";
import { startQoveryTap } from "./lib/qovery-tap.mjs";
import { fixed, formatTable, mb, ratio } from "./lib/table.mjs";
import { simulatorControl } from "./lib/simulator.mjs";
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

/** Options from `--name=value` flags (`--sizes=10,100 --profiles=free`, …) or the matching BENCH_SYNC_* variables. */
function options(iterations, args = {}) {
  const env = process.env;
  const pick = (arg, variable) => args[arg] ?? env[variable];
  const scale = iterations(1_000_000) / 1_000_000;
  const sizesText = pick("sizes", "BENCH_SYNC_SIZES");
  const sizes = sizesText
    ? sizesText.split(",").map((s) => Number.parseInt(s.trim(), 10))
    : [...new Set(DEFAULT_SIZES.map((n) => Math.max(1, Math.round(n * scale))))];
  if (sizes.some((n) => !(n > 0))) throw new Error(`sizes: positive integers expected, got "${sizesText}"`);
  const profilesText = pick("profiles", "BENCH_SYNC_PROFILES");
  const profiles = profilesText ? profilesText.split(",").map((p) => p.trim()).filter(Boolean) : null;
  const paidBudget = Number.parseInt(pick("paid-budget", "BENCH_SYNC_PAID_BUDGET") ?? "1000", 10);
  const concurrencyText = pick("write-concurrency", "BENCH_SYNC_WRITE_CONCURRENCY");
  const writeConcurrency = concurrencyText ? Number.parseInt(concurrencyText, 10) : null;
  if (!(paidBudget > 0) || (writeConcurrency !== null && !(writeConcurrency > 0))) throw new Error("paid budget and write concurrency must be positive integers");
  return { sizes, profiles, paidBudget, writeConcurrency, reference: String(pick("reference", "BENCH_SYNC_REFERENCE") ?? "1") !== "0" };
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

/**
 * `free` / `paid` (the budget), optionally `-batchN`: the sync queue's max_batch_timeout set to N seconds in a
 * temporary copy of wrangler.toml. By default the third profile is the batch timeout wrangler.toml does not have
 * (0 if it says 1 or more, else 1), so that every run shows what the setting costs.
 */
function profileSpecs(names, defaults, paidBudget) {
  const contrast = defaults.batchTimeout === 0 ? 1 : 0;
  const list = names ?? ["free", "paid", `free-batch${contrast}`];
  return list.map((name) => {
    const match = /^(free|paid)(?:-batch(\d+))?$/.exec(name);
    if (!match) throw new Error(`unknown profile "${name}"; known: free, paid, free-batchN, paid-batchN (N = max_batch_timeout in seconds)`);
    const budget = match[1] === "free" ? defaults.budget : paidBudget;
    const batchTimeout = match[2] === undefined ? defaults.batchTimeout : Number(match[2]);
    const derived = batchTimeout !== defaults.batchTimeout;
    const note = derived
      ? `wrangler.toml with the sync queue's max_batch_timeout = ${batchTimeout} instead of ${defaults.batchTimeout}, in a temporary copy`
      : "queue settings of wrangler.toml";
    return { name, budget, batchTimeout, derived, note };
  });
}

// ===== the simulator

/** The simulator as this bench uses it: tenants with the per-call latency, addressed by handle. */
function benchSimulator(baseUrl) {
  const control = simulatorControl(baseUrl);
  return {
    async tenant() {
      const summary = await control.createTenant(`bench ${Date.now()}`);
      await control.configure(summary.id, { latencyMs: LATENCY_MS });
      const project = summary.projects[0];
      return { id: summary.id, token: summary.token, organizationId: summary.organization.id, projectId: project.id, environmentId: project.environments[0].id };
    },
    clearCalls: (tenant) => control.clearCalls(tenant.id),
    calls: (tenant) => control.calls(tenant.id),
    variables: (tenant) => control.variables(tenant.id),
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
  let runId;
  let done;
  let mem;
  try {
    ({ runId } = await api.post(`/api/v1/secret-syncs/qovery/${syncId}/sync-secrets`));
    done = await waitForRun(api, syncId, runId, 120_000 + n * 200);
  } finally {
    mem = await memory.stop(); // the sampler's timer must not outlive a failed run (it would keep the process alive)
  }
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
    const child = spawn(process.execPath, ["--expose-gc", REFERENCE_SCRIPT], {
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
  const measurements = [];
  let current = SCENARIOS[0];
  try {
    const { projectId, source } = await seedSource(api, n);
    const ours = await sim.tenant();
    const syncId = await createSync(api, projectId, ours, n);
    const ref = withReference ? await sim.tenant() : null;
    const settleMs = (profile.batchTimeout ?? 1) * 1000 + 500;
    await sleep(settleMs); // let the store's auto-sync bookkeeping for the seed go through the queue first

    for (const scenario of SCENARIOS) {
      current = scenario;
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
  } catch (error) {
    // One size failing (e.g. a run that never finishes) must not throw away the others' figures.
    const message = error instanceof Error ? error.message : String(error);
    measurements.push({ profile: profile.name, n, scenario: current.id, changed: null, error: message });
    console.log(`  [${profile.name}] N=${n} ${current.label.padEnd(13)} ERROR: ${message}`);
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

function targetLines(profile, rows, sizes) {
  const lines = [];
  const mark = (ok) => (ok ? "met" : "MISSED");
  const firstOf = (n) => rows.some((m) => m.n === n && m.scenario === "first");
  if (!firstOf(1000)) lines.push(`first sync of 1,000 under 8 s                  not measured (${sizes.includes(1000) ? "the run failed" : "N=1000 not in this run"})`);
  if (!firstOf(5000)) lines.push(`5,000 through continuations within budget     not measured (${sizes.includes(5000) ? "the run failed" : "N=5000 not in this run"})`);
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
      const t = o.times;
      lines.push(
        `first sync of 1,000 under 8 s                  ${mark(ok)}: ${seconds(o.wallMs)} s = ${seconds(t.pickupMs)} s trigger → first call + ${seconds(t.busyMs)} s of calls ` +
          `in ${o.invocations} invocation(s) + ${seconds(t.gapTotalMs)} s between invocations + ${seconds(t.tailMs)} s to the status`,
      );
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
    if (m.error) {
      rows.push({ label: `${base} ERROR`, runs: 0, p50: NaN, p99: NaN, max: NaN, profile: m.profile, n: m.n, scenario: m.scenario, error: m.error });
      continue;
    }
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

export async function run({ iterations, options: args }) {
  const opts = options(iterations, args);
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
      `${LATENCY_MS} ms per Qovery call; reference ${opts.reference ? "on" : "off"}` +
      (opts.writeConcurrency ? `; SYNC_WRITE_CONCURRENCY=${opts.writeConcurrency}` : ""),
  );

  const measurements = [];
  const memoryNotes = new Set();
  let simulator;
  let tap;
  try {
    simulator = await startLocalWorker({ config: await simSnapshot.configFor(), readyPath: "/__sim/tenants/default" });
    const sim = benchSimulator(simulator.baseUrl);
    tap = await startQoveryTap(simulator.baseUrl);
    for (const [index, profile] of profiles.entries()) {
      const config = await apiSnapshot.configFor(profile.derived ? withBatchTimeout(profile.batchTimeout) : undefined);
      const apiWorker = await startLocalWorker({
        config,
        database: true,
        vars: {
          QOVERY_API_URL: tap.url,
          SYNC_SUBREQUEST_BUDGET: String(profile.budget),
          AUTO_SYNC_DEBOUNCE_SECONDS: "0",
          ...(opts.writeConcurrency ? { SYNC_WRITE_CONCURRENCY: String(opts.writeConcurrency) } : {}),
        },
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
      `  heap MB: peak JS heap in use (garbage included) and (+ growth over the live heap at the start, after a full GC): ours = the API\n` +
      `  Worker's isolate, sampled every 100 ms through the inspector (API and queue consumer share it; ~7 MB live when idle); reference =\n` +
      `  its Node process, sampled every 20 ms (~4 MB live at start). Δheap ours/ref compares the growths.`,
  );
  const measured = measurements.filter((m) => !m.error);
  for (const profile of profiles) {
    const rows = measured.filter((m) => m.profile === profile.name);
    const errors = measurements.filter((m) => m.error && m.profile === profile.name);
    console.log(`\n  ── ${profile.name}: SYNC_SUBREQUEST_BUDGET=${profile.budget}, sync queue max_batch_timeout=${profile.batchTimeout} s (${profile.note})`);
    console.log(comparisonTable(rows, referenceFor));
    for (const m of errors) console.log(`  N=${m.n} ${m.scenario}: NOT MEASURED — ${m.error}`);
    console.log(`\n  our engine, per run (invocations split from the call log at each re-listing; times from the tap, relative to the trigger):`);
    console.log(engineTable(rows));
    console.log(`\n  targets (${profile.name}):\n${targetLines(profile, rows, opts.sizes)}`);
  }
  console.log(`\n  continuations:\n${continuationFindings(measured, profiles)}`);
  const biggest = measured.filter((m) => m.reference && m.scenario === "first").sort((a, b) => b.n - a.n)[0];
  if (biggest) {
    const perCall = (biggest.reference.wallMs - biggest.reference.sourceReadMs) / biggest.reference.calls.total;
    console.log(
      `\n  one sequential Qovery call costs ${fixed(perCall)} ms here (reference, N=${biggest.n}): the simulator's ${LATENCY_MS} ms plus the local hops ` +
        `(tap, wrangler's dev proxy, the simulator's own work).`,
    );
  }
  const refRss = measured.filter((m) => m.reference).map((m) => `N=${m.n} ${m.scenario} ${fixed(mb(m.reference.memory.maxRss))}`);
  if (refRss.length) console.log(`\n  reference Node process peak RSS MB (whole process, ~40 MB of it Node itself): ${refRss.join(", ")}`);
  for (const note of memoryNotes) console.log(`  ${note}`);
  console.log(
    "  workerd RSS = the whole local runtime process (isolate, local D1/SQLite, queue broker); not comparable with a Node RSS, and\n" +
      "  not the per-invocation memory of a deployed Worker, which nothing local can observe.",
  );
  return toRows(measurements);
}
