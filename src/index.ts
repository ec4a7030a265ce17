/** Worker entry: the HTTP API, the queue consumer (sync runs, auto-sync, drift checks) and the cron (fan-out, session pruning). */
import { createApp } from "./app";
import { pruneEndedSessions } from "./auth/sessions";
import { ConfigurationError, logLevelOf, readConfig } from "./config";
import { createDb } from "./db/client";
import { createLogger } from "./lib/logger";
import type { QueueJob } from "./queue/messages";
import { handleQueueBatch } from "./queue/consumer";
import { triggerDeps } from "./triggers/auto-sync";
import { fanOutReconciliation } from "./triggers/reconcile";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: handleQueueBatch,
  async scheduled(controller, env) {
    const config = readConfig(env);
    if (config instanceof ConfigurationError) {
      // nothing is fanned out or pruned until the configuration is fixed; the next cron run tries again
      createLogger({ cron: controller.cron }, logLevelOf(env)).error("configuration_invalid", { message: config.message });
      return;
    }
    const log = createLogger({ cron: controller.cron }, config.logLevel);
    const report = await fanOutReconciliation(triggerDeps(env), controller.scheduledTime);
    log.info("reconciliation_fanned_out", { ...report });
    const prunedSessions = await pruneEndedSessions(createDb(env.DB), controller.scheduledTime);
    log.info("console_sessions_pruned", { prunedSessions });
  },
} satisfies ExportedHandler<Env, QueueJob>;
