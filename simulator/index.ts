/**
 * A local stand-in for the parts of the Qovery REST API a secret sync uses, faithful to `docs/qovery-api.md`, with a
 * control API (`/__sim/...`) for isolated tenants, fault injection and call logs. Never imported by `src/`.
 */
import { Hono } from "hono";
import { registerQoveryApi } from "./api.ts";
import { createTenantClock } from "./clock.ts";
import { registerControlApi } from "./control.ts";
import { seedTenant, type PresetIds, type SeededService, type SimTenant } from "./tenant.ts";

export type { CallLogEntry, TenantConfig, TenantSummary } from "./tenant.ts";
export type { FaultSpec } from "./faults.ts";
export type { SimTenant } from "./tenant.ts";
export type { WindowUsage } from "./rate-limits.ts";
export type { ServiceType, SettledState, State } from "./model.ts";
export type { ServiceSeed } from "./services.ts";

/** The token of the tenant every simulator starts with, for `npm run dev` and curl examples. */
export const DEFAULT_TENANT_TOKEN = "qov_simulator_default_token";
export const DEFAULT_TENANT_ID = "default";

const serviceId = (n: number) => `00000000-0000-4000-8000-000000000${n}`;

/**
 * The default tenant's services, with fixed ids for the README: in `backend`/`staging` one service of each type, a
 * database, a stopped container and an application never deployed; in `backend`/`production` one of each type.
 */
export const DEFAULT_SERVICES: readonly (SeededService & { id: string })[] = [
  { id: serviceId(101), project: "backend", environment: "staging", name: "api", type: "APPLICATION" },
  { id: serviceId(102), project: "backend", environment: "staging", name: "worker", type: "CONTAINER" },
  { id: serviceId(103), project: "backend", environment: "staging", name: "db-migrate", type: "JOB", jobType: "LIFECYCLE" },
  { id: serviceId(104), project: "backend", environment: "staging", name: "ingress", type: "HELM" },
  { id: serviceId(105), project: "backend", environment: "staging", name: "infra", type: "TERRAFORM" },
  { id: serviceId(106), project: "backend", environment: "staging", name: "postgres", type: "DATABASE" },
  { id: serviceId(107), project: "backend", environment: "staging", name: "admin", type: "CONTAINER", state: "STOPPED" },
  { id: serviceId(108), project: "backend", environment: "staging", name: "docs", type: "APPLICATION", state: "READY" },
  { id: serviceId(201), project: "backend", environment: "production", name: "api", type: "APPLICATION" },
  { id: serviceId(202), project: "backend", environment: "production", name: "worker", type: "CONTAINER" },
  { id: serviceId(203), project: "backend", environment: "production", name: "nightly-report", type: "JOB", jobType: "CRON" },
  { id: serviceId(204), project: "backend", environment: "production", name: "ingress", type: "HELM" },
  { id: serviceId(205), project: "backend", environment: "production", name: "infra", type: "TERRAFORM" },
];

export interface QoverySimulatorOptions {
  /** wall clock in milliseconds under every tenant's own clock (timestamps, deployments, rate limits); injectable */
  now?: () => number;
  /** how latency and held responses wait */
  sleep?: (ms: number) => Promise<void>;
  /** seed the default tenant (token `DEFAULT_TENANT_TOKEN`); on unless false */
  seedDefaultTenant?: boolean;
  /** upper bound for responses held back by `hang` / `timeout-after-commit` when the caller never aborts */
  maxHoldMs?: number;
}

export interface QoverySimulator {
  app: Hono;
  fetch(request: Request): Promise<Response>;
  tenants: ReadonlyMap<string, SimTenant>;
  createTenant(name?: string, preset?: PresetIds): SimTenant;
  defaultTenant: SimTenant | undefined;
}

/** Stable, obviously fake UUIDs for the default tenant, so its ids survive restarts and can sit in a README. */
function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `qov_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function createQoverySimulator(options: QoverySimulatorOptions = {}): QoverySimulator {
  const nowMs = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const tenants = new Map<string, SimTenant>();
  const tenantsByToken = new Map<string, SimTenant>();
  const newId = () => crypto.randomUUID();

  const addTenant = (tenant: SimTenant) => {
    tenants.set(tenant.id, tenant);
    tenantsByToken.set(tenant.primaryToken, tenant);
    return tenant;
  };

  const createTenant = (name?: string, preset?: PresetIds) => {
    const id = newId();
    const clock = createTenantClock(nowMs);
    return addTenant(seedTenant(id, name ?? `Simulated organization ${id.slice(0, 8)}`, clock, { newId, token: randomToken(), preset }));
  };

  const defaultTenant =
    options.seedDefaultTenant === false
      ? undefined
      : addTenant(
          seedTenant(DEFAULT_TENANT_ID, "Simulated organization", createTenantClock(nowMs), {
            newId: sequentialIds(),
            token: DEFAULT_TENANT_TOKEN,
            services: DEFAULT_SERVICES,
          }),
        );

  const app = new Hono();
  registerControlApi(app, {
    createTenant,
    newServiceId: newId,
    tenant: (id) => tenants.get(id),
    newToken: randomToken,
    registerToken: (token, tenant) => tenantsByToken.set(token, tenant),
  });
  registerQoveryApi(app, {
    tenantForToken: (token) => tenantsByToken.get(token),
    newId,
    sleep,
    maxHoldMs: options.maxHoldMs ?? 60_000,
  });

  return {
    app,
    fetch: async (request) => app.fetch(request),
    tenants,
    createTenant,
    defaultTenant,
  };
}
