#!/usr/bin/env node
/**
 * `npm run test:e2e`: the console in a real browser. Starts the Qovery simulator and the API with `wrangler dev`
 * (throw-away state, free ports; bench/lib/wrangler-dev.mjs), drives Debian's Chromium through the flow in
 * console.flow.mjs, and writes:
 * - screenshots to e2e/artifacts/ (and, after a passing run with PUBLISH_SCREENSHOTS=1, the wizard and sync pages to
 *   docs/screenshots/, which the README shows),
 * - test-results/e2e.json, shaped like vitest's JSON report, for scripts/test-summary.mjs.
 * Every process it starts is stopped on the way out, including on Ctrl-C and when the overall time limit hits.
 */
import { copyFile, mkdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalWorker } from "../bench/lib/wrangler-dev.mjs";
import { defineConsoleFlow } from "./console.flow.mjs";
import { launchChromium } from "./lib/chromium.mjs";
import { createSuite, writeReport } from "./lib/harness.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = join(ROOT, "e2e", "artifacts");
const REPORT = join(ROOT, "test-results", "e2e.json");
const DOC_SCREENSHOTS = join(ROOT, "docs", "screenshots");
/** Server start-up (two wrangler dev) plus the flow, with room for a slow 2-core machine; past it, everything stops. */
const OVERALL_LIMIT_MS = 12 * 60 * 1000;
const STOP_GRACE_MS = 15_000;

const cleanups = [];
const livePids = new Set();

/** Stops a wrangler dev, killing its whole process group if it does not go within the grace period. */
function stopper(worker) {
  livePids.add(worker.pid);
  return async () => {
    let timer;
    await Promise.race([worker.stop(), new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
    clearTimeout(timer);
    killGroup(worker.pid);
    livePids.delete(worker.pid);
  };
}

function killGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const stop of cleanups.reverse()) await stop().catch((error) => console.error(`cleanup: ${error.message}`));
  })();
  return cleaning;
}

// Last resort when Node exits some other way: no wrangler may outlive the run.
process.on("exit", () => livePids.forEach(killGroup));
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    console.error(`\ne2e: ${signal}, stopping the servers and the browser…`);
    cleanup().finally(() => process.exit(130));
  });
}
setTimeout(() => {
  console.error(`e2e: still running after ${OVERALL_LIMIT_MS / 60_000} minutes; stopping.`);
  writeReport(REPORT, [], new Error("overall time limit exceeded"))
    .then(cleanup)
    .finally(() => process.exit(1));
}, OVERALL_LIMIT_MS).unref();

async function main() {
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });

  let setupError = null;
  let servers;
  try {
    console.log("e2e: starting the Qovery simulator and the API (wrangler dev)…");
    const simulator = await startLocalWorker({ config: "simulator/wrangler.toml", readyPath: "/__sim/tenants/default" });
    cleanups.push(stopper(simulator));
    // Auto-sync waits long enough that the manual plan → Sync now step is never raced by a debounced run.
    const api = await startLocalWorker({ vars: { QOVERY_API_URL: simulator.baseUrl, AUTO_SYNC_DEBOUNCE_SECONDS: "600" } });
    cleanups.push(stopper(api));
    const browser = await launchChromium();
    cleanups.push(browser.close);
    servers = { apiUrl: api.baseUrl, simulatorUrl: simulator.baseUrl, adminToken: api.adminToken, context: browser.context };
    console.log(`e2e: API ${api.baseUrl}, simulator ${simulator.baseUrl}`);
  } catch (error) {
    setupError = error;
    console.error(`e2e: could not start: ${error.stack ?? error}`);
  }

  let results = [];
  let flow;
  if (servers) {
    const suite = createSuite();
    flow = defineConsoleFlow(suite, { ...servers, artifacts: ARTIFACTS });
    results = await suite.run({ context: servers.context });
  }
  await cleanup();

  const report = await writeReport(REPORT, results, setupError);
  if (report.success && flow && process.env.PUBLISH_SCREENSHOTS === "1") {
    await mkdir(DOC_SCREENSHOTS, { recursive: true });
    const published = flow.screenshots.filter((file) => /^(wizard-|sync-)/.test(basename(file)));
    for (const file of published) await copyFile(file, join(DOC_SCREENSHOTS, basename(file)));
  }
  console.log(`\ne2e: ${report.numPassedTests} passed, ${report.numFailedTests} failed. Screenshots in e2e/artifacts/.`);
  process.exitCode = report.success ? 0 : 1;
}

main().catch(async (error) => {
  console.error(error);
  await writeReport(REPORT, [], error).catch(() => {});
  await cleanup();
  process.exit(1);
});
