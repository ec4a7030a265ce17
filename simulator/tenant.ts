/**
 * A tenant is one isolated simulated Qovery organization with its own API tokens, fault settings and call log,
 * so tests running in parallel against one simulator never see each other's data or faults.
 */
import { z } from "zod";
import { formatMicros, type TenantClock } from "./clock.ts";
import { rateLimitSchema, type PendingFault } from "./faults.ts";
import type { EnvironmentMode, ParentKind, ServiceType, SimService, SimVariable, TenantData } from "./model.ts";
import { newTokenUsage, windowLimitSchema, type TokenUsage } from "./rate-limits.ts";
import { newService, settle, type ServiceSeed } from "./services.ts";

export const tenantConfigSchema = z.object({
  /** added before every API call is handled */
  latencyMs: z.number().int().min(0).max(60_000),
  /** null: lists are a single `{results}` page (the spec); a number: lists are paginated with this page size */
  pageSize: z.number().int().min(1).max(1000).nullable(),
  /** a token bucket per API token (requests per second), answering 429 with `Retry-After` */
  rateLimit: rateLimitSchema.nullable(),
  /** Qovery's documented quota per API token and fixed window (1,000 per hour), with `X-RateLimit-*` on every answer */
  hourlyLimit: windowLimitSchema.nullable(),
  /** Qovery answers 403 for ids outside the token's organization; 404 is available for clients that want to see it */
  unknownIdStatus: z.union([z.literal(403), z.literal(404)]),
  /** how long a deploy or restart waits in the queue, then runs (on the tenant's clock) */
  deployment: z.object({
    queuedSeconds: z.number().min(0).max(3600),
    runningSeconds: z.number().min(0).max(86_400),
  }),
  /** a deploy requested while the environment is still deploying: refused with 400 or 409, or queued behind it */
  deployWhileInProgress: z.union([z.literal(400), z.literal(409), z.literal("queue")]),
  /** false: only a service's own variables make it OUT_OF_DATE, not those it inherits from its environment or project */
  inheritedChangesOutdateServices: z.boolean(),
});

export type TenantConfig = z.output<typeof tenantConfigSchema>;

const DEFAULT_CONFIG: TenantConfig = {
  latencyMs: 0,
  pageSize: null,
  rateLimit: null,
  hourlyLimit: null,
  unknownIdStatus: 403,
  deployment: { queuedSeconds: 2, runningSeconds: 8 },
  deployWhileInProgress: 400,
  inheritedChangesOutdateServices: true,
};

export interface CallLogEntry {
  seq: number;
  method: string;
  path: string;
  /** the query string without `?`, empty when there is none */
  query: string;
  /** e.g. `/project/{projectId}/secret`; null when no route matched */
  pathTemplate: string | null;
  /** what the API decided; null when it never decided (a hung request) */
  status: number | null;
  /** false when the response was held back (hang, timeout-after-commit) */
  delivered: boolean;
  /** the injected fault or the limit that shaped this call, if any */
  fault: "status" | "status-after-commit" | "rate-limit" | "hourly-limit" | "hang" | "timeout-after-commit" | null;
}

export interface TenantSummary {
  id: string;
  token: string;
  organization: { id: string; name: string };
  projects: { id: string; name: string; environments: { id: string; name: string }[] }[];
  services: { id: string; environmentId: string; name: string; type: ServiceType }[];
}

interface SeedIds {
  newId: () => string;
  token: string;
  /** fixed ids for the seeded organization, projects and environments (in seed order), e.g. a document's sample ids */
  preset?: PresetIds;
  /** services to seed, placed by project and environment name */
  services?: readonly SeededService[];
}

export type SeededService = Omit<ServiceSeed, "environmentId"> & { project: string; environment: string };

export interface PresetIds {
  organizationId?: string;
  projectIds?: string[];
  environmentIds?: string[];
}

const SEED_PROJECTS = ["backend", "frontend"] as const;
const SEED_ENVIRONMENTS: { name: string; mode: EnvironmentMode }[] = [
  { name: "staging", mode: "STAGING" },
  { name: "production", mode: "PRODUCTION" },
];

export class SimTenant {
  readonly data: TenantData;
  config: TenantConfig = { ...DEFAULT_CONFIG };
  faults: PendingFault[] = [];
  calls: CallLogEntry[] = [];
  /** token → still accepted */
  readonly tokens = new Map<string, boolean>();
  /** token → its bucket and its calls per window */
  readonly usage = new Map<string, TokenUsage>();
  private readonly seedVariables: SimVariable[];
  private readonly seedServices: SimService[];
  private nextSeq = 1;

  constructor(
    readonly id: string,
    readonly primaryToken: string,
    data: TenantData,
    readonly clock: TenantClock,
    private readonly newId: () => string,
  ) {
    this.data = data;
    this.seedVariables = [...data.variables.values()].map((row) => ({ ...row }));
    this.seedServices = [...data.services.values()].map((service) => structuredClone(service));
    this.tokens.set(primaryToken, true);
  }

  logCall(entry: Omit<CallLogEntry, "seq">): void {
    this.calls.push({ seq: this.nextSeq++, ...entry });
  }

  usageOf(token: string): TokenUsage {
    let usage = this.usage.get(token);
    if (!usage) this.usage.set(token, (usage = newTokenUsage()));
    return usage;
  }

  /** Brings every deployment up to the tenant's clock; before anything reads or changes deployment state. */
  settle(): void {
    settle(this.data, this.clock.nowMs(), (ms) => formatMicros(ms * 1000));
  }

  addService(seed: ServiceSeed): SimService {
    return addService(this.data, seed, this.clock.timestamp(), this.newId);
  }

  /**
   * Back to the state right after creation: seed variables and services, only the primary token, no faults, empty
   * call log and usage, the wall clock.
   */
  reset(): void {
    this.data.variables.clear();
    for (const row of this.seedVariables) this.data.variables.set(row.id, { ...row });
    this.data.services.clear();
    for (const service of this.seedServices) this.data.services.set(service.id, structuredClone(service));
    this.data.deploymentRequests.clear();
    for (const env of this.data.environments.values()) env.lastDeploymentRequestId = null;
    this.tokens.clear();
    this.tokens.set(this.primaryToken, true);
    this.usage.clear();
    this.config = { ...DEFAULT_CONFIG };
    this.faults = [];
    this.calls = [];
    this.nextSeq = 1;
    this.clock.reset();
  }

  summary(): TenantSummary {
    const { organization, projects, environments, services } = this.data;
    return {
      id: this.id,
      token: this.primaryToken,
      organization: { id: organization.id, name: organization.name },
      projects: [...projects.values()].map((project) => ({
        id: project.id,
        name: project.name,
        environments: [...environments.values()]
          .filter((env) => env.projectId === project.id)
          .map((env) => ({ id: env.id, name: env.name })),
      })),
      services: [...services.values()].map((service) => ({
        id: service.id,
        environmentId: service.environmentId,
        name: service.name,
        type: service.type,
      })),
    };
  }
}

/** A service as Qovery creates it, with the BUILT_IN row its environment gains for it. */
function addService(data: TenantData, seed: ServiceSeed, at: string, newId: () => string): SimService {
  const service = newService(seed, at);
  data.services.set(service.id, service);
  const builtIn = builtInOfService(service);
  if (builtIn) addBuiltIn(data, newId(), "environment", service.environmentId, builtIn.key, builtIn.value, at, service.id);
  return service;
}

/**
 * The BUILT_IN row Qovery adds to an environment for a service that can be reached (`QOVERY_<TYPE>_Z<id prefix>_…`),
 * visible to every service of the environment and linked to the service it describes.
 */
function builtInOfService(service: SimService): { key: string; value: string } | null {
  if (service.type !== "APPLICATION" && service.type !== "CONTAINER" && service.type !== "DATABASE") return null;
  const shortId = `Z${service.id.replace(/-/g, "").slice(0, 8).toUpperCase()}`;
  return { key: `QOVERY_${service.type}_${shortId}_HOST_INTERNAL`, value: `${shortId.toLowerCase()}-${service.name}` };
}

function addBuiltIn(
  data: TenantData,
  id: string,
  parentKind: ParentKind,
  parentId: string,
  key: string,
  value: string,
  at: string,
  serviceId: string | null = null,
): void {
  data.variables.set(id, {
    id,
    key,
    value,
    isSecret: false,
    scope: "BUILT_IN",
    parentKind,
    parentId,
    serviceId,
    variableType: "BUILT_IN",
    mountPath: null,
    description: null,
    enableInterpolationInFile: null,
    aliasedId: null,
    overriddenId: null,
    createdAt: at,
    updatedAt: at,
  });
}

/** An organization with two projects of two environments each, the BUILT_IN rows Qovery adds by itself, and `ids.services`. */
export function seedTenant(id: string, organizationName: string, clock: TenantClock, ids: SeedIds): SimTenant {
  const at = clock.timestamp();
  const organization = { id: ids.preset?.organizationId ?? ids.newId(), name: organizationName, ownerId: ids.newId(), createdAt: at, updatedAt: at };
  const presetProjects = [...(ids.preset?.projectIds ?? [])];
  const presetEnvironments = [...(ids.preset?.environmentIds ?? [])];
  const data: TenantData = {
    organization,
    projects: new Map(),
    environments: new Map(),
    variables: new Map(),
    services: new Map(),
    deploymentRequests: new Map(),
  };
  const builtIn = (parentKind: ParentKind, parentId: string, key: string, value: string) =>
    addBuiltIn(data, ids.newId(), parentKind, parentId, key, value, at);

  for (const projectName of SEED_PROJECTS) {
    const project = { id: presetProjects.shift() ?? ids.newId(), organizationId: organization.id, name: projectName, description: null, createdAt: at, updatedAt: at };
    data.projects.set(project.id, project);
    builtIn("project", project.id, "QOVERY_PROJECT_ID", project.id);
    for (const { name, mode } of SEED_ENVIRONMENTS) {
      const env = {
        id: presetEnvironments.shift() ?? ids.newId(),
        organizationId: organization.id,
        projectId: project.id,
        name,
        mode,
        clusterId: ids.newId(),
        lastDeploymentRequestId: null,
        createdAt: at,
        updatedAt: at,
      };
      data.environments.set(env.id, env);
      builtIn("environment", env.id, "QOVERY_ENVIRONMENT_ID", env.id);
      builtIn("environment", env.id, "QOVERY_KUBERNETES_NAMESPACE_NAME", `${projectName}-${name}`);
    }
  }
  for (const { project, environment, ...seed } of ids.services ?? []) {
    const projectId = [...data.projects.values()].find((p) => p.name === project)!.id;
    const env = [...data.environments.values()].find((e) => e.projectId === projectId && e.name === environment)!;
    addService(data, { ...seed, environmentId: env.id }, at, ids.newId);
  }
  return new SimTenant(id, ids.token, data, clock, ids.newId);
}
