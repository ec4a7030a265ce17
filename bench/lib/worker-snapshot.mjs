/**
 * A frozen copy of a Worker for long benchmarks. `wrangler dev` rebuilds and restarts the Worker whenever a source
 * file changes, which in a shared working tree happens mid-run (a restart drops queued messages and the simulator's
 * in-memory state). So the benchmark bundles the Worker once (`wrangler deploy --dry-run --outdir`) and runs that
 * bundle with `no_bundle = true` from a temporary copy of its wrangler config: every profile measures the same code,
 * and later edits in the tree do not reach it. The real config files are only read, never changed.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { wrangler } from "./wrangler-dev.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Bundles the Worker of `config` (relative to the repository root) into a temporary directory. `configFor(edit)`
 * writes a config that runs the bundle, after `edit(text)` (e.g. one queue setting changed); `cleanup()` removes it all.
 */
export async function snapshotWorker(config) {
  const configPath = resolve(ROOT, config);
  const configDir = dirname(configPath);
  const dir = await mkdtemp(join(tmpdir(), "secret-sync-bench-snapshot-"));
  const outdir = join(dir, "bundle");
  await wrangler(["deploy", "--dry-run", "-c", configPath, "--outdir", outdir]).exited;
  const original = await readFile(configPath, "utf8");
  const main = /^\s*main\s*=\s*"([^"]+)"/m.exec(original)?.[1];
  if (!main) throw new Error(`${config} has no main entry`);
  // The bundle is named after the entry point: src/index.ts → index.js.
  const bundle = join(outdir, `${basename(main).replace(/\.[cm]?[jt]sx?$/, "")}.js`);
  let count = 0;

  return {
    /** the config file's text as it was when the snapshot was taken */
    original,
    async configFor(edit = (text) => text) {
      const absolute = (path) => JSON.stringify(resolve(configDir, path));
      const text = edit(original)
        .replace(/^(\s*main\s*=\s*)"[^"]+"/m, (_, key) => `${key}${JSON.stringify(bundle)}\nno_bundle = true`)
        .replace(/^(\s*migrations_dir\s*=\s*)"([^"]+)"/gm, (_, key, path) => `${key}${absolute(path)}`);
      const file = join(dir, `wrangler-${++count}.toml`);
      await writeFile(file, text);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
