/**
 * Test access to the Qovery simulator that vitest.config.ts wires behind every outbound fetch. Each test (or file)
 * creates its own tenant, so parallel tests never share data, faults or call logs.
 */
import type {
  CallLogEntry,
  FaultSpec,
  ServiceSeed,
  ServiceType,
  SettledState,
  State,
  TenantConfig,
  TenantSummary,
  WindowUsage,
} from "../../simulator/index.ts";

/** Any host reaches the simulator in tests; this one reads well in call logs and assertions. */
export const SIM_BASE_URL = "http://qovery.sim";

export interface SimVariableRow {
  id: string;
  key: string;
  value: string;
  isSecret: boolean;
  scope: "BUILT_IN" | "PROJECT" | "ENVIRONMENT" | Exclude<ServiceType, "DATABASE">;
  parentKind: "project" | "environment" | "service";
  parentId: string;
  /** the service a service-scope row lives at, or the one a BUILT_IN row describes */
  serviceId: string | null;
  variableType: string;
  aliasedId: string | null;
  overriddenId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A service as the control API shows it, deployment state included (settled to the tenant's clock). */
export interface SimServiceRow {
  id: string;
  environmentId: string;
  name: string;
  type: ServiceType;
  jobType: "LIFECYCLE" | "CRON" | null;
  version: string | null;
  /** what Qovery reports now (QUEUED, DEPLOYING, ... while an action is pending) */
  state: State;
  restingState: SettledState;
  deploymentStatus: "NEVER_DEPLOYED" | "OUT_OF_DATE" | "UP_TO_DATE";
  configVersion: number;
  deployedConfigVersion: number | null;
  lastDeploymentDate: string | null;
  pending: { requestId: string; action: "DEPLOY" | "RESTART"; startsAt: string; endsAt: string; outcome: string }[];
}

/** One accepted deploy or restart call (a Qovery deployment request). */
export interface SimDeploymentRow {
  id: string;
  environmentId: string;
  action: "DEPLOY" | "RESTART";
  serviceIds: string[];
  state: State;
  requestedAt: string;
  finishedAt: string | null;
  outcomes: Record<string, string>;
}

export interface SimClockState {
  nowMs: number;
  now: string;
  frozen: boolean;
}

/** Calls per token and window (`windowSeconds` long, aligned to the epoch). */
export interface SimUsageReport {
  windowSeconds: number;
  tokens: { token: string; windows: (WindowUsage & { start: string; end: string })[] }[];
}

export type ServiceInput = Omit<ServiceSeed, "id"> & { id?: string };

/** Fault input as the control API accepts it: `count` and `afterCommit` may be left out. */
export type FaultInput = { [K in FaultSpec["type"]]: Omit<Extract<FaultSpec, { type: K }>, "count" | "afterCommit"> & { count?: number; afterCommit?: boolean } }[FaultSpec["type"]];

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${SIM_BASE_URL}/__sim${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`simulator control ${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export class SimTenantHandle {
  constructor(readonly summary: TenantSummary) {}

  get id() {
    return this.summary.id;
  }
  get token() {
    return this.summary.token;
  }
  get organizationId() {
    return this.summary.organization.id;
  }
  /** the first project and its first environment, which most tests need */
  get project() {
    return this.summary.projects[0]!;
  }
  get environment() {
    return this.summary.projects[0]!.environments[0]!;
  }

  /** A Qovery API call with this tenant's token (or another one). */
  api(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}): Promise<Response> {
    const token = init.token === undefined ? this.token : init.token;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token !== null) headers.Authorization = `Token ${token}`;
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(`${SIM_BASE_URL}${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  }

  injectFault(fault: FaultInput): Promise<unknown> {
    return control("POST", `/tenants/${this.id}/faults`, fault);
  }
  clearFaults(): Promise<void> {
    return control("DELETE", `/tenants/${this.id}/faults`);
  }
  configure(changes: Partial<TenantConfig>): Promise<TenantConfig> {
    return control("PATCH", `/tenants/${this.id}/config`, changes);
  }
  async calls(): Promise<CallLogEntry[]> {
    return (await control<{ calls: CallLogEntry[] }>("GET", `/tenants/${this.id}/calls`)).calls;
  }
  clearCalls(): Promise<void> {
    return control("DELETE", `/tenants/${this.id}/calls`);
  }
  /** every stored row, secret values included: for asserting what landed in "Qovery" */
  async variables(): Promise<SimVariableRow[]> {
    return (await control<{ variables: SimVariableRow[] }>("GET", `/tenants/${this.id}/variables`)).variables;
  }
  async issueToken(): Promise<string> {
    return (await control<{ token: string }>("POST", `/tenants/${this.id}/tokens`)).token;
  }
  revokeToken(token: string): Promise<void> {
    return control("DELETE", `/tenants/${this.id}/tokens/${encodeURIComponent(token)}`);
  }
  reset(): Promise<TenantSummary> {
    return control("POST", `/tenants/${this.id}/reset`);
  }

  /** A service in one of the tenant's environments (DEPLOYED and up to date unless told otherwise). */
  addService(input: ServiceInput): Promise<SimServiceRow> {
    return control("POST", `/tenants/${this.id}/services`, input);
  }
  /** One service of each type with variables (application, container, job, helm, terraform) plus a database, all deployed. */
  async addServiceOfEachType(environmentId: string): Promise<Record<ServiceType, SimServiceRow>> {
    const types: ServiceType[] = ["APPLICATION", "CONTAINER", "JOB", "HELM", "TERRAFORM", "DATABASE"];
    const rows = await Promise.all(types.map((type) => this.addService({ environmentId, type, name: type.toLowerCase() })));
    return Object.fromEntries(rows.map((row) => [row.type, row])) as Record<ServiceType, SimServiceRow>;
  }
  async services(): Promise<SimServiceRow[]> {
    return (await control<{ services: SimServiceRow[] }>("GET", `/tenants/${this.id}/services`)).services;
  }
  async service(id: string): Promise<SimServiceRow> {
    const found = (await this.services()).find((service) => service.id === id);
    if (!found) throw new Error(`simulator has no service ${id}`);
    return found;
  }
  /** What a person does in the console: stop a service, or mark it as needing a redeploy. */
  updateService(id: string, changes: { state?: SettledState; outOfDate?: boolean }): Promise<SimServiceRow> {
    return control("PATCH", `/tenants/${this.id}/services/${id}`, changes);
  }
  async deployments(): Promise<SimDeploymentRow[]> {
    return (await control<{ deployments: SimDeploymentRow[] }>("GET", `/tenants/${this.id}/deployments`)).deployments;
  }
  clock(): Promise<SimClockState> {
    return control("GET", `/tenants/${this.id}/clock`);
  }
  /** Stops the tenant's clock: deployments and rate-limit windows then move only with `advanceClock`. */
  freezeClock(frozen = true): Promise<SimClockState> {
    return control("PATCH", `/tenants/${this.id}/clock`, { frozen });
  }
  advanceClock(seconds: number): Promise<SimClockState> {
    return control("POST", `/tenants/${this.id}/clock/advance`, { seconds });
  }
  usage(): Promise<SimUsageReport> {
    return control("GET", `/tenants/${this.id}/usage`);
  }
}

export async function createSimTenant(name?: string, ids?: { organizationId?: string; projectIds?: string[]; environmentIds?: string[] }): Promise<SimTenantHandle> {
  return new SimTenantHandle(await control<TenantSummary>("POST", "/tenants", { ...(name === undefined ? {} : { name }), ...(ids ? { ids } : {}) }));
}

/** Call log entries reduced to what most assertions compare: "METHOD template status". */
export const describeCalls = (calls: readonly CallLogEntry[]) =>
  calls.map((call) => `${call.method} ${call.pathTemplate ?? call.path} ${call.status ?? "-"}${call.delivered ? "" : " (held)"}`);
