/**
 * A tiny sequential test harness for the browser flow: named steps with a time limit each, a plain report on stdout,
 * and a JSON report in the shape of vitest's (`numPassedTests`, `numFailedTests`, ...) for scripts/test-summary.mjs.
 * Steps build on each other, so once one fails the rest are reported as failed without running.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export function createSuite() {
  const steps = [];
  return {
    step(name, run, { timeoutMs = 120_000 } = {}) {
      steps.push({ name, run, timeoutMs });
    },
    async run(context) {
      const results = [];
      let broken = null;
      for (const { name, run, timeoutMs } of steps) {
        const started = Date.now();
        if (broken) {
          results.push({ name, status: "failed", durationMs: 0, error: `not run: "${broken}" failed` });
          console.log(`  ✗ ${name} (not run)`);
          continue;
        }
        let timer;
        try {
          await Promise.race([
            run(context),
            new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000}s`)), timeoutMs))),
          ]);
          results.push({ name, status: "passed", durationMs: Date.now() - started });
          console.log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
        } catch (error) {
          broken = name;
          const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
          results.push({ name, status: "failed", durationMs: Date.now() - started, error: message });
          console.log(`  ✗ ${name}\n${message.replace(/^/gm, "      ")}`);
        } finally {
          clearTimeout(timer);
        }
      }
      return results;
    },
  };
}

/** The JSON report, shaped like vitest's so the CI summary reads both the same way. */
export async function writeReport(file, results, setupError) {
  const failed = results.filter((r) => r.status === "failed").length + (setupError ? 1 : 0);
  const report = {
    numTotalTests: results.length + (setupError ? 1 : 0),
    numPassedTests: results.filter((r) => r.status === "passed").length,
    numFailedTests: failed,
    success: failed === 0,
    testResults: [
      ...(setupError ? [{ name: "start the servers and the browser", status: "failed", error: String(setupError.stack ?? setupError) }] : []),
      ...results,
    ],
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
