/**
 * Qovery's unified `/variable` API: one endpoint family for every scope (project, environment and each variable-bearing
 * service type), serving the same store as the per-scope families, so a row written through one shows in the other.
 * A list returns secrets and plain variables together, inherited rows included, each marked with its scope.
 */
import { z } from "zod";
import {
  created,
  description,
  NO_CONTENT,
  ok,
  outsideOrganization,
  paginate,
  parseBody,
  requireEnvironment,
  requireProject,
  storeContextFor,
  type Route,
} from "./http.ts";
import { QoveryApiFailure, type SimVariable } from "./model.ts";
import { variableResponseJson } from "./serialize.ts";
import { variableScopeOf } from "./services.ts";
import type { SimTenant } from "./tenant.ts";
import {
  createAlias,
  createOverride,
  createVariable,
  deleteVariable,
  editVariable,
  parentOfRow,
  visibleRows,
  type VariableParent,
} from "./variables.ts";

/** Qovery's `APIVariableScopeEnum`. */
const SCOPES = ["BUILT_IN", "PROJECT", "ENVIRONMENT", "APPLICATION", "CONTAINER", "JOB", "HELM", "TERRAFORM", "AGENTIC_WORKFLOW"] as const;
type Scope = (typeof SCOPES)[number];

const scope = (field: string) => z.enum(SCOPES, { error: `${field} must be one of ${SCOPES.join(", ")}` });
const required = (field: string) => z.string({ error: `${field} is required` }).min(1, `${field} is required`);

/** The parent a scope and an id designate. BUILT_IN rows belong to Qovery; no agentic workflow exists here. */
function parentFor(tenant: SimTenant, variableScope: Scope, parentId: string): VariableParent {
  if (variableScope === "BUILT_IN") {
    throw new QoveryApiFailure(400, "BUILT_IN variables are created by Qovery and have no parent to attach to");
  }
  if (variableScope === "PROJECT") return { kind: "project", id: requireProject(tenant, parentId).id };
  if (variableScope === "ENVIRONMENT") return { kind: "environment", id: requireEnvironment(tenant, parentId).id };
  const service = tenant.data.services.get(parentId);
  if (!service || variableScopeOf(service.type) !== variableScope) throw outsideOrganization(tenant);
  return { kind: "service", id: service.id };
}

function rowById(tenant: SimTenant, id: string): SimVariable {
  const row = tenant.data.variables.get(id);
  if (!row) throw new QoveryApiFailure(404, `Variable not found: ${id}`);
  return row;
}

const listQuery = z.object({
  parent_id: required("parent_id"),
  scope: scope("scope"),
  is_secret: z.enum(["true", "false"], { error: "is_secret must be true or false" }).optional(),
});

const createBody = z.object({
  key: z.string({ error: "key is required" }),
  value: z.string({ error: "value is required" }),
  mount_path: z.string().nullable().optional(),
  is_secret: z.boolean({ error: "is_secret is required" }),
  variable_scope: scope("variable_scope"),
  variable_parent_id: required("variable_parent_id"),
  description,
  enable_interpolation_in_file: z.boolean().nullable().optional(),
  secret_manager_access_id: z.null({ error: "external secret managers are not simulated" }).optional(),
});

const editBody = z.object({
  key: z.string({ error: "key is required" }),
  value: z.string().nullable().optional(),
  description,
  enable_interpolation_in_file: z.boolean().nullable().optional(),
});

const aliasBody = z.object({
  key: z.string({ error: "key is required" }),
  alias_scope: scope("alias_scope"),
  alias_parent_id: required("alias_parent_id"),
  description,
});

const overrideBody = z.object({
  value: z.string({ error: "value is required" }),
  override_scope: scope("override_scope"),
  override_parent_id: required("override_parent_id"),
  description,
});

export function registerVariableRoutes(route: Route, newId: () => string): void {
  const store = (tenant: SimTenant) => storeContextFor(tenant, newId);

  route("GET", "/variable", ({ tenant, query }) => {
    const parsed = listQuery.safeParse(Object.fromEntries(query));
    if (!parsed.success) throw new QoveryApiFailure(400, parsed.error.issues[0]!.message);
    const parent = parentFor(tenant, parsed.data.scope, parsed.data.parent_id);
    const isSecret = parsed.data.is_secret === undefined ? undefined : parsed.data.is_secret === "true";
    const rows = visibleRows(tenant.data, parent, isSecret);
    return paginate(tenant, query, rows.map((row) => variableResponseJson(tenant.data, row)));
  });

  route("POST", "/variable", async ({ tenant, readBody }) => {
    const body = await parseBody(createBody, readBody);
    const parent = parentFor(tenant, body.variable_scope, body.variable_parent_id);
    const row = createVariable(store(tenant), parent, body.is_secret, {
      key: body.key,
      value: body.value,
      description: body.description ?? null,
      mountPath: body.mount_path ?? null,
      enableInterpolationInFile: body.enable_interpolation_in_file ?? null,
    });
    return created(variableResponseJson(tenant.data, row));
  });

  route("PUT", "/variable/{variableId}", async ({ tenant, params, readBody }) => {
    const body = await parseBody(editBody, readBody);
    const row = rowById(tenant, params.variableId!);
    const edited = editVariable(store(tenant), parentOfRow(row), row.isSecret, row.id, {
      key: body.key,
      value: body.value ?? null,
      description: body.description,
      enableInterpolationInFile: body.enable_interpolation_in_file,
    });
    return ok(variableResponseJson(tenant.data, edited));
  });

  route("DELETE", "/variable/{variableId}", ({ tenant, params }) => {
    const row = rowById(tenant, params.variableId!);
    deleteVariable(store(tenant), parentOfRow(row), row.isSecret, row.id);
    return NO_CONTENT;
  });

  route("POST", "/variable/{variableId}/alias", async ({ tenant, params, readBody }) => {
    const body = await parseBody(aliasBody, readBody);
    const target = rowById(tenant, params.variableId!);
    const parent = parentFor(tenant, body.alias_scope, body.alias_parent_id);
    const row = createAlias(store(tenant), parent, target.isSecret, target.id, { key: body.key, description: body.description ?? null });
    return created(variableResponseJson(tenant.data, row));
  });

  route("POST", "/variable/{variableId}/override", async ({ tenant, params, readBody }) => {
    const body = await parseBody(overrideBody, readBody);
    const target = rowById(tenant, params.variableId!);
    const parent = parentFor(tenant, body.override_scope, body.override_parent_id);
    const input = { value: body.value, description: body.description ?? null };
    const row = createOverride(store(tenant), parent, target.isSecret, target.id, input);
    return created(variableResponseJson(tenant.data, row));
  });
}
