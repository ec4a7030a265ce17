/**
 * What can be observed of a local Worker's memory from outside:
 * - the JS heap of its isolate, through the DevTools protocol on wrangler's inspector port (`Runtime.getHeapUsage`);
 *   under `wrangler dev` one isolate serves both the HTTP API and the queue consumer, so this is the whole Worker's
 *   heap while a sync runs, not one invocation's — but it is the heap the 128 MB Workers limit applies to;
 * - the resident set of the workerd process that runs the Worker (Linux `/proc`), which also holds the runtime, the
 *   local D1 (SQLite) and the queue broker: an upper bound, not the Worker's own footprint.
 * Both are sampled (default every 100 ms), so short spikes between samples are missed.
 */
import { readFileSync, readdirSync } from "node:fs";

/** A DevTools-protocol session on wrangler dev's inspector proxy, or null when it cannot be reached. */
export async function connectInspector(inspectorPort, { timeoutMs = 5_000 } = {}) {
  let ws;
  try {
    // The inspector proxy only accepts local origins.
    ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`, { headers: { Origin: "http://localhost" } });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      ws.onopen = () => (clearTimeout(timer), resolve());
      ws.onerror = (event) => (clearTimeout(timer), reject(new Error(event.message ?? "websocket error")));
    });
  } catch {
    ws?.close();
    return null;
  }
  let nextId = 1;
  const pending = new Map();
  ws.onmessage = (event) => {
    const data = String(event.data);
    if (data.startsWith('{"method":"HeapProfiler.addHeapSnapshotChunk"')) return;
    const message = JSON.parse(data);
    const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
    if (waiter) {
      pending.delete(message.id);
      waiter(message);
    }
  };
  ws.onclose = () => {
    for (const waiter of pending.values()) waiter({ error: { message: "inspector closed" } });
    pending.clear();
  };
  const send = (method, params = {}, waitMs = timeoutMs) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => (pending.delete(id), reject(new Error(`${method}: no answer`))), waitMs);
      pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Runtime.enable");
    await send("Runtime.getHeapUsage");
  } catch {
    ws.close();
    return null;
  }
  return {
    /** bytes of JS heap in use */
    heapUsed: async () => (await send("Runtime.getHeapUsage")).usedSize,
    /** a full GC, so that a phase starts from the live heap, not from garbage of the previous one; false if refused */
    // workerd does not implement HeapProfiler.collectGarbage, but V8 runs a full GC before a heap snapshot: take one
    // and drop its chunks (~1 s for the API's heap).
    collectGarbage: () => send("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, 60_000).then(() => true, () => false),
    close: () => ws.close(),
  };
}

/** The workerd process running the user Worker of a `wrangler dev` process group (not wrangler's proxy on `publicPort`). */
export function findWorkerdPid(groupPid, publicPort) {
  const candidates = [];
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return null; // not Linux
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const afterName = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const pgid = Number(afterName[2]);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (pgid !== groupPid || comm !== "workerd") continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      candidates.push({ pid: Number(entry), isProxy: args.includes(`--socket-addr=entry=127.0.0.1:${publicPort}`) });
    } catch {
      // the process went away, or is not ours to read
    }
  }
  const user = candidates.filter((c) => !c.isProxy);
  return (user.length === 1 ? user[0] : candidates.length === 1 ? candidates[0] : undefined)?.pid ?? null;
}

/** Resident set size of a process in bytes, or null. */
export function rssOf(pid) {
  if (!pid) return null;
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples the isolate heap (when an inspector session is given) and the process RSS (when a pid is given) until
 * `stop()`, which answers the values at the start and the peaks, in bytes (null when not observable).
 */
export async function sampleWorkerMemory({ inspector, pid, intervalMs = 100 }) {
  const heapStart = inspector ? await inspector.heapUsed().catch(() => null) : null;
  const rssStart = rssOf(pid);
  let heapPeak = heapStart;
  let rssPeak = rssStart;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const rss = rssOf(pid);
      if (rss !== null) rssPeak = Math.max(rssPeak ?? 0, rss);
      if (inspector) {
        const heap = await inspector.heapUsed().catch(() => null);
        if (heap !== null) heapPeak = Math.max(heapPeak ?? 0, heap);
      }
    } finally {
      busy = false;
    }
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const heapEnd = inspector ? await inspector.heapUsed().catch(() => null) : null;
      if (heapEnd !== null) heapPeak = Math.max(heapPeak ?? 0, heapEnd);
      const rssEnd = rssOf(pid);
      if (rssEnd !== null) rssPeak = Math.max(rssPeak ?? 0, rssEnd);
      return { heapStart, heapPeak, rssStart, rssPeak };
    },
  };
}
