/**
 * A pass-through HTTP proxy in front of the Qovery simulator that timestamps every call. The simulator's own call log
 * (`/__sim/tenants/:id/calls`) is the authority for what was called; it carries no times, so this tap adds them:
 * when each call started and ended, which is what shows how long a sync spends between its queue invocations.
 * Both the engine and the reference client go through it, so both pay its small per-call cost (well under 1 ms).
 */
import { Agent, createServer, request as httpRequest } from "node:http";

/** `upstream`: the simulator's base URL. Entries hold method, path, status and start/end times (ms, performance.now). */
export async function startQoveryTap(upstream) {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let entries = [];

  const server = createServer((req, res) => {
    const entry = { method: req.method, path: req.url.split("?")[0], status: null, start: performance.now(), end: null };
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
        upstreamRes.on("end", () => {
          entry.status = upstreamRes.statusCode ?? null;
          entry.end = performance.now();
          entries.push(entry);
        });
      },
    );
    forward.on("error", (error) => {
      entry.end = performance.now();
      entries.push(entry);
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`qovery tap: ${error.message}`);
    });
    req.pipe(forward);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    /** the calls recorded since the last `take()`, in completion order; the buffer starts over */
    take() {
      const taken = entries.sort((a, b) => a.end - b.end);
      entries = [];
      return taken;
    },
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
