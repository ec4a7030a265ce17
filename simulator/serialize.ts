/** JSON shapes of Qovery's responses (field names and nulls as the live API sends them). */
import { formatMicros } from "./clock.ts";
import type { DeploymentRequest, SimEnvironment, SimOrganization, SimProject, SimService, SimVariable, TenantData } from "./model.ts";
import {
  currentState,
  deploymentStatusOf,
  environmentDeploymentStatus,
  environmentState,
  lastRequest,
  requestState,
  SERVICE_SEGMENTS,
  statusDetails,
} from "./services.ts";
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

/**
 * The aliased or overridden row embedded in another: the legacy secret shape has no `value` at all, the unified one
 * says `null`.
 */
function linkedVariable(data: TenantData, row: SimVariable | undefined, secretValue: "absent" | "null") {
  if (!row) return null;
  const base = { id: row.id, key: row.key, scope: row.scope, variable_type: row.variableType };
  if (row.isSecret) return secretValue === "absent" ? base : { ...base, value: null, mount_path: row.mountPath };
  return { ...base, value: presentedValue(data, row), mount_path: row.mountPath };
}

const linked = (data: TenantData, id: string | null, secretValue: "absent" | "null" = "absent") =>
  linkedVariable(data, id ? data.variables.get(id) : undefined, secretValue);

const commonVariableFields = (row: SimVariable) => ({
  id: row.id,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
  key: row.key,
});

function serviceFields(data: TenantData, row: SimVariable) {
  const service = row.serviceId ? data.services.get(row.serviceId) : undefined;
  return { service_id: service?.id ?? null, service_name: service?.name ?? null, service_type: service?.type ?? null, owned_by: "QOVERY" };
}

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
    ...serviceFields(data, row),
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
    ...serviceFields(data, row),
  };
}

/** `VariableResponse` of the unified `/variable` API: one shape for both kinds, `value: null` for secrets. */
export function variableResponseJson(data: TenantData, row: SimVariable) {
  return {
    ...commonVariableFields(row),
    value: row.isSecret ? null : presentedValue(data, row),
    mount_path: row.mountPath,
    description: row.description,
    enable_interpolation_in_file: row.enableInterpolationInFile,
    scope: row.scope,
    variable_type: row.variableType,
    variable_kind: row.isSecret ? "Private" : "Public",
    overridden_variable: linked(data, row.overriddenId, "null"),
    aliased_variable: linked(data, row.aliasedId, "null"),
    ...serviceFields(data, row),
    is_secret: row.isSecret,
    secret_manager_access_id: null,
  };
}

const REPOSITORY_OWNER = "simulated-org";

/** Type-specific fields of a service, enough for a destination picker and to tell versions apart. */
function serviceDetails(service: SimService) {
  const name = `${REPOSITORY_OWNER}/${service.name}`;
  const repository = { url: `https://github.com/${name}.git`, branch: "main", root_path: "/", deployed_commit_id: service.version };
  switch (service.type) {
    case "APPLICATION":
      return { git_repository: { ...repository, provider: "GITHUB", owner: REPOSITORY_OWNER, name }, build_mode: "DOCKER" };
    case "CONTAINER":
      return {
        image_name: name,
        tag: service.version ?? "latest",
        registry: { name: "Docker Hub", kind: "DOCKER_HUB", url: "https://docker.io" },
      };
    case "JOB":
      return { job_type: service.jobType, source: { docker: { git_repository: repository } } };
    case "HELM":
      return { source: { repository: { chart_name: service.name, chart_version: service.version } } };
    case "TERRAFORM":
      return { engine: "TERRAFORM", terraform_files_source: { git: { git_repository: repository } } };
    case "DATABASE":
      return { type: "POSTGRESQL", version: "16", mode: "CONTAINER", accessibility: "PRIVATE" };
  }
}

/** One item of the service listings, with the `service_type` discriminator of `/environment/{id}/services`. */
export function serviceJson(service: SimService) {
  return {
    id: service.id,
    created_at: service.createdAt,
    updated_at: service.updatedAt,
    name: service.name,
    description: null,
    service_type: service.type,
    environment: { id: service.environmentId },
    icon_uri: `app://qovery-console/${SERVICE_SEGMENTS[service.type]}`,
    ...serviceDetails(service),
  };
}

/** Qovery's `Status` of one service. */
export function serviceStatusJson(data: TenantData, service: SimService, nowMs: number) {
  const last = lastRequest(data, service.environmentId);
  const head = service.pending[0];
  return {
    id: service.id,
    state: currentState(service, nowMs),
    service_deployment_status: deploymentStatusOf(service),
    status_details: { ...statusDetails(service, nowMs), sub_action: "NONE" },
    is_part_last_deployment: last?.serviceIds.includes(service.id) ?? false,
    deployment_request_id: head?.requestId ?? service.lastRequestId,
    deployment_requests_count: service.pending.length,
    last_deployment_date: service.lastDeploymentDate,
  };
}

/** Qovery's `EnvironmentStatus`. */
export function environmentStatusJson(data: TenantData, environmentId: string, nowMs: number) {
  const last = lastRequest(data, environmentId);
  const state = environmentState(data, environmentId, nowMs);
  const stamp = (ms: number) => formatMicros(ms * 1000);
  return {
    id: environmentId,
    state,
    last_deployment_state: last ? requestState(last, nowMs) : state,
    last_deployment_date: last ? stamp(last.requestedAtMs) : null,
    last_deployment_id: last?.id ?? null,
    total_deployment_duration_in_seconds: last?.finishedAtMs ? Math.round((last.finishedAtMs - last.requestedAtMs) / 1000) : null,
    origin: last ? "API" : null,
    triggered_by: null,
    deployment_status: environmentDeploymentStatus(data, environmentId),
    deployment_request_id: last && last.finishedAtMs === null ? last.id : null,
    metrics: null,
  };
}

/**
 * The answer to an environment-wide action: Qovery declares `Status` for some and `EnvironmentStatus` for others, so
 * it carries the keys of both.
 */
export function environmentActionJson(data: TenantData, request: DeploymentRequest, nowMs: number) {
  const environment = environmentStatusJson(data, request.environmentId, nowMs);
  return {
    ...environment,
    service_deployment_status: environment.deployment_status,
    status_details: { action: request.action, status: "QUEUED", sub_action: "NONE" },
    is_part_last_deployment: true,
    deployment_request_id: request.id,
    deployment_requests_count: 1,
  };
}
