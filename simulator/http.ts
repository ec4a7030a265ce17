/** What every route module of the simulated API shares: results, body parsing, lookups and the tenant's contexts. */
import { z } from "zod";
import { takeDeploymentFault } from "./faults.ts";
import { QoveryApiFailure, type ServiceType, type SimService } from "./model.ts";
import type { ActionContext } from "./services.ts";
import type { SimTenant } from "./tenant.ts";
import { servicesSeeing, type StoreContext } from "./variables.ts";

export interface HandlerInput {
  tenant: SimTenant;
  params: Record<string, string>;
  query: URLSearchParams;
  /** the raw request body */
  readBody: () => Promise<string>;
}

export interface ApiResult {
  status: number;
  body: unknown;
}

export type Handler = (input: HandlerInput) => ApiResult | Promise<ApiResult>;
export type Method = "GET" | "POST" | "PUT" | "DELETE";
/** Registers a handler under a path template such as `/environment/{environmentId}/secret` (the call log's name). */
export type Route = (method: Method, template: string, handler: Handler) => void;

export const description = z.string().max(255, "description must be at most 255 characters").nullable().optional();

export const ok = (body: unknown): ApiResult => ({ status: 200, body });
export const created = (body: unknown): ApiResult => ({ status: 201, body });
export const accepted = (body: unknown): ApiResult => ({ status: 202, body });
export const NO_CONTENT: ApiResult = { status: 204, body: null };

export const failureResult = (failure: QoveryApiFailure): ApiResult => ({ status: failure.status, body: failure.body() });

export function toResponse(result: ApiResult, headers: Record<string, string> = {}): Response {
  if (result.body === null) return new Response(null, { status: result.status, headers });
  return Response.json(result.body, { status: result.status, headers });
}

/** Reads a JSON body; `allowEmpty` treats no body (or `null`) as `{}`, as Qovery does on its action endpoints. */
export async function parseBody<T extends z.ZodType>(schema: T, readBody: () => Promise<string>, allowEmpty = false): Promise<z.output<T>> {
  const text = await readBody();
  let raw: unknown;
  try {
    raw = allowEmpty && text.trim() === "" ? null : JSON.parse(text);
  } catch {
    throw new QoveryApiFailure(400, "Request body is not valid JSON");
  }
  if (allowEmpty) raw ??= {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new QoveryApiFailure(400, issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message);
  }
  return parsed.data;
}

export function paginate(tenant: SimTenant, query: URLSearchParams, items: unknown[]): ApiResult {
  const pageSize = tenant.config.pageSize;
  if (pageSize === null) return ok({ results: items });
  const page = Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1);
  const start = (page - 1) * pageSize;
  return ok({
    results: items.slice(start, start + pageSize),
    pagination: { page, page_size: pageSize, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / pageSize)) },
  });
}

export function outsideOrganization(tenant: SimTenant): QoveryApiFailure {
  return tenant.config.unknownIdStatus === 403
    ? new QoveryApiFailure(403, "Access forbidden")
    : new QoveryApiFailure(404, "Resource not found");
}

export function requireOrganization(tenant: SimTenant, id: string) {
  if (tenant.data.organization.id !== id) throw outsideOrganization(tenant);
  return tenant.data.organization;
}

export function requireProject(tenant: SimTenant, id: string) {
  const project = tenant.data.projects.get(id);
  if (!project) throw outsideOrganization(tenant);
  return project;
}

export function requireEnvironment(tenant: SimTenant, id: string) {
  const env = tenant.data.environments.get(id);
  if (!env) throw outsideOrganization(tenant);
  return env;
}

/** A service of this type; an id of another type is as unknown as a foreign one. */
export function requireService(tenant: SimTenant, id: string, type: ServiceType): SimService {
  const service = tenant.data.services.get(id);
  if (!service || service.type !== type) throw outsideOrganization(tenant);
  return service;
}

/** The store as one tenant's API calls change it: its clock stamps rows, and services learn about new configuration. */
export function storeContextFor(tenant: SimTenant, newId: () => string): StoreContext {
  return {
    data: tenant.data,
    timestamp: () => tenant.clock.timestamp(),
    newId,
    onChange: (parent) => {
      if (parent.kind !== "service" && !tenant.config.inheritedChangesOutdateServices) return;
      for (const service of servicesSeeing(tenant.data, parent)) service.configVersion += 1;
    },
  };
}

export function actionContextFor(tenant: SimTenant, newId: () => string): ActionContext {
  return {
    data: tenant.data,
    nowMs: tenant.clock.nowMs(),
    newId,
    timing: tenant.config.deployment,
    whileInProgress: tenant.config.deployWhileInProgress,
    outcomeFor: (service) => takeDeploymentFault(tenant.faults, service.id)?.outcome ?? "DEPLOYED",
  };
}
