/**
 * A local stand-in for the parts of the Qovery REST API a secret sync uses, faithful to `docs/qovery-api.md`, with a
 * control API (`/__sim/...`) for isolated tenants, fault injection and call logs. Never imported by `src/`.
 */
import { Hono } from "hono";
import { registerQoveryApi } from "./api.ts";
import { createMicrosecondClock } from "./clock.ts";
import { registerControlApi } from "./control.ts";
import { seedTenant, type PresetIds, type SimTenant } from "./tenant.ts";

export type { CallLogEntry, TenantConfig, TenantSummary } from "./tenant.ts";
export type { FaultSpec } from "./faults.ts";
export type { SimTenant } from "./tenant.ts";

/** The token of the tenant every simulator starts with, for `npm run dev` and curl examples. */
export const DEFAULT_TENANT_TOKEN = "qov_simulator_default_token";
export const DEFAULT_TENANT_ID = "default";

export interface QoverySimulatorOptions {
  /** wall clock in milliseconds (timestamps, rate limit); injectable so tests can move time */
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
  const clock = createMicrosecondClock(nowMs);
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
    return addTenant(seedTenant(id, name ?? `Simulated organization ${id.slice(0, 8)}`, clock, { newId, token: randomToken(), preset }));
  };

  const defaultTenant =
    options.seedDefaultTenant === false
      ? undefined
      : addTenant(seedTenant(DEFAULT_TENANT_ID, "Simulated organization", clock, { newId: sequentialIds(), token: DEFAULT_TENANT_TOKEN }));

  const app = new Hono();
  registerControlApi(app, {
    createTenant,
    tenant: (id) => tenants.get(id),
    newToken: randomToken,
    registerToken: (token, tenant) => tenantsByToken.set(token, tenant),
  });
  registerQoveryApi(app, {
    tenantForToken: (token) => tenantsByToken.get(token),
    nowMs,
    timestamp: () => clock.next(),
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
