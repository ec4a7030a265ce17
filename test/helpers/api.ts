/** Drives the Worker under test through its real fetch handler, like an HTTP client would. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createApp } from "../../src/app";
import { webhookHeaders } from "../../src/lib/webhook-signature";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
}

export const adminToken = () => env.ADMIN_TOKEN;

export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  return responseOf<T>(await exports.default.fetch(buildRequest(method, path, options)));
}

/**
 * Like `call`, through the app with some bindings replaced (e.g. another ENCRYPTION_KEY). Work it queues still runs
 * in the real consumer, with the real bindings.
 */
export async function callWithBindings<T = any>(
  bindings: Partial<Env>,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse<T>> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(buildRequest(method, path, options), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return responseOf<T>(res);
}

function buildRequest(method: string, path: string, options: CallOptions): Request {
  const url = new URL(path, "https://sync.test");
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const headers = new Headers(options.headers);
  const token = options.token === undefined ? env.ADMIN_TOKEN : options.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set("content-type", "application/json");
  } else if (body !== undefined && !headers.has("content-type")) {
    headers.set("content-type", "application/json");
  }
  return new Request(url, { method, headers, body });
}

async function responseOf<T>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (e.g. the docs page); keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export const api = {
  get: <T = any>(path: string, o?: CallOptions) => call<T>("GET", path, o),
  post: <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>("POST", path, { ...o, body }),
  patch: <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>("PATCH", path, { ...o, body }),
  put: <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>("PUT", path, { ...o, body }),
  delete: <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>("DELETE", path, { ...o, body }),
};

let counter = 0;
/** A unique suffix so tests sharing a file's storage never collide. */
export const unique = (prefix = "t") => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export async function createProject(name = unique("project")) {
  const res = await api.post("/api/v1/projects", { projectName: name });
  if (res.status !== 200) throw new Error(`createProject failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.project as { id: string; slug: string; name: string; environments: { id: string; slug: string; name: string }[] };
}

export async function createToken(scopes: string[], projectId?: string, extra: Record<string, unknown> = {}) {
  const res = await api.post("/api/v1/api-tokens", { name: unique("token"), scopes, projectId, ...extra });
  if (res.status !== 200) throw new Error(`createToken failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { token: string; apiToken: { id: string } };
}

/** Posts `payload` to the webhook receiver for `endpoint`, signed now with its secret as a Standard Webhooks sender would. */
export async function sendSignedNotice(endpoint: { id: string; secret: string }, payload: unknown, headers: Record<string, string> = {}) {
  const body = JSON.stringify(payload);
  const signature = await webhookHeaders(endpoint.secret, `msg_${crypto.randomUUID()}`, body);
  return call("POST", "/api/v1/webhooks/secret-changes", { token: null, rawBody: body, headers: { ...signature, ...headers }, query: { endpointId: endpoint.id } });
}
