/**
 * Worker entry for running the simulator on its own (`npx wrangler dev -c simulator/wrangler.toml --port 8788`).
 * State lives in module scope, so it lasts as long as the dev isolate: restart wrangler for a clean slate, or use
 * `POST /__sim/tenants/default/reset`.
 */
import { createQoverySimulator, type QoverySimulator } from "./index.ts";

// Created on the first request: during module evaluation workerd's clock reads 1970, which would stamp the seed rows.
let simulator: QoverySimulator | undefined;

export default {
  fetch: (request: Request) => (simulator ??= createQoverySimulator()).fetch(request),
} satisfies ExportedHandler;
