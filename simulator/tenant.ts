/**
 * A tenant is one isolated simulated Qovery organization with its own API tokens, fault settings and call log,
 * so tests running in parallel against one simulator never see each other's data or faults.
 */
import { z } from "zod";
import type { MicrosecondClock } from "./clock.ts";
import { rateLimitSchema, type PendingFault, type TokenBucket } from "./faults.ts";
import type { EnvironmentMode, SimVariable, TenantData } from "./model.ts";

export const tenantConfigSchema = z.object({
  /** added before every API call is handled */
  latencyMs: z.number().int().min(0).max(60_000),
  /** null: lists are a single `{results}` page (the spec); a number: lists are paginated with this page size */
  pageSize: z.number().int().min(1).max(1000).nullable(),
  rateLimit: rateLimitSchema.nullable(),
  /** Qovery answers 403 for ids outside the token's organization; 404 is available for clients that want to see it */
  unknownIdStatus: z.union([z.literal(403), z.literal(404)]),
});

export type TenantConfig = z.output<typeof tenantConfigSchema>;

const DEFAULT_CONFIG: TenantConfig = { latencyMs: 0, pageSize: null, rateLimit: null, unknownIdStatus: 403 };

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
  /** the injected fault that shaped this call, if any */
  fault: "status" | "status-after-commit" | "rate-limit" | "hang" | "timeout-after-commit" | null;
}

export interface TenantSummary {
  id: string;
  token: string;
  organization: { id: string; name: string };
  projects: { id: string; name: string; environments: { id: string; name: string }[] }[];
}

interface SeedIds {
  newId: () => string;
  token: string;
  /** fixed ids for the seeded organization, projects and environments (in seed order), e.g. a document's sample ids */
  preset?: PresetIds;
}

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
  bucket: TokenBucket | undefined;
  /** token → still accepted */
  readonly tokens = new Map<string, boolean>();
  private readonly seedVariables: SimVariable[];
  private nextSeq = 1;

  constructor(
    readonly id: string,
    readonly primaryToken: string,
    data: TenantData,
  ) {
    this.data = data;
    this.seedVariables = [...data.variables.values()].map((row) => ({ ...row }));
    this.tokens.set(primaryToken, true);
  }

  logCall(entry: Omit<CallLogEntry, "seq">): void {
    this.calls.push({ seq: this.nextSeq++, ...entry });
  }

  /** Back to the state right after creation: seed variables, only the primary token, no faults, empty call log. */
  reset(): void {
    this.data.variables.clear();
    for (const row of this.seedVariables) this.data.variables.set(row.id, { ...row });
    this.tokens.clear();
    this.tokens.set(this.primaryToken, true);
    this.config = { ...DEFAULT_CONFIG };
    this.faults = [];
    this.calls = [];
    this.bucket = undefined;
    this.nextSeq = 1;
  }

  summary(): TenantSummary {
    const { organization, projects, environments } = this.data;
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
    };
  }
}

/** An organization with two projects of two environments each, and the BUILT_IN rows Qovery adds by itself. */
export function seedTenant(id: string, organizationName: string, clock: MicrosecondClock, ids: SeedIds): SimTenant {
  const at = clock.next();
  const organization = { id: ids.preset?.organizationId ?? ids.newId(), name: organizationName, ownerId: ids.newId(), createdAt: at, updatedAt: at };
  const presetProjects = [...(ids.preset?.projectIds ?? [])];
  const presetEnvironments = [...(ids.preset?.environmentIds ?? [])];
  const data: TenantData = { organization, projects: new Map(), environments: new Map(), variables: new Map() };
  const builtIn = (parentKind: "project" | "environment", parentId: string, key: string, value: string) => {
    const row: SimVariable = {
      id: ids.newId(),
      key,
      value,
      isSecret: false,
      scope: "BUILT_IN",
      parentKind,
      parentId,
      variableType: "BUILT_IN",
      mountPath: null,
      description: null,
      enableInterpolationInFile: null,
      aliasedId: null,
      overriddenId: null,
      createdAt: at,
      updatedAt: at,
    };
    data.variables.set(row.id, row);
  };

  for (const projectName of SEED_PROJECTS) {
    const project = { id: presetProjects.shift() ?? ids.newId(), organizationId: organization.id, name: projectName, description: null, createdAt: at, updatedAt: at };
    data.projects.set(project.id, project);
    builtIn("project", project.id, "QOVERY_PROJECT_ID", project.id);
    for (const { name, mode } of SEED_ENVIRONMENTS) {
      const env = { id: presetEnvironments.shift() ?? ids.newId(), organizationId: organization.id, projectId: project.id, name, mode, clusterId: ids.newId(), createdAt: at, updatedAt: at };
      data.environments.set(env.id, env);
      builtIn("environment", env.id, "QOVERY_ENVIRONMENT_ID", env.id);
      builtIn("environment", env.id, "QOVERY_KUBERNETES_NAMESPACE_NAME", `${projectName}-${name}`);
    }
  }
  return new SimTenant(id, ids.token, data);
}
