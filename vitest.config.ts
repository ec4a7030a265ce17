import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrationsDir = fileURLToPath(new URL("./migrations", import.meta.url));

/** Test-only secrets; real ones come from `wrangler secret put` or .dev.vars. */
export const TEST_ENCRYPTION_KEY = "dGVzdC1vbmx5LWtleS0zMi1ieXRlcy1sb25nLS0tLS0=";
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";
// wrangler reads declared secrets from process.env; setting them here keeps its "missing secret" warning quiet.
process.env.ENCRYPTION_KEY = TEST_ENCRYPTION_KEY;
process.env.ADMIN_TOKEN = TEST_ADMIN_TOKEN;

let hits = 0;
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
        },
        outboundService: async (req: Request) => { hits++; return Response.json({ url: req.url, hits }); },
      },
    }),
  ],
  test: { setupFiles: ["./test/setup/migrate.ts"] },
}));
