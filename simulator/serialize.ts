/** JSON shapes of Qovery's responses (field names and nulls as the live API sends them, see docs/qovery-api.md §3, §4.4). */
import type { SimEnvironment, SimOrganization, SimProject, SimVariable, TenantData } from "./model.ts";
import { aliasTarget } from "./variables.ts";

export function organizationJson(org: SimOrganization) {
  return {
    id: org.id,
    created_at: org.createdAt,
    updated_at: org.updatedAt,
    name: org.name,
    description: null,
    plan: "TEAM",
    website_url: null,
    repository: null,
    logo_url: null,
    icon_url: null,
    admin_emails: [],
    owner: org.ownerId,
    billing_deployment_restriction: null,
    organization_plan: { plan: "TEAM", audit_logs_retention_in_days: 30 },
  };
}

export function projectJson(data: TenantData, project: SimProject) {
  const environmentCount = [...data.environments.values()].filter((env) => env.projectId === project.id).length;
  return {
    id: project.id,
    created_at: project.createdAt,
    updated_at: project.updatedAt,
    name: project.name,
    description: project.description,
    associated_environments_count: environmentCount,
    organization: { id: project.organizationId },
  };
}

export function environmentJson(data: TenantData, env: SimEnvironment) {
  return {
    id: env.id,
    created_at: env.createdAt,
    updated_at: env.updatedAt,
    name: env.name,
    organization: { id: env.organizationId },
    project: { id: env.projectId },
    last_updated_by: data.organization.ownerId,
    cloud_provider: { provider: "AWS", cluster: "simulated-cluster" },
    mode: env.mode,
    cluster_id: env.clusterId,
    cluster_name: "simulated-cluster",
    expires_at: null,
  };
}

/** The value a row presents: an alias shows the key it points to. */
export function presentedValue(data: TenantData, row: SimVariable): string {
  return row.variableType === "ALIAS" ? aliasTarget(data, row).key : row.value;
}

function linkedVariable(data: TenantData, row: SimVariable | undefined) {
  if (!row) return null;
  const base = { id: row.id, key: row.key, scope: row.scope, variable_type: row.variableType };
  return row.isSecret ? base : { ...base, value: presentedValue(data, row), mount_path: row.mountPath };
}

const linked = (data: TenantData, id: string | null) => linkedVariable(data, id ? data.variables.get(id) : undefined);

const commonVariableFields = (row: SimVariable) => ({
  id: row.id,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
  key: row.key,
});

const serviceFields = { service_id: null, service_name: null, service_type: null, owned_by: "QOVERY" };

/** `EnvironmentVariable` of the legacy per-scope families. */
export function environmentVariableJson(data: TenantData, row: SimVariable) {
  return {
    ...commonVariableFields(row),
    value: presentedValue(data, row),
    mount_path: row.mountPath,
    description: row.description,
    enable_interpolation_in_file: row.enableInterpolationInFile,
    scope: row.scope,
    variable_type: row.variableType,
    variable_kind: "Public",
    overridden_variable: linked(data, row.overriddenId),
    aliased_variable: linked(data, row.aliasedId),
    ...serviceFields,
  };
}

/** `Secret` of the legacy per-scope families: no `value` and no `mount_path` property at all. */
export function secretJson(data: TenantData, row: SimVariable) {
  return {
    ...commonVariableFields(row),
    description: row.description,
    enable_interpolation_in_file: row.enableInterpolationInFile,
    scope: row.scope,
    variable_type: row.variableType,
    variable_kind: "Private",
    overridden_secret: linked(data, row.overriddenId),
    aliased_secret: linked(data, row.aliasedId),
    ...serviceFields,
  };
}
