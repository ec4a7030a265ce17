/**
 * Services of an environment: listings (all types in one call, or per type), statuses, and the deploy, redeploy and
 * restart actions. Actions answer 202 and settle later on the tenant's clock. Qovery's removed `restart` endpoints
 * (environment and per service) are deliberately absent, so they answer 404 like any unknown path.
 */
import { z } from "zod";
import {
  accepted,
  actionContextFor,
  ok,
  paginate,
  parseBody,
  requireEnvironment,
  requireProject,
  requireService,
  type Route,
} from "./http.ts";
import { QoveryApiFailure, SERVICE_TYPES, type ServiceAction, type ServiceType, type SimService } from "./model.ts";
import { environmentActionJson, environmentStatusJson, serviceJson, serviceStatusJson } from "./serialize.ts";
import { requestAction, requestState, SERVICE_SEGMENTS, servicesOf, type ActionTarget } from "./services.ts";
import type { SimTenant } from "./tenant.ts";

/** At most this many ids per list of a bulk deploy or restart body. */
export const MAX_SERVICE_IDS_PER_ACTION = 500;

/** Terraform services have no status endpoint of their own: only `/environment/{id}/statuses` reports them. */
const TYPES_WITH_STATUS: ServiceType[] = ["APPLICATION", "CONTAINER", "JOB", "HELM", "DATABASE"];
/** Only these can be restarted ("reboot"); the console's restart of the others is a redeploy. */
const RESTARTABLE: ServiceType[] = ["APPLICATION", "CONTAINER", "DATABASE"];

/** `EnvironmentStatuses` list names per type. */
const STATUS_LISTS: Record<ServiceType, string> = {
  APPLICATION: "applications",
  CONTAINER: "containers",
  JOB: "jobs",
  DATABASE: "databases",
  HELM: "helms",
  TERRAFORM: "terraforms",
};

const version = z.string().nullable().optional();
const ids = <T extends z.ZodType>(schema: T) => z.array(schema).max(MAX_SERVICE_IDS_PER_ACTION).optional();

/** Version fields of the per-service deploy bodies; any of them, when not empty, is the version to deploy. */
const deployBody = z.object({
  git_commit_id: version,
  image_tag: version,
  chart_version: version,
});

/** `DeployAllRequest`: ids with optional versions; ids only redeploys the current versions. */
const deployAllBody = z.object({
  applications: ids(z.object({ application_id: z.string(), git_commit_id: version })),
  containers: ids(z.object({ id: z.string(), image_tag: version })),
  jobs: ids(z.object({ id: z.string(), image_tag: version, git_commit_id: version })),
  helms: ids(z.object({ id: z.string(), chart_version: version, git_commit_id: version })),
  terraforms: ids(z.object({ id: z.string(), git_commit_id: version })),
  databases: ids(z.string()),
});

/** `RebootServicesRequest`. */
const restartBody = z.object({
  application_ids: ids(z.string()),
  container_ids: ids(z.string()),
  database_ids: ids(z.string()),
});

const versionOf = (...candidates: (string | null | undefined)[]) => candidates.find((candidate) => candidate) ?? null;

/** The services a bulk body names, each checked to be of its list's type and in this environment. */
type NamedServices = [ServiceType, { id: string; version: string | null }[]][];

function bulkTargets(tenant: SimTenant, environmentId: string, lists: NamedServices): ActionTarget[] {
  const targets = new Map<string, ActionTarget>();
  for (const [type, entries] of lists) {
    for (const entry of entries) {
      const service = tenant.data.services.get(entry.id);
      if (!service || service.type !== type || service.environmentId !== environmentId) {
        throw new QoveryApiFailure(400, `${entry.id} is not a ${type.toLowerCase()} of environment ${environmentId}`);
      }
      targets.set(service.id, { service, version: entry.version });
    }
  }
  if (targets.size === 0) throw new QoveryApiFailure(400, "The request names no service");
  return [...targets.values()];
}

export function registerServiceRoutes(route: Route, newId: () => string): void {
  const act = (tenant: SimTenant, environmentId: string, action: ServiceAction, targets: ActionTarget[]) =>
    requestAction(actionContextFor(tenant, newId), environmentId, action, targets);
  const now = (tenant: SimTenant) => tenant.clock.nowMs();

  route("GET", "/environment/deploymentStatus", ({ tenant, query }) => {
    const request = tenant.data.deploymentRequests.get(query.get("deploymentRequestId") ?? "");
    if (!request) throw new QoveryApiFailure(404, "Deployment request not found");
    const status = requestState(request, now(tenant));
    return ok({ deployment_request_id: request.id, environment_id: request.environmentId, status });
  });

  route("GET", "/environment/{environmentId}/services", ({ tenant, params, query }) => {
    const environment = requireEnvironment(tenant, params.environmentId!);
    return paginate(tenant, query, servicesOf(tenant.data, environment.id).map(serviceJson));
  });

  route("GET", "/environment/{environmentId}/status", ({ tenant, params }) =>
    ok(environmentStatusJson(tenant.data, requireEnvironment(tenant, params.environmentId!).id, now(tenant))),
  );

  route("GET", "/environment/{environmentId}/statuses", ({ tenant, params }) => {
    const environment = requireEnvironment(tenant, params.environmentId!);
    const lists = Object.fromEntries(Object.values(STATUS_LISTS).map((list) => [list, [] as unknown[]]));
    for (const service of servicesOf(tenant.data, environment.id)) {
      lists[STATUS_LISTS[service.type]]!.push(serviceStatusJson(tenant.data, service, now(tenant)));
    }
    return ok({ environment: environmentStatusJson(tenant.data, environment.id, now(tenant)), ...lists });
  });

  route("GET", "/project/{projectId}/environment/status", ({ tenant, params }) => {
    const project = requireProject(tenant, params.projectId!);
    const environments = [...tenant.data.environments.values()].filter((env) => env.projectId === project.id);
    return ok({ results: environments.map((env) => environmentStatusJson(tenant.data, env.id, now(tenant))) });
  });

  for (const type of SERVICE_TYPES) {
    const segment = SERVICE_SEGMENTS[type];
    const item = `/${segment}/{${segment}Id}`;
    const serviceOf = (tenant: SimTenant, params: Record<string, string>) => requireService(tenant, params[`${segment}Id`]!, type);
    const ofType = (tenant: SimTenant, environmentId: string) =>
      servicesOf(tenant.data, requireEnvironment(tenant, environmentId).id).filter((service) => service.type === type);
    const single = (tenant: SimTenant, service: SimService, action: ServiceAction, version: string | null) => {
      act(tenant, service.environmentId, action, [{ service, version }]);
      return accepted(serviceStatusJson(tenant.data, service, now(tenant)));
    };

    // `toUpdate` (services with a newer version available) is accepted and ignored: the simulator has no newer versions.
    route("GET", `/environment/{environmentId}/${segment}`, ({ tenant, params, query }) =>
      paginate(tenant, query, ofType(tenant, params.environmentId!).map(serviceJson)),
    );
    // Redeploying an already deployed service needs no version; the body may be absent, `{}` or `null`.
    route("POST", `${item}/deploy`, async ({ tenant, params, readBody }) => {
      const body = await parseBody(deployBody, readBody, true);
      return single(tenant, serviceOf(tenant, params), "DEPLOY", versionOf(body.git_commit_id, body.image_tag, body.chart_version));
    });
    route("POST", `${item}/redeploy`, ({ tenant, params }) => single(tenant, serviceOf(tenant, params), "DEPLOY", null));

    if (TYPES_WITH_STATUS.includes(type)) {
      route("GET", `${item}/status`, ({ tenant, params }) => ok(serviceStatusJson(tenant.data, serviceOf(tenant, params), now(tenant))));
      route("GET", `/environment/{environmentId}/${segment}/status`, ({ tenant, params }) =>
        ok({ results: ofType(tenant, params.environmentId!).map((service) => serviceStatusJson(tenant.data, service, now(tenant))) }),
      );
    }
    if (RESTARTABLE.includes(type)) {
      route("POST", `${item}/restart-service`, ({ tenant, params }) => single(tenant, serviceOf(tenant, params), "RESTART", null));
    }
  }

  // Deploying a whole environment also starts the services a person stopped.
  for (const verb of ["deploy", "redeploy"]) {
    route("POST", `/environment/{environmentId}/${verb}`, ({ tenant, params }) => {
      const environment = requireEnvironment(tenant, params.environmentId!);
      const targets = servicesOf(tenant.data, environment.id).map((service) => ({ service, version: null }));
      if (targets.length === 0) throw new QoveryApiFailure(400, "No service to deploy: the environment has none");
      return accepted(environmentActionJson(tenant.data, act(tenant, environment.id, "DEPLOY", targets), now(tenant)));
    });
  }

  route("POST", "/environment/{environmentId}/service/deploy", async ({ tenant, params, readBody }) => {
    const environment = requireEnvironment(tenant, params.environmentId!);
    const body = await parseBody(deployAllBody, readBody, true);
    const targets = bulkTargets(tenant, environment.id, [
      ["APPLICATION", (body.applications ?? []).map((a) => ({ id: a.application_id, version: versionOf(a.git_commit_id) }))],
      ["CONTAINER", (body.containers ?? []).map((c) => ({ id: c.id, version: versionOf(c.image_tag) }))],
      ["JOB", (body.jobs ?? []).map((j) => ({ id: j.id, version: versionOf(j.image_tag, j.git_commit_id) }))],
      ["HELM", (body.helms ?? []).map((h) => ({ id: h.id, version: versionOf(h.chart_version, h.git_commit_id) }))],
      ["TERRAFORM", (body.terraforms ?? []).map((t) => ({ id: t.id, version: versionOf(t.git_commit_id) }))],
      ["DATABASE", (body.databases ?? []).map((id) => ({ id, version: null }))],
    ]);
    return accepted(environmentActionJson(tenant.data, act(tenant, environment.id, "DEPLOY", targets), now(tenant)));
  });

  route("POST", "/environment/{environmentId}/service/restart-service", async ({ tenant, params, readBody }) => {
    const environment = requireEnvironment(tenant, params.environmentId!);
    const body = await parseBody(restartBody, readBody, true);
    const targets = bulkTargets(tenant, environment.id, [
      ["APPLICATION", (body.application_ids ?? []).map((id) => ({ id, version: null }))],
      ["CONTAINER", (body.container_ids ?? []).map((id) => ({ id, version: null }))],
      ["DATABASE", (body.database_ids ?? []).map((id) => ({ id, version: null }))],
    ]);
    return accepted(environmentActionJson(tenant.data, act(tenant, environment.id, "RESTART", targets), now(tenant)));
  });
}
