/** Worker entry: the HTTP API, the queue consumer (sync runs, auto-sync, drift checks) and the cron fan-out. */
import { createApp } from "./app";
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
    const report = await fanOutReconciliation(triggerDeps(env), controller.scheduledTime);
    createLogger({ cron: controller.cron }, env.LOG_LEVEL).info("reconciliation_fanned_out", { ...report });
  },
} satisfies ExportedHandler<Env, QueueJob>;
