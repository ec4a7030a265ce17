/** Worker entry: the HTTP API, and the queue consumer that runs sync jobs against Qovery. */
import { createApp } from "./app";
import type { QueueJob } from "./queue/messages";
import { handleQueueBatch } from "./queue/consumer";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: handleQueueBatch,
} satisfies ExportedHandler<Env, QueueJob>;
