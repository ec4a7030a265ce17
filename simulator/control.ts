/**
 * The control API under `/__sim`: tests create their own tenant, shape its behaviour (faults, latency, rate limits,
 * pagination, services, the clock) and read what the client did (call log, stored rows, deployments, usage per
 * token). Not part of Qovery's API, and unauthenticated: the simulator only ever runs locally.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { formatMicros } from "./clock.ts";
import { faultSpecSchema, toPending } from "./faults.ts";
import { SERVICE_TYPES, SETTLED_STATES, type SimService } from "./model.ts";
import { DEFAULT_USAGE_WINDOW_SECONDS } from "./rate-limits.ts";
import { presentedValue } from "./serialize.ts";
import { currentState, deploymentStatusOf, requestState } from "./services.ts";
import { tenantConfigSchema, type PresetIds, type SimTenant } from "./tenant.ts";

/** Services a tenant may hold, seeded ones included. */
export const MAX_SERVICES_PER_TENANT = 1_000;
/** The furthest one `clock/advance` call moves a tenant's clock. */
export const MAX_CLOCK_ADVANCE_SECONDS = 30 * 86_400;

const serviceSeedBody = z.object({
  environmentId: z.string().min(1),
  type: z.enum(SERVICE_TYPES),
  name: z.string().min(1).max(100),
  /** a fixed id; a random UUID otherwise */
  id: z.string().min(1).max(100).optional(),
  jobType: z.enum(["LIFECYCLE", "CRON"]).optional(),
  state: z.enum(SETTLED_STATES).optional(),
  neverDeployed: z.boolean().optional(),
  outOfDate: z.boolean().optional(),
  version: z.string().min(1).max(200).nullable().optional(),
});

const servicePatchBody = z.object({
  /** where the service rests from now on, e.g. STOPPED when a person stops it */
  state: z.enum(SETTLED_STATES).optional(),
  /** true: its configuration changed since its last deploy; false: it runs what it sees */
  outOfDate: z.boolean().optional(),
});

const clockBody = z.object({ frozen: z.boolean() });
const advanceBody = z.object({ seconds: z.number().positive().max(MAX_CLOCK_ADVANCE_SECONDS) });

export interface ControlRuntime {
  createTenant(name?: string, preset?: PresetIds): SimTenant;
  newServiceId(): string;
  tenant(id: string): SimTenant | undefined;
  newToken(): string;
  registerToken(token: string, tenant: SimTenant): void;
}

const createTenantBody = z
  .object({
    name: z.string().min(1).max(100).optional(),
    ids: z
      .object({
        organizationId: z.string().min(1).optional(),
        projectIds: z.array(z.string().min(1)).max(2).optional(),
        environmentIds: z.array(z.string().min(1)).max(4).optional(),
      })
      .optional(),
  })
  .default({});

class ControlError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ControlError(400, "body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ControlError(400, z.prettifyError(parsed.error));
  return parsed.data;
}

function rawVariables(tenant: SimTenant) {
  return [...tenant.data.variables.values()].map((row) => ({
    id: row.id,
    key: row.key,
    value: presentedValue(tenant.data, row),
    isSecret: row.isSecret,
    scope: row.scope,
    parentKind: row.parentKind,
    parentId: row.parentId,
    serviceId: row.serviceId,
    variableType: row.variableType,
    aliasedId: row.aliasedId,
    overriddenId: row.overriddenId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }));
}

const iso = (ms: number) => formatMicros(ms * 1000);

function rawService(tenant: SimTenant, service: SimService) {
  const nowMs = tenant.clock.nowMs();
  return {
    id: service.id,
    environmentId: service.environmentId,
    name: service.name,
    type: service.type,
    jobType: service.jobType,
    version: service.version,
    state: currentState(service, nowMs),
    restingState: service.state,
    deploymentStatus: deploymentStatusOf(service),
    configVersion: service.configVersion,
    deployedConfigVersion: service.deployedConfigVersion,
    lastDeploymentDate: service.lastDeploymentDate,
    pending: service.pending.map((action) => ({
      requestId: action.requestId,
      action: action.action,
      startsAt: iso(action.startsAtMs),
      endsAt: iso(action.endsAtMs),
      outcome: action.outcome,
    })),
  };
}

function rawDeployments(tenant: SimTenant) {
  const nowMs = tenant.clock.nowMs();
  return [...tenant.data.deploymentRequests.values()].map((request) => ({
    id: request.id,
    environmentId: request.environmentId,
    action: request.action,
    serviceIds: request.serviceIds,
    state: requestState(request, nowMs),
    requestedAt: iso(request.requestedAtMs),
    finishedAt: request.finishedAtMs === null ? null : iso(request.finishedAtMs),
    outcomes: Object.fromEntries(request.outcomes),
  }));
}

function clockState(tenant: SimTenant) {
  const nowMs = tenant.clock.nowMs();
  return { nowMs, now: iso(nowMs), frozen: tenant.clock.frozen };
}

function usageReport(tenant: SimTenant) {
  return {
    windowSeconds: tenant.config.hourlyLimit?.windowSeconds ?? DEFAULT_USAGE_WINDOW_SECONDS,
    tokens: [...tenant.usage.entries()].map(([token, usage]) => ({
      token,
      windows: usage.windows.map((window) => ({ ...window, start: iso(window.startMs), end: iso(window.endMs) })),
    })),
  };
}

export function registerControlApi(app: Hono, runtime: ControlRuntime): void {
  const control = (handler: (c: Context, tenant: SimTenant) => Response | Promise<Response>) => async (c: Context) => {
    try {
      const tenant = runtime.tenant(c.req.param("tenantId")!);
      if (!tenant) throw new ControlError(404, `no tenant ${c.req.param("tenantId")}`);
      return await handler(c, tenant);
    } catch (error) {
      if (error instanceof ControlError) return c.json({ error: error.message }, error.status);
      throw error;
    }
  };

  app.post("/__sim/tenants", async (c) => {
    try {
      const body = await parse(c, createTenantBody);
      return c.json(runtime.createTenant(body.name, body.ids).summary(), 201);
    } catch (error) {
      if (error instanceof ControlError) return c.json({ error: error.message }, error.status);
      throw error;
    }
  });

  app.get(
    "/__sim/tenants/:tenantId",
    control((c, tenant) => c.json(tenant.summary())),
  );

  app.post(
    "/__sim/tenants/:tenantId/reset",
    control((c, tenant) => {
      tenant.reset();
      return c.json(tenant.summary());
    }),
  );

  app.patch(
    "/__sim/tenants/:tenantId/config",
    control(async (c, tenant) => {
      const changes = await parse(c, tenantConfigSchema.partial());
      tenant.config = { ...tenant.config, ...changes };
      if (changes.rateLimit !== undefined) for (const usage of tenant.usage.values()) usage.bucket = undefined;
      return c.json(tenant.config);
    }),
  );

  app.post(
    "/__sim/tenants/:tenantId/faults",
    control(async (c, tenant) => {
      tenant.faults.push(toPending(await parse(c, faultSpecSchema)));
      return c.json({ pending: tenant.faults }, 201);
    }),
  );

  app.get(
    "/__sim/tenants/:tenantId/faults",
    control((c, tenant) => c.json({ pending: tenant.faults })),
  );

  app.delete(
    "/__sim/tenants/:tenantId/faults",
    control((c, tenant) => {
      tenant.faults = [];
      return c.body(null, 204);
    }),
  );

  app.get(
    "/__sim/tenants/:tenantId/calls",
    control((c, tenant) => c.json({ calls: tenant.calls })),
  );

  app.delete(
    "/__sim/tenants/:tenantId/calls",
    control((c, tenant) => {
      tenant.calls = [];
      return c.body(null, 204);
    }),
  );

  app.get(
    "/__sim/tenants/:tenantId/variables",
    control((c, tenant) => c.json({ variables: rawVariables(tenant) })),
  );

  app.get(
    "/__sim/tenants/:tenantId/services",
    control((c, tenant) => {
      tenant.settle();
      return c.json({ services: [...tenant.data.services.values()].map((service) => rawService(tenant, service)) });
    }),
  );

  app.post(
    "/__sim/tenants/:tenantId/services",
    control(async (c, tenant) => {
      const seed = await parse(c, serviceSeedBody);
      const refusal = !tenant.data.environments.has(seed.environmentId)
        ? `no environment ${seed.environmentId} in this tenant`
        : seed.id && tenant.data.services.has(seed.id)
          ? `a service ${seed.id} exists already`
          : tenant.data.services.size >= MAX_SERVICES_PER_TENANT
            ? `at most ${MAX_SERVICES_PER_TENANT} services per tenant`
            : null;
      if (refusal) throw new ControlError(400, refusal);
      const service = tenant.addService({ ...seed, id: seed.id ?? runtime.newServiceId() });
      return c.json(rawService(tenant, service), 201);
    }),
  );

  app.patch(
    "/__sim/tenants/:tenantId/services/:serviceId",
    control(async (c, tenant) => {
      const changes = await parse(c, servicePatchBody);
      tenant.settle();
      const service = tenant.data.services.get(c.req.param("serviceId")!);
      if (!service) throw new ControlError(404, "no such service in this tenant");
      if (service.pending.length > 0) throw new ControlError(400, "the service has a deploy or restart in flight");
      if (changes.state) service.state = changes.state;
      if (changes.outOfDate !== undefined) {
        if (service.deployedConfigVersion === null) {
          throw new ControlError(400, "a service never deployed is neither up to date nor out of date");
        }
        service.configVersion = service.deployedConfigVersion + (changes.outOfDate ? 1 : 0);
      }
      return c.json(rawService(tenant, service));
    }),
  );

  app.get(
    "/__sim/tenants/:tenantId/deployments",
    control((c, tenant) => {
      tenant.settle();
      return c.json({ deployments: rawDeployments(tenant) });
    }),
  );

  app.get(
    "/__sim/tenants/:tenantId/clock",
    control((c, tenant) => c.json(clockState(tenant))),
  );

  app.patch(
    "/__sim/tenants/:tenantId/clock",
    control(async (c, tenant) => {
      tenant.clock.setFrozen((await parse(c, clockBody)).frozen);
      return c.json(clockState(tenant));
    }),
  );

  app.post(
    "/__sim/tenants/:tenantId/clock/advance",
    control(async (c, tenant) => {
      tenant.clock.advance(Math.round((await parse(c, advanceBody)).seconds * 1000));
      return c.json(clockState(tenant));
    }),
  );

  app.get(
    "/__sim/tenants/:tenantId/usage",
    control((c, tenant) => c.json(usageReport(tenant))),
  );

  app.post(
    "/__sim/tenants/:tenantId/tokens",
    control((c, tenant) => {
      const token = runtime.newToken();
      tenant.tokens.set(token, true);
      runtime.registerToken(token, tenant);
      return c.json({ token }, 201);
    }),
  );

  app.delete(
    "/__sim/tenants/:tenantId/tokens/:token",
    control((c, tenant) => {
      const token = c.req.param("token")!;
      if (!tenant.tokens.has(token)) throw new ControlError(404, "no such token for this tenant");
      tenant.tokens.set(token, false);
      return c.body(null, 204);
    }),
  );

  app.all("/__sim/*", (c) => c.json({ error: `no control endpoint ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
}
