/**
 * The simulated Qovery REST API. Every route runs through one pipeline: token → tenant, added latency, per-token
 * rate limits, injected faults, deployments settled on the tenant's clock, the handler, and the tenant's call log.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { registerServiceRoutes } from "./api-services.ts";
import { registerVariableRoutes } from "./api-variables.ts";
import { takeFault, type CallFault } from "./faults.ts";
import {
  created,
  failureResult,
  NO_CONTENT,
  ok,
  outsideOrganization,
  paginate,
  parseBody,
  requireEnvironment,
  requireOrganization,
  requireProject,
  storeContextFor,
  toResponse,
  type ApiResult,
  type Handler,
  type Method,
  type Route,
  description,
} from "./http.ts";
import { QoveryApiFailure, type ServiceType } from "./model.ts";
import { admit } from "./rate-limits.ts";
import { environmentJson, environmentVariableJson, organizationJson, projectJson, secretJson } from "./serialize.ts";
import { SERVICE_SEGMENTS } from "./services.ts";
import type { CallLogEntry, SimTenant } from "./tenant.ts";
import { createAlias, createOverride, createVariable, deleteVariable, editVariable, visibleRows, type VariableParent } from "./variables.ts";

export interface ApiRuntime {
  tenantForToken(token: string): SimTenant | undefined;
  newId(): string;
  sleep(ms: number): Promise<void>;
  /** a held response is released when the caller aborts, or after this long at the latest */
  maxHoldMs: number;
}

/** `Authorization: Token <token>`; anything else is no credential at all. */
function tokenOf(header: string | undefined): string | null {
  const match = /^Token\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

const FAULT_DETAIL: Partial<Record<number, string>> = {
  400: "Operation is in progress",
  409: "Operation is in progress",
  429: "Rate limit exceeded",
};

function faultResponse(fault: Extract<CallFault, { type: "status" }>, nowMs: number, rateHeaders: Record<string, string>): Response {
  const headers: Record<string, string> = { ...rateHeaders };
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
  const detail = fault.detail ?? FAULT_DETAIL[fault.status] ?? "Simulated upstream failure";
  return toResponse({ status: fault.status, body: new QoveryApiFailure(fault.status, detail).body() }, headers);
}

function waitForAbort(signal: AbortSignal, maxMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return Promise.race([new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })), sleep(maxMs)]);
}

function requireParent(tenant: SimTenant, parent: VariableParent, serviceType?: ServiceType): void {
  if (parent.kind === "project") requireProject(tenant, parent.id);
  else if (parent.kind === "environment") requireEnvironment(tenant, parent.id);
  else if (tenant.data.services.get(parent.id)?.type !== serviceType) throw outsideOrganization(tenant);
}

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

const honoPath = (template: string) => template.replace(/\{(\w+)\}/g, ":$1");

export function registerQoveryApi(app: Hono, runtime: ApiRuntime): void {
  const storeContext = (tenant: SimTenant) => storeContextFor(tenant, runtime.newId);

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

    const limits = { windowLimit: tenant.config.hourlyLimit, tokenBucket: tenant.config.rateLimit };
    const admission = admit(limits, tenant.usageOf(token!), tenant.clock.nowMs());
    const rateHeaders = admission.headers;
    if (admission.refusedBy) {
      const refused = new QoveryApiFailure(429, "Rate limit exceeded");
      return respond(toResponse(failureResult(refused), rateHeaders), admission.refusedBy);
    }

    const fault = takeFault(tenant.faults, method, template);
    if (fault?.type === "status" && !fault.afterCommit) return respond(faultResponse(fault, tenant.clock.nowMs(), rateHeaders), "status");
    if (fault?.type === "hang") {
      log(null, false, "hang");
      await hold();
      return new Response(null, { status: 504 });
    }

    let result: ApiResult;
    if (!handler) {
      result = failureResult(new QoveryApiFailure(404, "Resource not found"));
    } else {
      tenant.settle();
      try {
        result = await handler({
          tenant,
          params: c.req.param() as Record<string, string>,
          query: url.searchParams,
          readBody: () => c.req.text(),
        });
      } catch (error) {
        if (!(error instanceof QoveryApiFailure)) throw error;
        result = failureResult(error);
      }
    }

    if (fault?.type === "status") return respond(faultResponse(fault, tenant.clock.nowMs(), rateHeaders), "status-after-commit");
    if (fault?.type === "timeout-after-commit") {
      log(result.status, false, "timeout-after-commit");
      await hold();
    } else {
      log(result.status, true, null);
    }
    return toResponse(result, rateHeaders);
  }

  const route: Route = (method, template, handler) => app.on(method, honoPath(template), (c) => serve(c, method, template, handler));

  // First, so that its static path wins over `/environment/{environmentId}`.
  registerServiceRoutes(route, runtime.newId);
  registerVariableRoutes(route, runtime.newId);

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

  // Helm and terraform services have only the unified `/variable` API.
  const parents: { kind: VariableParent["kind"]; segment: string; idParam: string; serviceType?: ServiceType }[] = [
    { kind: "project", segment: "project", idParam: "projectId" },
    { kind: "environment", segment: "environment", idParam: "environmentId" },
    ...(["APPLICATION", "CONTAINER", "JOB"] as const).map((type) => ({
      kind: "service" as const,
      segment: SERVICE_SEGMENTS[type],
      idParam: `${SERVICE_SEGMENTS[type]}Id`,
      serviceType: type,
    })),
  ];
  const families = [
    { segment: "environmentVariable", itemParam: "environmentVariableId", isSecret: false, toJson: environmentVariableJson },
    { segment: "secret", itemParam: "secretId", isSecret: true, toJson: secretJson },
  ] as const;

  for (const { kind, segment: parentSegment, idParam, serviceType } of parents) {
    for (const { segment, itemParam, isSecret, toJson } of families) {
      const collection = `/${parentSegment}/{${idParam}}/${segment}`;
      const item = `${collection}/{${itemParam}}`;
      const parentOf = (tenant: SimTenant, params: Record<string, string>): VariableParent => {
        const parent = { kind, id: params[idParam]! };
        requireParent(tenant, parent, serviceType);
        return parent;
      };

      route("GET", collection, ({ tenant, params, query }) => {
        const rows = visibleRows(tenant.data, parentOf(tenant, params), isSecret);
        return paginate(tenant, query, rows.map((row) => toJson(tenant.data, row)));
      });
      route("POST", collection, async ({ tenant, params, readBody }) => {
        const parent = parentOf(tenant, params);
        const body = await parseBody(createBody, readBody);
        const row = createVariable(storeContext(tenant), parent, isSecret, {
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
        const row = editVariable(storeContext(tenant), parent, isSecret, params[itemParam]!, {
          key: body.key,
          value: body.value ?? null,
          description: body.description,
          enableInterpolationInFile: body.enable_interpolation_in_file,
        });
        return ok(toJson(tenant.data, row));
      });
      route("DELETE", item, ({ tenant, params }) => {
        deleteVariable(storeContext(tenant), parentOf(tenant, params), isSecret, params[itemParam]!);
        return NO_CONTENT;
      });
      route("POST", `${item}/alias`, async ({ tenant, params, readBody }) => {
        const parent = parentOf(tenant, params);
        const body = await parseBody(aliasBody, readBody);
        const row = createAlias(storeContext(tenant), parent, isSecret, params[itemParam]!, {
          key: body.key,
          description: body.description ?? null,
        });
        return created(toJson(tenant.data, row));
      });
      route("POST", `${item}/override`, async ({ tenant, params, readBody }) => {
        const parent = parentOf(tenant, params);
        const body = await parseBody(overrideBody, readBody);
        const row = createOverride(storeContext(tenant), parent, isSecret, params[itemParam]!, {
          value: body.value ?? "",
          description: body.description ?? null,
        });
        return created(toJson(tenant.data, row));
      });
    }
  }

  app.notFound((c) => serve(c, c.req.method.toUpperCase(), null, null));
}
