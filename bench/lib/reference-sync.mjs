#!/usr/bin/env node
/**
 * The reference algorithm for the sync benchmark: Infisical's Qovery reconciliation as `docs/infisical-contract.md`
 * §4.6 describes it, written from that description as a small Node client (no code taken from Infisical).
 *
 *   1. read the source secrets (here: from our store API, references expanded, imports merged);
 *   2. list the managed entries at the target (`page`/`page_size=100` while `page <= total_pages`), keep rows of the
 *      target's own scope whose `variable_type` is absent or VALUE, index them by key;
 *   3. for each source key in order, one call at a time: absent → POST; present → PUT — always for secrets (Qovery never
 *      returns their values), only when the listed value differs for plain variables; the first error aborts;
 *   4. unless deletion is disabled, DELETE each managed row that is not in the source (no key schema in the bench, so
 *      every managed row matches it).
 *
 * Runs as its own process (`node reference-sync.mjs`, input as JSON in REFERENCE_SYNC_INPUT) so that its memory can be
 * measured on its own; prints one JSON line: wall time, calls by method, peak heap and RSS.
 */
import { resourceUsage } from "node:process";

const input = JSON.parse(process.env.REFERENCE_SYNC_INPUT ?? "null");
if (!input) throw new Error("REFERENCE_SYNC_INPUT is missing");
const { store, qovery, target } = input;

const memory = { heapUsedPeak: 0, rssPeak: 0, heapUsedStart: 0, rssStart: 0 };
const sampleMemory = () => {
  const { heapUsed, rss } = process.memoryUsage();
  memory.heapUsedPeak = Math.max(memory.heapUsedPeak, heapUsed);
  memory.rssPeak = Math.max(memory.rssPeak, rss);
};
const calls = { GET: 0, POST: 0, PUT: 0, DELETE: 0 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class QoveryCallError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} → ${status}: ${body.slice(0, 200)}`);
    this.status = status;
  }
}

/** One Qovery call with the retries the contract describes (§4.7): 429 / 5xx / network, a few times, growing delays. */
async function qoveryCall(method, path, body) {
  for (let attempt = 1; ; attempt++) {
    calls[method]++;
    let res;
    try {
      res = await fetch(`${qovery.url}${path}`, {
        method,
        headers: {
          Authorization: `Token ${qovery.token}`,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (attempt > 3) throw error;
      await sleep(2 ** attempt * 100);
      continue;
    }
    const text = await res.text();
    if (res.ok) return text ? JSON.parse(text) : null;
    const retryable = res.status === 429 || res.status >= 500;
    if (!retryable || attempt > (method === "GET" && res.status === 429 ? 5 : 3)) throw new QoveryCallError(method, path, res.status, text);
    await sleep(res.status === 429 && method === "GET" ? 2000 * (0.8 + 0.4 * Math.random()) : 2 ** attempt * 100);
  }
}

async function readSource() {
  const url = new URL("/api/v4/secrets", store.url);
  for (const [k, v] of Object.entries({ projectId: store.projectId, environment: store.environment, secretPath: store.secretPath, expandSecretReferences: "true", include_imports: "true" })) {
    url.searchParams.set(k, v);
  }
  const res = await fetch(url, { headers: { authorization: `Bearer ${store.token}` } });
  if (!res.ok) throw new Error(`reading the source: ${res.status} ${(await res.text()).slice(0, 200)}`);
  const { secrets, imports = [] } = await res.json();
  // Local keys win; among imports, later positions win.
  const map = new Map();
  for (const imported of [...imports].reverse()) for (const s of imported.secrets) if (!map.has(s.secretKey)) map.set(s.secretKey, s.secretValue ?? "");
  const local = new Map(secrets.map((s) => [s.secretKey, s.secretValue ?? ""]));
  return new Map([...local, ...[...map].filter(([k]) => !local.has(k))]);
}

async function listManaged(collection, ownScope) {
  const rows = [];
  for (let page = 1; page <= 1000; page++) {
    const body = await qoveryCall("GET", `${collection}?page=${page}&page_size=100`);
    rows.push(...body.results);
    if (!body.pagination || page >= body.pagination.total_pages) break;
  }
  return new Map(rows.filter((r) => r.scope === ownScope && (r.variable_type == null || r.variable_type === "VALUE")).map((r) => [r.key, r]));
}

async function main() {
  globalThis.gc?.(); // started with --expose-gc: the baseline is the live heap after start-up
  sampleMemory();
  memory.heapUsedStart = memory.heapUsedPeak;
  memory.rssStart = memory.rssPeak;
  const sampler = setInterval(sampleMemory, 20);
  const started = performance.now();

  const source = await readSource();
  const sourceReadMs = performance.now() - started;
  const family = target.variableType === "variable" ? "environmentVariable" : "secret";
  const collection = `/${target.scope}/${target.parentId}/${family}`;
  const managed = await listManaged(collection, target.scope === "project" ? "PROJECT" : "ENVIRONMENT");

  const outcome = { created: 0, updated: 0, deleted: 0 };
  for (const [key, value] of source) {
    const row = managed.get(key);
    if (!row) {
      await qoveryCall("POST", collection, { key, value });
      outcome.created++;
    } else if (family === "secret" || row.value !== value) {
      await qoveryCall("PUT", `${collection}/${row.id}`, { key, value });
      outcome.updated++;
    }
  }
  if (!target.disableSecretDeletion) {
    for (const [key, row] of managed) {
      if (source.has(key)) continue;
      await qoveryCall("DELETE", `${collection}/${row.id}`);
      outcome.deleted++;
    }
  }

  const wallMs = performance.now() - started;
  clearInterval(sampler);
  sampleMemory();
  process.stdout.write(
    `${JSON.stringify({
      wallMs,
      sourceReadMs,
      sourceCount: source.size,
      calls,
      outcome,
      memory: { ...memory, maxRssKb: resourceUsage().maxRSS },
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`reference sync failed: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
});
