/** Worker entry: HTTP API. Queue consumer and cron handler join here as the sync engine lands. */
import { createApp } from "./app";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
