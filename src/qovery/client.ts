/**
 * The Qovery API client: the only code that speaks HTTP to Qovery. Every HTTP attempt is reported through
 * `onCall`; failures become typed `QoveryError`s; lists come back complete or not at all.
 *
 * Creates are not idempotent in Qovery (no idempotency keys; a repeated POST answers 409), so a create whose answer
 * was lost (timeout, network, 5xx) is never blindly repeated: the client lists the target first and returns the row
 * if the first try landed.
 */
import { z } from "zod";
import {
  QoveryConflictError,
  QoveryError,
  QoveryNetworkError,
  QoveryNotFoundError,
  QoveryTimeoutError,
  QoveryUpstreamError,
  errorForStatus,
  extractDetail,
  type QoveryCallContext,
} from "./errors";
import { DEFAULT_RETRY_POLICY, isAmbiguous, retryDelayMs, serverRetryDelayMs } from "./retry";
import {
  OWN_SCOPE,
  type QoveryClientOptions,
  type QoveryEnvironment,
  type QoveryOrganization,
  type QoveryProject,
  type QoveryVariable,
  type RetryPolicy,
  type VariableTarget,
} from "./types";

export interface QoveryClient {
  /** also the cheap way to validate a token (401 → QoveryAuthError) */
  listOrganizations(): Promise<QoveryOrganization[]>;
  getOrganization(organizationId: string): Promise<QoveryOrganization>;
  listProjects(organizationId: string): Promise<QoveryProject[]>;
  listEnvironments(projectId: string): Promise<QoveryEnvironment[]>;
  /** every row the list at the target returns, inherited rows (other `scope`) included */
  listVariables(target: VariableTarget): Promise<QoveryVariable[]>;
  createVariable(input: VariableTarget & { key: string; value: string }): Promise<QoveryVariable>;
  updateVariable(input: VariableTarget & { id: string; key: string; value: string }): Promise<QoveryVariable>;
  /** resolves when the row is gone, including when it was already gone (404) */
  deleteVariable(input: VariableTarget & { id: string }): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_PAGES = 1000;

/** Path template of a variable family, e.g. `/environment/{environmentId}/secret`. */
export function variableCollectionTemplate(target: Pick<VariableTarget, "scope" | "kind">): string {
  const family = target.kind === "secret" ? "secret" : "environmentVariable";
  return `/${target.scope}/{${target.scope}Id}/${family}`;
}

export function variableItemTemplate(target: Pick<VariableTarget, "scope" | "kind">): string {
  return `${variableCollectionTemplate(target)}/{${target.kind === "secret" ? "secretId" : "environmentVariableId"}}`;
}

const paginationSchema = z.object({ page: z.number(), page_size: z.number(), total_count: z.number(), total_pages: z.number() });
const listPageSchema = z.object({ results: z.array(z.unknown()), pagination: paginationSchema.nullish() });

const organizationSchema = z.object({ id: z.string(), name: z.string() }).transform(({ id, name }): QoveryOrganization => ({ id, name }));
const projectSchema = z
  .object({ id: z.string(), name: z.string(), organization: z.object({ id: z.string() }).nullish() })
  .transform((p): QoveryProject => ({ id: p.id, name: p.name, organizationId: p.organization?.id ?? null }));
const environmentSchema = z
  .object({ id: z.string(), name: z.string(), project: z.object({ id: z.string() }).nullish(), mode: z.string().nullish() })
  .transform((e): QoveryEnvironment => ({ id: e.id, name: e.name, projectId: e.project?.id ?? null, mode: e.mode ?? null }));
const variableSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    value: z.string().nullish(),
    scope: z.string(),
    variable_type: z.string().nullish(),
    created_at: z.string(),
    updated_at: z.string().nullish(),
  })
  .transform(
    (v): QoveryVariable => ({
      id: v.id,
      key: v.key,
      value: v.value ?? null,
      scope: v.scope,
      variableType: v.variable_type ?? null,
      createdAt: v.created_at,
      updatedAt: v.updated_at ?? null,
    }),
  );

interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  pathTemplate: string;
  params: Record<string, string>;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  /** values sent in the body that must never show up in an error message */
  sensitive?: string[];
}

/** Called after an ambiguous failure of a non-idempotent request: the result if the failed try landed after all. */
type LandedCheck<T> = () => Promise<T | undefined>;

function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}

export function createQoveryClient(options: QoveryClientOptions): QoveryClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };

  /** One HTTP attempt: the parsed JSON body of a 2xx answer (null when empty), or a typed error. */
  async function attemptOnce(spec: RequestSpec, attempt: number): Promise<unknown> {
    const path = fillPath(spec.pathTemplate, spec.params);
    const call: QoveryCallContext = { method: spec.method, pathTemplate: spec.pathTemplate };
    const url = `${baseUrl}${path}${spec.query ? `?${new URLSearchParams(spec.query)}` : ""}`;
    const headers: Record<string, string> = { Authorization: `Token ${options.token}`, Accept: "application/json" };
    if (spec.body) headers["Content-Type"] = "application/json";

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = Date.now();
    const report = (status: number | null, failure?: "timeout" | "network") =>
      options.onCall?.({ method: spec.method, pathTemplate: spec.pathTemplate, path, status, durationMs: Date.now() - started, attempt, ...(failure ? { failure } : {}) });

    let status: number;
    let headersIn: Headers;
    let bodyText: string;
    try {
      const response = await send(
        new Request(url, {
          method: spec.method,
          headers,
          body: spec.body ? JSON.stringify(spec.body) : undefined,
          signal: controller.signal,
          // a redirect would carry the token to wherever it points
          redirect: "manual",
        }),
      );
      status = response.status;
      headersIn = response.headers;
      bodyText = await response.text();
    } catch (error) {
      if (controller.signal.aborted) {
        report(null, "timeout");
        throw new QoveryTimeoutError(call, timeoutMs);
      }
      report(null, "network");
      throw new QoveryNetworkError(call, error instanceof Error ? error.message : "request failed");
    } finally {
      clearTimeout(timer);
    }

    report(status);
    if (status >= 200 && status < 300) {
      if (!bodyText) return null;
      try {
        return JSON.parse(bodyText);
      } catch {
        throw new QoveryUpstreamError(call, status, "the answer is not JSON");
      }
    }
    const detail = extractDetail(bodyText, [options.token, ...(spec.sensitive ?? [])]);
    throw errorForStatus(call, status, detail, status === 429 ? serverRetryDelayMs(headersIn, policy.now()) : null);
  }

  /** Attempts with retries; for a non-idempotent request, `landed` is consulted before any repeat. */
  async function request<T>(spec: RequestSpec, parse: (body: unknown) => T, landed?: LandedCheck<T>): Promise<T> {
    const idempotent = spec.method !== "POST";
    let previousTryMayHaveLanded = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return parse(await attemptOnce(spec, attempt));
      } catch (error) {
        if (!(error instanceof QoveryError)) throw error;
        // A conflict on a repeated create is the earlier try showing up: find it rather than report a conflict.
        if (error instanceof QoveryConflictError && previousTryMayHaveLanded && landed) {
          const row = await landed();
          if (row !== undefined) return row;
        }
        const mayHaveLanded = !idempotent && landed !== undefined && isAmbiguous(error);
        const delay = retryDelayMs(error, attempt, policy, idempotent || landed !== undefined);
        if (delay !== null) await policy.sleep(delay);
        if (mayHaveLanded) {
          previousTryMayHaveLanded = true;
          const row = await landed();
          if (row !== undefined) return row;
        }
        if (delay === null) throw error;
      }
    }
  }

  function parseWith<T>(schema: z.ZodType<T>, call: QoveryCallContext) {
    return (body: unknown): T => {
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new QoveryUpstreamError(call, 200, "the answer does not have the expected shape");
      return parsed.data;
    };
  }

  /** A list in either shape: `{results}` is complete; with `pagination`, pages are followed up to `maxPages`. */
  async function list<T>(spec: Omit<RequestSpec, "method" | "query">, item: z.ZodType<T>): Promise<T[]> {
    const call = { method: "GET", pathTemplate: spec.pathTemplate };
    const parsePage = parseWith(listPageSchema, call);
    const first = await request({ ...spec, method: "GET" }, parsePage);
    const rows = [...first.results];
    let totalPages = first.pagination?.total_pages ?? 1;
    const pageSize = first.pagination?.page_size;
    for (let page = 2; page <= totalPages; page++) {
      if (page > maxPages) throw new QoveryUpstreamError(call, null, `the list has more than ${maxPages} pages; refusing to use a partial list`);
      const query: Record<string, string> = { page: String(page) };
      if (pageSize !== undefined) query.page_size = String(pageSize);
      const next = await request({ ...spec, method: "GET", query }, parsePage);
      rows.push(...next.results);
      totalPages = next.pagination?.total_pages ?? totalPages;
    }
    const parseItem = parseWith(item, call);
    return rows.map(parseItem);
  }

  const parentParams = (target: VariableTarget) => ({ [`${target.scope}Id`]: target.parentId });
  const itemParams = (target: VariableTarget, id: string) => ({
    ...parentParams(target),
    [target.kind === "secret" ? "secretId" : "environmentVariableId"]: id,
  });

  const listVariables = (target: VariableTarget) =>
    list({ pathTemplate: variableCollectionTemplate(target), params: parentParams(target) }, variableSchema);

  return {
    listOrganizations: () => list({ pathTemplate: "/organization", params: {} }, organizationSchema),

    getOrganization: (organizationId) => {
      const pathTemplate = "/organization/{organizationId}";
      return request({ method: "GET", pathTemplate, params: { organizationId } }, parseWith(organizationSchema, { method: "GET", pathTemplate }));
    },

    listProjects: (organizationId) => list({ pathTemplate: "/organization/{organizationId}/project", params: { organizationId } }, projectSchema),

    listEnvironments: (projectId) => list({ pathTemplate: "/project/{projectId}/environment", params: { projectId } }, environmentSchema),

    listVariables,

    createVariable: ({ key, value, ...target }) => {
      const pathTemplate = variableCollectionTemplate(target);
      const ownScope = OWN_SCOPE[target.scope];
      return request(
        { method: "POST", pathTemplate, params: parentParams(target), body: { key, value }, sensitive: [value] },
        parseWith(variableSchema, { method: "POST", pathTemplate }),
        // Match on scope too: the same key inherited from the project is somebody else's row, not our create.
        async () => (await listVariables(target)).find((row) => row.key === key && row.scope === ownScope),
      );
    },

    updateVariable: ({ id, key, value, ...target }) => {
      const pathTemplate = variableItemTemplate(target);
      return request(
        { method: "PUT", pathTemplate, params: itemParams(target, id), body: { key, value }, sensitive: [value] },
        parseWith(variableSchema, { method: "PUT", pathTemplate }),
      );
    },

    deleteVariable: async ({ id, ...target }) => {
      try {
        await request({ method: "DELETE", pathTemplate: variableItemTemplate(target), params: itemParams(target, id) }, () => undefined);
      } catch (error) {
        // Already gone: deleted by an earlier try whose answer was lost, or with its parent by Qovery's cascade.
        if (!(error instanceof QoveryNotFoundError)) throw error;
      }
    },
  };
}
