/**
 * A throw-away local Worker for benchmarks: `wrangler dev` on free ports, with its own temporary D1 state
 * (`--persist-to`), migrations applied, and fresh random secrets. Always `stop()` it: the process group and the
 * temporary directory go away together.
 *
 * Options (all optional; no options = the API from wrangler.toml, as before):
 * - `config`: another wrangler config, e.g. `simulator/wrangler.toml` (relative to the repository root) or a
 *   temporary copy of wrangler.toml with one setting changed;
 * - `vars`: extra `--var NAME:value` overrides, e.g. `{ SYNC_SUBREQUEST_BUDGET: "1000" }`;
 * - `database`: apply the D1 migrations and pass ENCRYPTION_KEY / ADMIN_TOKEN (default: true unless `config` is set);
 * - `readyPath`: what to poll until the Worker answers (default: the API's `/api/openapi.json`);
 * - `args`: further `wrangler dev` arguments, e.g. `["--test-scheduled"]` to expose `/__scheduled`.
 * The result also carries `port`, `inspectorPort` and `pid` (wrangler's process group) for benchmarks that observe it.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const READY_TIMEOUT_MS = 90_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs wrangler with this Node (22, from node_modules) and resolves when it exits 0. */
export function wrangler(args, { onOutput } = {}) {
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    // CI=1 keeps wrangler from prompting; no telemetry from benchmark runs.
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const collect = (chunk) => {
    output = (output + chunk).slice(-20_000);
    onOutput?.(chunk.toString());
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} exited (${code ?? signal}):\n${output}`))));
  });
  return { child, exited, output: () => output };
}

async function waitUntilReady(url, exited) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let failure;
  exited.catch((err) => (failure = err));
  while (Date.now() < deadline) {
    if (failure) throw failure;
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev was not ready at ${url} after ${READY_TIMEOUT_MS / 1000}s`);
}

export async function startLocalWorker({ config, vars = {}, database = !config, readyPath = "/api/openapi.json", args = [] } = {}) {
  const persistTo = await mkdtemp(join(tmpdir(), "secret-sync-bench-"));
  const adminToken = `bench-admin-${randomBytes(16).toString("hex")}`;
  const encryptionKey = randomBytes(32).toString("base64");
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const configArgs = config ? ["-c", config] : [];
  const secretVars = database ? { ENCRYPTION_KEY: encryptionKey, ADMIN_TOKEN: adminToken } : {};
  const varArgs = Object.entries({ ...secretVars, LOG_LEVEL: "error", ...vars }).flatMap(([name, value]) => ["--var", `${name}:${value}`]);

  if (database) await wrangler(["d1", "migrations", "apply", "DB", "--local", ...configArgs, "--persist-to", persistTo]).exited;
  const dev = wrangler([
    "dev",
    ...configArgs,
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo,
    ...varArgs,
    "--show-interactive-dev-session=false",
    "--log-level", "warn",
    ...args,
  ]);
  const baseUrl = `http://127.0.0.1:${port}`;

  const stop = async () => {
    try {
      process.kill(-dev.child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await dev.exited.catch(() => {});
    await rm(persistTo, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(`${baseUrl}${readyPath}`, dev.exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, adminToken, stop, port, inspectorPort, pid: dev.child.pid };
}
