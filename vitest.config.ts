import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { createQoverySimulator } from "./simulator/index.ts";
import { ACCESS_TEAM_SUFFIX, createAccessTeams } from "./test/support/access-team.ts";
import { createRecordingReceiver, RECEIVER_HOST } from "./test/support/recording-receiver.ts";

const migrationsDir = fileURLToPath(new URL("./migrations", import.meta.url));

/** Test-only secrets; real ones come from `wrangler secret put` or .dev.vars. */
export const TEST_ENCRYPTION_KEY = "dGVzdC1vbmx5LWtleS0zMi1ieXRlcy1sb25nLS0tLS0=";
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdefghijklmnop";
/** The Cloudflare Access team and application the tests' Worker trusts (a fake team, see test/support/access-team.ts). */
export const TEST_ACCESS_TEAM_DOMAIN = "sync-tests.cloudflareaccess.com";
export const TEST_ACCESS_AUD = "b3a1c0f7e2d94a8c9f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a29180";
export const TEST_ADMIN_EMAILS = "root@example.com, Ops@Example.com";
// wrangler reads declared secrets from process.env; setting them here keeps its "missing secret" warning quiet.
process.env.ENCRYPTION_KEY = TEST_ENCRYPTION_KEY;
process.env.ADMIN_TOKEN = TEST_ADMIN_TOKEN;

// One simulator for the whole run; test files stay apart by each creating their own tenant. Aborts made inside
// workerd do not reach outboundService, so held responses ("hang", "timeout-after-commit") are released after a
// second instead of lingering until the run ends.
const qoverySimulator = createQoverySimulator({ maxHoldMs: 1_000 });
// Outbound webhook notifications to host `receiver.test` are recorded in memory instead (see the file).
const recordingReceiver = createRecordingReceiver();
// Signing-key requests to any `*.cloudflareaccess.com` team are answered by fake teams the tests control.
const accessTeams = createAccessTeams();
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      remoteBindings: false,
      miniflare: {
        bindings: {
          MIGRATIONS: await readD1Migrations(migrationsDir),
          ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          LOG_LEVEL: "warn",
          // The simulator releases held responses after a second; the engine must give up before that.
          SYNC_QOVERY_TIMEOUT_MS: "400",
          SYNC_RETRY_BASE_SECONDS: "1",
          AUTO_SYNC_DEBOUNCE_SECONDS: "1",
          WEBHOOK_RETRY_BASE_SECONDS: "1",
          ACCESS_TEAM_DOMAIN: TEST_ACCESS_TEAM_DOMAIN,
          ACCESS_AUD: TEST_ACCESS_AUD,
          ADMIN_EMAILS: TEST_ADMIN_EMAILS,
        },
        // Every outbound fetch made inside workerd (by tests or the Worker) lands in the simulator, whatever the host,
        // except webhook notifications to the recording receiver's host and key-set requests to Access teams.
        outboundService: (request: Request) => {
          const host = new URL(request.url).hostname;
          if (host === RECEIVER_HOST) return recordingReceiver.fetch(request);
          if (host.endsWith(ACCESS_TEAM_SUFFIX)) return accessTeams.fetch(request);
          return qoverySimulator.fetch(request);
        },
        // Deliver queued sync jobs at once, so tests observe the real consumer without waiting out batch timeouts.
        queueConsumers: { "secret-sync-jobs": { maxBatchTimeout: 0.05 }, "secret-sync-jobs-dlq": { maxBatchTimeout: 0.05 } },
      },
    }),
  ],
  test: {
    setupFiles: ["./test/setup/migrate.ts", "./test/setup/d1-guard.ts"],
    // The Infisical SDK (test/store/sdk.test.ts) imports AWS's Node-only credential chain at load time.
    alias: { "@aws-sdk/credential-providers": fileURLToPath(new URL("./test/helpers/aws-credential-providers-stub.ts", import.meta.url)) },
    // The JSON report is what .ci/run reads to print its "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
  },
}));
