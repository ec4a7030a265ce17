#!/usr/bin/env node
/**
 * Benchmark runner: `npm run bench [-- <name>...] [-- --scale=0.2]`.
 *
 * Starts one throw-away `wrangler dev` (see lib/wrangler-dev.mjs) and runs every `bench/*.bench.mjs` — or those
 * named on the command line — against it, printing p50/p99 latencies. A benchmark module exports `name`,
 * `description` and `run({ api, baseUrl, iterations })`, which returns rows from `measure()` (lib/stats.mjs);
 * `iterations(n)` scales its default run count by --scale. Results are also written to bench/results/ as JSON.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createClient } from "./lib/client.mjs";
import { startLocalWorker } from "./lib/wrangler-dev.mjs";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));

/** `--scale=N` scales run counts; any other `--name=value` is passed to the benchmarks as `options.name`. */
function parseArgs(argv) {
  const names = [];
  const options = {};
  let scale = 1;
  for (const arg of argv) {
    if (arg.startsWith("--scale=")) scale = Number(arg.slice("--scale=".length));
    else if (arg.startsWith("--")) {
      const [key, value = "true"] = arg.slice(2).split(/=(.*)/s);
      options[key] = value;
    } else names.push(arg);
  }
  if (!(scale > 0)) throw new Error("--scale must be a positive number");
  return { names, scale, options };
}

async function loadBenchmarks(names) {
  const files = (await readdir(BENCH_DIR)).filter((f) => f.endsWith(".bench.mjs")).sort();
  const modules = await Promise.all(files.map((f) => import(pathToFileURL(`${BENCH_DIR}${f}`).href)));
  const selected = names.length ? modules.filter((m) => names.includes(m.name)) : modules;
  const unknown = names.filter((n) => !modules.some((m) => m.name === n));
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${modules.map((m) => m.name).join(", ")}`);
  return selected;
}

function printTable(bench, rows) {
  const fmt = (ms) => ms.toFixed(1).padStart(9);
  const width = Math.max(...rows.map((r) => r.label.length), 9);
  console.log(`\n${bench.name} — ${bench.description}`);
  console.log(`  ${"operation".padEnd(width)}  ${"runs".padStart(5)}  ${"p50 ms".padStart(9)}  ${"p99 ms".padStart(9)}  ${"max ms".padStart(9)}`);
  for (const r of rows) console.log(`  ${r.label.padEnd(width)}  ${String(r.runs).padStart(5)}  ${fmt(r.p50)}  ${fmt(r.p99)}  ${fmt(r.max)}`);
}

async function main() {
  const { names, scale, options } = parseArgs(process.argv.slice(2));
  const benchmarks = await loadBenchmarks(names);
  console.log(`starting wrangler dev for ${benchmarks.map((b) => b.name).join(", ")} …`);
  const worker = await startLocalWorker();
  const results = {};
  try {
    const api = createClient(worker.baseUrl, worker.adminToken);
    const iterations = (n) => Math.max(1, Math.round(n * scale));
    for (const bench of benchmarks) {
      const rows = await bench.run({ api, baseUrl: worker.baseUrl, iterations, options });
      results[bench.name] = rows;
      printTable(bench, rows);
    }
  } finally {
    await worker.stop();
  }
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(file, `${JSON.stringify({ node: process.version, scale, results }, null, 2)}\n`);
  console.log(`\nresults written to ${file}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
