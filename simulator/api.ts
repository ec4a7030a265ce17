/**
 * The simulated Qovery REST API. Every route runs through one pipeline: token → tenant, added latency, rate limit,
 * injected faults, the handler, and the tenant's call log.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { takeFault, takeToken, type FaultSpec } from "./faults.ts";
import { QoveryApiFailure, type TenantData } from "./model.ts";
import { environmentJson, environmentVariableJson, organizationJson, projectJson, secretJson } from "./serialize.ts";
import type { CallLogEntry, SimTenant } from "./tenant.ts";
import {
  createAlias,
  createOverride,
  createVariable,
  deleteVariable,
  editVariable,
  visibleRows,
  type StoreContext,
  type VariableParent,
} from "./variables.ts";

export interface ApiRuntime {
  tenantForToken(token: string): SimTenant | undefined;
  nowMs(): number;
  timestamp(): string;
  newId(): string;
  sleep(ms: number): Promise<void>;
  /** a held response is released when the caller aborts, or after this long at the latest */
  maxHoldMs: number;
}

interface HandlerInput {
  tenant: SimTenant;
  params: Record<string, string>;
  query: URLSearchParams;
  readBody: () => Promise<unknown>;
}

interface ApiResult {
  status: number;
  body: unknown;
}

type Handler = (input: HandlerInput) => ApiResult | Promise<ApiResult>;

type Method = "GET" | "POST" | "PUT" | "DELETE";


const ok = (body: unknown): ApiResult => ({ status: 200, body });
const created = (body: unknown): ApiResult => ({ status: 201, body });
const NO_CONTENT: ApiResult = { status: 204, body: null };

const failureResult = (failure: QoveryApiFailure): ApiResult => ({ status: failure.status, body: failure.body() });

function toResponse(result: ApiResult, headers: Record<string, string> = {}): Response {
  if (result.body === null) return new Response(null, { status: result.status, headers });
  return Response.json(result.body, { status: result.status, headers });
}

/** `Authorization: Token <token>`; anything else is no credential at all. */
function tokenOf(header: string | undefined): string | null {
  const match = /^Token\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

function faultResponse(fault: Extract<FaultSpec, { type: "status" }>, nowMs: number): Response {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers["Retry-After"] = String(fault.retryAfterSeconds);
  if (fault.rateLimitResetSeconds !== undefined) {
    headers["X-RateLimit-Reset"] = String(Math.ceil(nowMs / 1000) + fault.rateLimitResetSeconds);
  }
  // A gateway in front of the API answers 502 with HTML, not with Qovery's JSON body.
  if (fault.status === 502) {
    return new Response("<html><body><h1>502 Bad Gateway</h1></body></html>", {
      status: 502,
      headers: { ...headers, "Content-Type": "text/html" },
    });
  }
  const detail = fault.status === 429 ? "Rate limit exceeded" : "Simulated upstream failure";
  return toResponse({ status: fault.status, body: new QoveryApiFailure(fault.status, detail).body() }, headers);
}

function waitForAbort(signal: AbortSignal, maxMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return Promise.race([new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })), sleep(maxMs)]);
}

function paginate(tenant: SimTenant, query: URLSearchParams, items: unknown[]): ApiResult {
  const pageSize = tenant.config.pageSize;
  if (pageSize === null) return ok({ results: items });
  const page = Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1);
  const start = (page - 1) * pageSize;
  return ok({
    results: items.slice(start, start + pageSize),
    pagination: { page, page_size: pageSize, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / pageSize)) },
  });
}

function outsideOrganization(tenant: SimTenant): QoveryApiFailure {
  return tenant.config.unknownIdStatus === 403
    ? new QoveryApiFailure(403, "Access forbidden")
    : new QoveryApiFailure(404, "Resource not found");
}

function requireOrganization(tenant: SimTenant, id: string) {
  if (tenant.data.organization.id !== id) throw outsideOrganization(tenant);
  return tenant.data.organization;
}

function requireProject(tenant: SimTenant, id: string) {
  const project = tenant.data.projects.get(id);
  if (!project) throw outsideOrganization(tenant);
  return project;
}

function requireEnvironment(tenant: SimTenant, id: string) {
  const env = tenant.data.environments.get(id);
  if (!env) throw outsideOrganization(tenant);
  return env;
}

function requireParent(tenant: SimTenant, parent: VariableParent): void {
  if (parent.kind === "project") requireProject(tenant, parent.id);
  else requireEnvironment(tenant, parent.id);
}

const description = z.string().max(255, "description must be at most 255 characters").nullable().optional();

const createBody = z.object({
  key: z.string({ error: "key is required" }),
  value: z.string().optional(),
  mount_path: z.string().nullable().optional(),
  description,
  enable_interpolation_in_file: z.boolean().nullable().optional(),
});

const editBody = z.object({
  key: z.string({ error: "key is required" }),
  value: z.string().nullable().optional(),
  description,
  enable_interpolation_in_file: z.boolean().nullable().optional(),
});

const aliasBody = z.object({ key: z.string({ error: "key is required" }), description });
const overrideBody = z.object({ value: z.string().optional(), description });

async function parseBody<T extends z.ZodType>(schema: T, readBody: () => Promise<unknown>): Promise<z.output<T>> {
  let raw: unknown;
  try {
    raw = await readBody();
  } catch {
    throw new QoveryApiFailure(400, "Request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new QoveryApiFailure(400, issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message);
  }
  return parsed.data;
}

const honoPath = (template: string) => template.replace(/\{(\w+)\}/g, ":$1");

export function registerQoveryApi(app: Hono, runtime: ApiRuntime): void {
  const storeContext = (data: TenantData): StoreContext => ({ data, timestamp: runtime.timestamp, newId: runtime.newId });

  async function serve(c: Context, method: string, template: string | null, handler: Handler | null): Promise<Response> {
    const url = new URL(c.req.url);
    const token = tokenOf(c.req.header("authorization"));
    const tenant = token ? runtime.tenantForToken(token) : undefined;
    const unauthorized = new QoveryApiFailure(401, "Access token is missing or invalid");
    if (!tenant) return toResponse(failureResult(unauthorized));

    const log = (status: number | null, delivered: boolean, fault: CallLogEntry["fault"]) =>
      tenant.logCall({ method, path: url.pathname, query: url.search.slice(1), pathTemplate: template, status, delivered, fault });
    const respond = (response: Response, fault: CallLogEntry["fault"] = null) => {
      log(response.status, true, fault);
      return response;
    };
    const hold = () => waitForAbort(c.req.raw.signal, runtime.maxHoldMs, runtime.sleep);

    if (!tenant.tokens.get(token!)) return respond(toResponse(failureResult(unauthorized)));
    if (tenant.config.latencyMs > 0) await runtime.sleep(tenant.config.latencyMs);

    const rateHeaders: Record<string, string> = {};
    if (tenant.config.rateLimit) {
      const decision = takeToken(tenant.config.rateLimit, tenant.bucket, runtime.nowMs());
      tenant.bucket = decision.bucket;
      rateHeaders["X-RateLimit-Limit"] = String(tenant.config.rateLimit.limit);
      rateHeaders["X-RateLimit-Remaining"] = String(decision.remaining);
      rateHeaders["X-RateLimit-Reset"] = String(Math.ceil(decision.resetAtMs / 1000));
      if (!decision.allowed) {
        rateHeaders["Retry-After"] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
        const refused = new QoveryApiFailure(429, "Rate limit exceeded");
        return respond(toResponse(failureResult(refused), rateHeaders), "rate-limit");
      }
    }

    const fault = takeFault(tenant.faults, method, template);
    if (fault?.type === "status" && !fault.afterCommit) return respond(faultResponse(fault, runtime.nowMs()), "status");
    if (fault?.type === "hang") {
      log(null, false, "hang");
      await hold();
      return new Response(null, { status: 504 });
    }

    let result: ApiResult;
    if (!handler) {
      result = failureResult(new QoveryApiFailure(404, "Resource not found"));
    } else {
      try {
        result = await handler({
          tenant,
          params: c.req.param() as Record<string, string>,
          query: url.searchParams,
          readBody: () => c.req.json(),
        });
      } catch (error) {
        if (!(error instanceof QoveryApiFailure)) throw error;
        result = failureResult(error);
      }
    }

    if (fault?.type === "status") return respond(faultResponse(fault, runtime.nowMs()), "status-after-commit");
    if (fault?.type === "timeout-after-commit") {
      log(result.status, false, "timeout-after-commit");
      await hold();
    } else {
      log(result.status, true, null);
    }
    return toResponse(result, rateHeaders);
  }

  const route = (method: Method, template: string, handler: Handler) =>
    app.on(method, honoPath(template), (c) => serve(c, method, template, handler));

  route("GET", "/organization", ({ tenant, query }) => paginate(tenant, query, [organizationJson(tenant.data.organization)]));
  route("GET", "/organization/{organizationId}", ({ tenant, params }) =>
    ok(organizationJson(requireOrganization(tenant, params.organizationId!))),
  );
  route("GET", "/organization/{organizationId}/project", ({ tenant, params, query }) => {
    const org = requireOrganization(tenant, params.organizationId!);
    const projects = [...tenant.data.projects.values()].filter((p) => p.organizationId === org.id);
    return paginate(tenant, query, projects.map((p) => projectJson(tenant.data, p)));
  });
  route("GET", "/project/{projectId}", ({ tenant, params }) => ok(projectJson(tenant.data, requireProject(tenant, params.projectId!))));
  route("GET", "/project/{projectId}/environment", ({ tenant, params, query }) => {
    const project = requireProject(tenant, params.projectId!);
    const environments = [...tenant.data.environments.values()].filter((env) => env.projectId === project.id);
    return paginate(tenant, query, environments.map((env) => environmentJson(tenant.data, env)));
  });
  route("GET", "/environment/{environmentId}", ({ tenant, params }) =>
    ok(environmentJson(tenant.data, requireEnvironment(tenant, params.environmentId!))),
  );

  const parents = [
    { kind: "project", idParam: "projectId" },
    { kind: "environment", idParam: "environmentId" },
  ] as const;
  const families = [
    { segment: "environmentVariable", itemParam: "environmentVariableId", isSecret: false, toJson: environmentVariableJson },
    { segment: "secret", itemParam: "secretId", isSecret: true, toJson: secretJson },
  ] as const;

  for (const { kind, idParam } of parents) {
    for (const { segment, itemParam, isSecret, toJson } of families) {
      const collection = `/${kind}/{${idParam}}/${segment}`;
      const item = `${collection}/{${itemParam}}`;
      const parentOf = (tenant: SimTenant, params: Record<string, string>): VariableParent => {
        const parent = { kind, id: params[idParam]! };
        requireParent(tenant, parent);
        return parent;
      };

      route("GET", collection, ({ tenant, params, query }) => {
        const rows = visibleRows(tenant.data, parentOf(tenant, params), isSecret);
        return paginate(tenant, query, rows.map((row) => toJson(tenant.data, row)));
      });
      route("POST", collection, async ({ tenant, params, readBody }) => {
        const parent = parentOf(tenant, params);
        const body = await parseBody(createBody, readBody);
        const row = createVariable(storeContext(tenant.data), parent, isSecret, {
          key: body.key,
          value: body.value ?? "",
          description: body.description ?? null,
          mountPath: body.mount_path ?? null,
          enableInterpolationInFile: body.enable_interpolation_in_file ?? null,
        });
        return created(toJson(tenant.data, row));
      });
      route("PUT", item, async ({ tenant, params, readBody }) => {
        const parent = parentOf(tenant, params);
        const body = await parseBody(editBody, readBody);
        const row = editVariable(storeContext(tenant.data), parent, isSecret, params[itemParam]!, {
          key: body.key,
          value: body.value ?? null,
          description: body.description,
          enableInterpolationInFile: body.enable_interpolation_in_file,
        });
        return ok(toJson(tenant.data, row));
      });
      route("DELETE", item, ({ tenant, params }) => {
        deleteVariable(storeContext(tenant.data), parentOf(tenant, params), isSecret, params[itemParam]!);
        return NO_CONTENT;
      });
      route("POST", `${item}/alias`, async ({ tenant, params, readBody }) => {
        const parent = parentOf(tenant, params);
        const body = await parseBody(aliasBody, readBody);
        const row = createAlias(storeContext(tenant.data), parent, isSecret, params[itemParam]!, {
          key: body.key,
          description: body.description ?? null,
        });
        return created(toJson(tenant.data, row));
      });
      route("POST", `${item}/override`, async ({ tenant, params, readBody }) => {
        const parent = parentOf(tenant, params);
        const body = await parseBody(overrideBody, readBody);
        const row = createOverride(storeContext(tenant.data), parent, isSecret, params[itemParam]!, {
          value: body.value ?? "",
          description: body.description ?? null,
        });
        return created(toJson(tenant.data, row));
      });
    }
  }

  app.notFound((c) => serve(c, c.req.method.toUpperCase(), null, null));
}
