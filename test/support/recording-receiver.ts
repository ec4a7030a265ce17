/**
 * A tiny in-memory webhook receiver for tests, served by vitest.config.ts's `outboundService` for host
 * `receiver.test` (everything else still goes to the Qovery simulator). Runs in the vitest (Node) process.
 *
 *   POST|PUT|… https://receiver.test/<inbox>/…        recorded; answers 204, or a programmed failure
 *   GET    https://receiver.test/__receiver/<inbox>   { requests: [{ method, path, headers, body, status, at }] }
 *   POST   https://receiver.test/__receiver/<inbox>/fail { count, status? }   the next `count` requests answer `status` (default 500)
 *   DELETE https://receiver.test/__receiver/<inbox>   forget the inbox
 *
 * Inboxes keep parallel test files apart: each test uses its own (e.g. a unique name).
 */
export const RECEIVER_HOST = "receiver.test";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

interface Inbox {
  requests: RecordedRequest[];
  failuresLeft: number;
  failureStatus: number;
}

export function createRecordingReceiver() {
  const inboxes = new Map<string, Inbox>();
  const inbox = (name: string) => {
    let found = inboxes.get(name);
    if (!found) inboxes.set(name, (found = { requests: [], failuresLeft: 0, failureStatus: 500 }));
    return found;
  };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  async function fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const [first, second, third] = url.pathname.split("/").filter(Boolean);
    if (first === "__receiver" && second) {
      if (request.method === "GET" && !third) return json({ requests: inbox(second).requests });
      if (request.method === "DELETE" && !third) {
        inboxes.delete(second);
        return new Response(null, { status: 204 });
      }
      if (request.method === "POST" && third === "fail") {
        const { count, status } = (await request.json()) as { count: number; status?: number };
        Object.assign(inbox(second), { failuresLeft: count, failureStatus: status ?? 500 });
        return new Response(null, { status: 204 });
      }
      return json({ error: "unknown control call" }, 404);
    }
    if (!first) return json({ error: "name an inbox in the path" }, 404);
    const box = inbox(first);
    const failing = box.failuresLeft > 0;
    if (failing) box.failuresLeft--;
    const status = failing ? box.failureStatus : 204;
    box.requests.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
      status,
      at: Date.now(),
    });
    return failing ? json({ error: "programmed failure" }, status) : new Response(null, { status });
  }

  return { fetch };
}
