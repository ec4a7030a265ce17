/**
 * Hostile inputs on `wrangler dev` with the Qovery simulator: for each, how long the service takes to refuse it (or to
 * answer it harmlessly: a read leaves a reference bomb as stored, sign-in ignores a hostile `next`), and the p50 of a
 * normal request sent right after each one, next to the same normal request on its own. Every answer is checked
 * (status and message), so a run also shows that each input is still refused as documented.
 *
 * It starts its own simulator and API (the runner's default API knows no simulator). Requests carry made-up
 * `cf-connecting-ip` addresses (wrangler dev passes the header through): hostile ones rotate through 198.18.0.0/15, so
 * the per-address rate limits measure nothing but the throttling case; the normal request comes from an address
 * that never fails. `--scale` scales the run counts.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createClient, request } from "./lib/client.mjs";
import { simulatorControl } from "./lib/simulator.mjs";
import { percentile } from "./lib/stats.mjs";
import { fixed, formatTable } from "./lib/table.mjs";
import { startLocalWorker } from "./lib/wrangler-dev.mjs";

export const name = "hardening";
export const description = "hostile inputs: time to refuse each (p50/p99) and the p50 of a normal request right after it";

// The limits as the API states them; the bench fails if an answer differs.
const MAX_SECRETS_PER_BATCH = 1000;
const MAX_WEBHOOK_SYNC_IDS = 100;
const MAX_IMPORTS_PER_FOLDER = 20;
const MAX_IMPORTED_FOLDERS_PER_READ = 100;
const PATH_TOO_LONG = "Secret path must be at most 1024 characters";
const HELD_BACK_BOMB = /^Held back: \$\{BOMB\} expands beyond the 64 KiB limit/;
const TOO_MANY_AUTH_FAILURES = "Too many failed authentication attempts from this address. Please try again in a minute.";

const NORMAL_ADDRESS = "198.51.100.1";
const SYNC_TIMEOUT_MS = 30_000;
let addressCount = 0;
/** A fresh address in 198.18.0.0/15 (reserved for benchmarks) for each hostile request. */
const nextAddress = () => {
  const n = ++addressCount;
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Throws unless `res` is exactly `status` with `message` in the API's error envelope. */
function expectRefusal(res, status, message) {
  const body = res.text.startsWith("{") ? JSON.parse(res.text) : {};
  if (res.status !== status || body.message !== message) {
    throw new Error(`expected ${status} "${message}", got ${res.status}: ${res.text.slice(0, 300)}`);
  }
}

function expectOk(res, what) {
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
  return JSON.parse(res.text);
}

// ===== set-up

/** `/parts` in dev: L1 = ten ${L2}, …, L9 = ten ${L10}, L10 = ten bytes; `${dev.parts.L1}` describes 10^10 bytes. */
async function makeBombParts(api, projectId) {
  await api.post("/api/v2/folders", { projectId, environment: "dev", path: "/", name: "parts" });
  const secrets = [{ secretKey: "L10", secretValue: "0123456789" }];
  for (let i = 1; i <= 9; i++) secrets.push({ secretKey: `L${i}`, secretValue: `\${L${i + 1}}`.repeat(10) });
  await api.post("/api/v4/secrets/batch", { projectId, environment: "dev", secretPath: "/parts", secrets });
}
/** Ten ${dev.parts.L1}: 10^11 bytes expanded, 170 bytes stored. */
const BOMB = "${dev.parts.L1}".repeat(10);

/** `/<name>` in dev with the given secrets. */
async function folderWith(api, projectId, name, secrets) {
  await api.post("/api/v2/folders", { projectId, environment: "dev", path: "/", name });
  const entries = Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue }));
  await api.post("/api/v4/secrets/batch", { projectId, environment: "dev", secretPath: `/${name}`, secrets: entries });
}

/**
 * `/root` importing full hubs (a hub importing MAX_IMPORTS_PER_FOLDER folders) up to the last hub that fits in one
 * read, and `/last`, a hub with the folders left over plus one: importing it takes `/root` one folder past the cap.
 */
async function makeImportGraph(api, projectId) {
  const at = (path) => ({ environment: "dev", path });
  const makeHub = async (hub, size) => {
    await api.post("/api/v2/folders", { projectId, environment: "dev", path: "/", name: hub });
    for (let i = 0; i < size; i++) {
      await api.post("/api/v2/folders", { projectId, environment: "dev", path: "/", name: `${hub}-s${i}` });
      await api.post("/api/v2/secret-imports", { projectId, ...at(`/${hub}`), import: at(`/${hub}-s${i}`) });
    }
  };
  const hubSize = MAX_IMPORTS_PER_FOLDER + 1;
  const fullHubs = Math.floor(MAX_IMPORTED_FOLDERS_PER_READ / hubSize);
  await api.post("/api/v2/folders", { projectId, environment: "dev", path: "/", name: "root" });
  for (let h = 0; h < fullHubs; h++) {
    await makeHub(`hub${h}`, MAX_IMPORTS_PER_FOLDER);
    await api.post("/api/v2/secret-imports", { projectId, ...at("/root"), import: at(`/hub${h}`) });
  }
  await makeHub("last", MAX_IMPORTED_FOLDERS_PER_READ - fullHubs * hubSize);
}

/**
 * Makes `/root` reach past the cap without an import being created: it imports `/later` (empty, so accepted), then
 * `/later` is renamed away and `/last` renamed to `/later`.
 */
async function pushImportGraphPastTheCap(api, projectId) {
  await api.post("/api/v2/folders", { projectId, environment: "dev", path: "/", name: "later" });
  await api.post("/api/v2/secret-imports", { projectId, environment: "dev", path: "/root", import: { environment: "dev", path: "/later" } });
  const { folders } = await api.get("/api/v2/folders", { projectId, environment: "dev", path: "/" });
  const rename = (from, to) => api.patch(`/api/v2/folders/${folders.find((f) => f.name === from).id}`, { projectId, environment: "dev", path: "/", name: to });
  await rename("later", "later-old");
  await rename("last", "later");
}

async function setUp(api, sim) {
  const { project } = await api.post("/api/v1/projects", { projectName: `hardening ${Date.now()}` });
  const projectId = project.id;
  await folderWith(api, projectId, "app", { NAME: "app", URL: "${NAME}@host", A: "1", B: "2", C: "3" });
  await makeBombParts(api, projectId);
  await folderWith(api, projectId, "bomb", { BOMB, NAME: "app", URL: "${NAME}@host" });
  await makeImportGraph(api, projectId);

  const tenant = await sim.createTenant("hardening bench");
  const { appConnection } = await api.post("/api/v1/app-connections/qovery", {
    name: "hardening",
    method: "access-token",
    projectId,
    credentials: { accessToken: tenant.token },
  });
  const syncOf = async (name, secretPath) =>
    (
      await api.post("/api/v1/secret-syncs/qovery", {
        name,
        projectId,
        connectionId: appConnection.id,
        environment: "dev",
        secretPath,
        syncOptions: { initialSyncBehavior: "overwrite-destination", autoSyncEnabled: false },
        destinationConfig: {
          organizationId: tenant.organization.id,
          projectId: tenant.projects[0].id,
          environmentId: tenant.projects[0].environments[0].id,
        },
      })
    ).secretSync.id;
  const bombSync = await syncOf("bomb", "/bomb");
  const appSync = await syncOf("app", "/app");
  const endpoint = await api.post("/api/v1/webhooks/endpoints", { name: "hardening", projectId });
  return { projectId, connectionId: appConnection.id, tenant, bombSync, appSync, endpoint: { id: endpoint.endpoint.id, secret: endpoint.secret } };
}

// ===== measuring

/**
 * Sends `hostile(input)` `runs` times after `warmup` untimed ones; each answer goes to `check`, then the normal request
 * is sent and timed. `prepare(i)` builds each input outside the timing.
 */
async function measureHostile(label, expected, { runs, warmup = 2, prepare = async () => undefined, hostile, check, normal }) {
  const refusal = [];
  const after = [];
  for (let i = -warmup; i < runs; i++) {
    const input = await prepare(i);
    const started = performance.now();
    const res = await hostile(input);
    const answered = performance.now();
    await check(res, input);
    const normalStarted = performance.now();
    await normal();
    const normalAnswered = performance.now();
    if (i < 0) continue;
    refusal.push(answered - started);
    after.push(normalAnswered - normalStarted);
  }
  refusal.sort((a, b) => a - b);
  after.sort((a, b) => a - b);
  return {
    label,
    expected,
    runs,
    p50: percentile(refusal, 50),
    p99: percentile(refusal, 99),
    max: refusal.at(-1),
    normalAfterP50: percentile(after, 50),
    normalAfterP99: percentile(after, 99),
  };
}

function signedNotice(endpoint, payload) {
  const body = JSON.stringify(payload);
  const id = `msg_${randomUUID()}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(endpoint.secret.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { body, headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` } };
}

/** Triggers a manual run and waits for it to finish; answers the finished sync. */
async function runSync(send, syncId) {
  const triggered = expectOk(await send("POST", `/api/v1/secret-syncs/qovery/${syncId}/sync-secrets`), "trigger");
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { secretSync } = expectOk(await send("GET", `/api/v1/secret-syncs/qovery/${syncId}`), "sync");
    if (secretSync.lastSyncJobId === triggered.runId && ["succeeded", "failed"].includes(secretSync.syncStatus)) return secretSync;
    await sleep(20);
  }
  throw new Error(`sync ${syncId}: run ${triggered.runId} did not finish within ${SYNC_TIMEOUT_MS / 1000} s`);
}

async function measureAll(baseUrl, adminToken, f, iterations) {
  const runs = iterations(30);
  const send = (method, path, options = {}) =>
    request(baseUrl, method, path, { token: adminToken, ...options, headers: { "cf-connecting-ip": NORMAL_ADDRESS, ...options.headers } });
  const hostileSend = (method, path, options = {}) =>
    request(baseUrl, method, path, { token: adminToken, ...options, headers: { "cf-connecting-ip": nextAddress(), ...options.headers } });
  const normalQuery = { projectId: f.projectId, environment: "dev", secretPath: "/app", expandSecretReferences: "true" };
  const normal = async () => {
    const { secrets } = expectOk(await send("GET", "/api/v4/secrets", { query: normalQuery }), "normal request");
    if (secrets.length !== 5) throw new Error(`normal request: ${secrets.length} secrets`);
  };
  const common = { runs, normal };
  const rows = [];
  const add = async (label, expected, options) => {
    const row = await measureHostile(label, expected, { ...common, ...options });
    rows.push(row);
    console.log(`  ${label}: p50 ${fixed(row.p50)} ms, then a normal request p50 ${fixed(row.normalAfterP50)} ms`);
  };

  await add("baseline: the normal request alone (list 5 secrets, one reference)", "200", {
    hostile: () => send("GET", "/api/v4/secrets", { query: normalQuery }),
    check: (res) => expectOk(res, "baseline"),
  });

  await add("reference bomb read (10^11 bytes described, 170 stored)", "200, bomb as stored", {
    hostile: () => hostileSend("GET", "/api/v4/secrets", { query: { ...normalQuery, secretPath: "/bomb" } }),
    check: (res) => {
      const values = Object.fromEntries(expectOk(res, "bomb read").secrets.map((s) => [s.secretKey, s.secretValue]));
      if (values.BOMB !== BOMB || values.URL !== "app@host") throw new Error(`bomb read: ${JSON.stringify(values).slice(0, 200)}`);
    },
  });

  const syncRuns = iterations(10);
  await add("baseline: sync run of a 5-secret folder (trigger → finished)", "run succeeded", {
    runs: syncRuns,
    warmup: 1,
    hostile: () => runSync(send, f.appSync),
    check: (sync) => {
      if (sync.syncStatus !== "succeeded") throw new Error(`app sync: ${sync.syncStatus} ${sync.lastSyncMessage}`);
    },
  });
  await add("reference bomb sync (trigger → finished)", "run failed, BOMB held back", {
    runs: syncRuns,
    warmup: 1,
    hostile: () => runSync(send, f.bombSync),
    check: (sync) => {
      const message = JSON.parse(sync.lastSyncMessage ?? "{}");
      if (sync.syncStatus !== "failed" || message.secretKey !== "BOMB" || !HELD_BACK_BOMB.test(message.error)) {
        throw new Error(`bomb sync: ${sync.syncStatus} ${sync.lastSyncMessage}`);
      }
    },
  });

  const slashes = `${"/".repeat(40_000)}x`;
  await add("40,000-slash path: POST /api/v1/secret-syncs/qovery", "422 path too long", {
    hostile: () =>
      hostileSend("POST", "/api/v1/secret-syncs/qovery", {
        body: {
          name: "hostile-path",
          projectId: f.projectId,
          connectionId: f.connectionId,
          environment: "dev",
          secretPath: slashes,
          syncOptions: { initialSyncBehavior: "overwrite-destination" },
          destinationConfig: { organizationId: f.tenant.organization.id, projectId: f.tenant.projects[0].id },
        },
      }),
    check: (res) => expectRefusal(res, 422, `secretPath: ${PATH_TOO_LONG}`),
  });
  // Slashes as they are, not percent-encoded: three times shorter, and still a 40 KB request line.
  const slashesQuery = `/api/v4/secrets?projectId=${f.projectId}&environment=dev&secretPath=${slashes}`;
  await add("40,000-slash path: GET /api/v4/secrets (query)", "422 path too long", {
    hostile: () => hostileSend("GET", slashesQuery),
    check: (res) => expectRefusal(res, 422, `secretPath: ${PATH_TOO_LONG}`),
  });

  const tooMany = `secrets: secrets can hold at most ${MAX_SECRETS_PER_BATCH} secrets per request`;
  const oversize = Array.from({ length: MAX_SECRETS_PER_BATCH + 1 }, (_, i) => ({ secretKey: `K${i}`, secretValue: "v" }));
  await add(`batch of ${MAX_SECRETS_PER_BATCH + 1} secrets: POST /api/v4/secrets/batch`, "422 batch too large", {
    hostile: () => hostileSend("POST", "/api/v4/secrets/batch", { body: { ...normalQuery, secrets: oversize } }),
    check: (res) => expectRefusal(res, 422, tooMany),
  });

  const bidi = "secretName: Secret name cannot contain bidirectional text controls (found U+202E)";
  await add("key with U+202E (right-to-left override): POST /api/v4/secrets/:name", "422 bidi control", {
    hostile: () => hostileSend("POST", `/api/v4/secrets/${encodeURIComponent("TXT\u202EYEK")}`, { body: { ...normalQuery, secretValue: "v" } }),
    check: (res) => expectRefusal(res, 422, bidi),
  });

  await add("sign-in with CR/LF in next: POST /sign-in", "303 /projects", {
    // A fresh sign-in form (its cookie carries the CSRF token), as a browser would load it first.
    prepare: async () => {
      const address = nextAddress();
      const form = await request(baseUrl, "GET", "/sign-in", { headers: { "cf-connecting-ip": address } });
      const csrf = /<input[^>]*name="_csrf"[^>]*value="([^"]+)"/.exec(form.text)?.[1];
      const cookie = form.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
      if (!csrf || !cookie) throw new Error("sign-in form: no CSRF token or cookie");
      return { address, csrf, cookie };
    },
    hostile: ({ address, csrf, cookie }) =>
      request(baseUrl, "POST", "/sign-in", {
        headers: { "cf-connecting-ip": address, cookie },
        form: { _csrf: csrf, token: adminToken, next: "/projects\r\nSet-Cookie: pwned=1" },
      }),
    check: (res) => {
      const injected = res.headers.getSetCookie().some((line) => line.includes("pwned"));
      if (res.status !== 303 || res.headers.get("location") !== "/projects" || injected) {
        throw new Error(`sign-in: ${res.status} location ${res.headers.get("location")}`);
      }
    },
  });

  const tooManyIds = `syncIds: syncIds lists at most ${MAX_WEBHOOK_SYNC_IDS} syncs`;
  const notice = { projectId: f.projectId, environment: "dev", secretPath: "/app", syncIds: Array.from({ length: MAX_WEBHOOK_SYNC_IDS + 1 }, () => randomUUID()) };
  await add(`${MAX_WEBHOOK_SYNC_IDS + 1} syncIds: POST /api/v1/webhooks/secret-changes (signed)`, "422 too many syncIds", {
    prepare: async () => signedNotice(f.endpoint, notice),
    hostile: ({ body, headers }) =>
      fetch(new URL(`/api/v1/webhooks/secret-changes?endpointId=${f.endpoint.id}`, baseUrl), {
        method: "POST",
        body,
        headers: { ...headers, "cf-connecting-ip": nextAddress() },
      }).then(async (res) => ({ status: res.status, text: await res.text() })),
    check: (res) => expectRefusal(res, 422, tooManyIds),
  });

  const reach = (path) =>
    `Folder '${path}' in environment 'dev' reaches more than ${MAX_IMPORTED_FOLDERS_PER_READ} folders through its secret imports ` +
    "(the limit for one read); remove some of its imports or theirs";
  const importLast = { projectId: f.projectId, environment: "dev", path: "/root", import: { environment: "dev", path: "/last" } };
  await add(`import past ${MAX_IMPORTED_FOLDERS_PER_READ} folders reached: POST /api/v2/secret-imports`, "400 too many folders", {
    hostile: () => hostileSend("POST", "/api/v2/secret-imports", { body: importLast }),
    check: (res) => expectRefusal(res, 400, reach("/root")),
  });
  await pushImportGraphPastTheCap(createClient(baseUrl, adminToken), f.projectId);
  await add(`read reaching past ${MAX_IMPORTED_FOLDERS_PER_READ} folders: GET /api/v4/secrets?include_imports`, "400 too many folders", {
    hostile: () => hostileSend("GET", "/api/v4/secrets", { query: { ...normalQuery, secretPath: "/root", include_imports: "true" } }),
    check: (res) => expectRefusal(res, 400, reach("/root")),
  });

  const metadata = "url: must not point at a link-local address (169.254.0.0/16, cloud metadata)";
  await add("notification URL at 169.254.169.254: POST /api/v1/webhooks/subscriptions", "422 link-local", {
    hostile: () =>
      hostileSend("POST", "/api/v1/webhooks/subscriptions", {
        body: { projectId: f.projectId, url: "https://169.254.169.254/latest/meta-data/", events: ["sync.failed"] },
      }),
    check: (res) => expectRefusal(res, 422, metadata),
  });

  const invalidToken = "Invalid, expired or revoked token";
  await add("bad bearer token, each from a new address: GET /api/v1/projects", "401", {
    hostile: () => hostileSend("GET", "/api/v1/projects", { token: `qsk_guess_${randomUUID()}` }),
    check: (res) => expectRefusal(res, 401, invalidToken),
  });
  // One address fails until it is refused (AUTH_FAILURE_LIMITER: 30 a minute); what it sends next is timed.
  const guesser = nextAddress();
  const guess = () => request(baseUrl, "GET", "/api/v1/projects", { token: `qsk_guess_${randomUUID()}`, headers: { "cf-connecting-ip": guesser } });
  let failures = 0;
  while ((await guess()).status === 401) if (++failures > 61) throw new Error("bad tokens were never throttled");
  console.log(`  one address was throttled after ${failures} failed token checks`);
  await add(`bad bearer token from a throttled address (after ${failures} failures)`, "429", {
    hostile: guess,
    check: (res) => expectRefusal(res, 429, TOO_MANY_AUTH_FAILURES),
  });
  return { rows, failures };
}

export async function run({ iterations }) {
  const simulator = await startLocalWorker({ config: "simulator/wrangler.toml", readyPath: "/__sim/tenants/default" });
  let apiWorker;
  try {
    apiWorker = await startLocalWorker({ vars: { QOVERY_API_URL: simulator.baseUrl } });
    const api = createClient(apiWorker.baseUrl, apiWorker.adminToken);
    console.log("hardening bench: seeding (a reference bomb, an import graph of 100 folders, two syncs, a webhook endpoint) …");
    const fixture = await setUp(api, simulatorControl(simulator.baseUrl));
    const { rows } = await measureAll(apiWorker.baseUrl, apiWorker.adminToken, fixture, iterations);
    const columns = [
      { title: "hostile input", align: "left" },
      { title: "answer", align: "left" },
      { title: "runs" },
      { title: "p50 ms" },
      { title: "p99 ms" },
      { title: "normal after p50 ms" },
    ];
    const cells = rows.map((r) => [r.label, r.expected, r.runs, fixed(r.p50), fixed(r.p99), fixed(r.normalAfterP50)]);
    console.log(`\n${name} — time to answer each hostile input, then a normal request (list 5 secrets) right after it\n${formatTable(columns, cells)}`);
    return rows;
  } finally {
    await apiWorker?.stop();
    await simulator.stop();
  }
}
