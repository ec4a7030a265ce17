/**
 * The control API under `/__sim`: tests create their own tenant, shape its behaviour (faults, latency, rate limit,
 * pagination) and read what the client did (call log, stored rows). Not part of Qovery's API, and unauthenticated:
 * the simulator only ever runs locally.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { faultSpecSchema, toPending } from "./faults.ts";
import { presentedValue } from "./serialize.ts";
import { tenantConfigSchema, type PresetIds, type SimTenant } from "./tenant.ts";

export interface ControlRuntime {
  createTenant(name?: string, preset?: PresetIds): SimTenant;
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
    variableType: row.variableType,
    aliasedId: row.aliasedId,
    overriddenId: row.overriddenId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }));
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
      if (changes.rateLimit !== undefined) tenant.bucket = undefined;
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
