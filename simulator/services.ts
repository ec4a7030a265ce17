/**
 * Services of an environment and their deployments. A deploy or restart is a `PendingAction` with fixed times
 * (queued until `startsAtMs`, running until `endsAtMs`); `settle` folds the actions whose time has come into the
 * service, so the state follows the tenant's clock without any timer. A service is OUT_OF_DATE when the
 * configuration it sees (`configVersion`, moved by variable changes) differs from what its last successful deploy
 * applied (`deployedConfigVersion`).
 */
import {
  QoveryApiFailure,
  type ActionOutcome,
  type ActionResult,
  type DeploymentRequest,
  type PendingAction,
  type ServiceAction,
  type ServiceType,
  type SettledState,
  type SimService,
  type State,
  type TenantData,
  type VariableServiceType,
} from "./model.ts";

/** URL segment of each service type (`/application/{id}/redeploy`, `/environment/{id}/application`). */
export const SERVICE_SEGMENTS: Record<ServiceType, string> = {
  APPLICATION: "application",
  CONTAINER: "container",
  JOB: "job",
  HELM: "helm",
  TERRAFORM: "terraform",
  DATABASE: "database",
};

/** The variable scope of a service type; databases have none. */
export function variableScopeOf(type: ServiceType): VariableServiceType | null {
  return type === "DATABASE" ? null : type;
}

/** Bounded memory for long benches: the oldest finished deployment requests are forgotten past this many. */
export const MAX_DEPLOYMENT_REQUESTS = 1_000;

export interface DeploymentTiming {
  queuedSeconds: number;
  runningSeconds: number;
}

/** What a deploy call asks while the environment is still busy: refuse with 400 or 409, or queue behind it. */
export type InProgressAnswer = 400 | 409 | "queue";

export type DeploymentStatus = "NEVER_DEPLOYED" | "OUT_OF_DATE" | "UP_TO_DATE";

export function deploymentStatusOf(service: SimService): DeploymentStatus {
  if (service.deployedConfigVersion === null) return "NEVER_DEPLOYED";
  return service.deployedConfigVersion === service.configVersion ? "UP_TO_DATE" : "OUT_OF_DATE";
}

const resultOf = (outcome: ActionOutcome): ActionResult =>
  outcome === "DEPLOYED" || outcome === "RESTARTED" ? "SUCCESS" : outcome === "CANCELED" ? "CANCELED" : "ERROR";

/** Folds every action whose time has come into its service; call before reading or changing deployment state. */
export function settle(data: TenantData, nowMs: number, stamp: (ms: number) => string): void {
  for (const service of data.services.values()) {
    while (service.pending.length > 0) {
      const action = service.pending[0]!;
      if (nowMs < action.startsAtMs) break;
      // The deploy applies the configuration as it is when the deploy starts running, not when it was requested.
      action.appliedConfigVersion ??= service.configVersion;
      if (nowMs < action.endsAtMs) break;
      service.pending.shift();
      finish(data, service, action, stamp(action.endsAtMs));
    }
  }
}

function finish(data: TenantData, service: SimService, action: PendingAction, at: string): void {
  service.state = action.outcome;
  service.lastAction = { action: action.action, result: resultOf(action.outcome) };
  service.updatedAt = at;
  if (action.outcome === "DEPLOYED") {
    service.deployedConfigVersion = action.appliedConfigVersion;
    service.version = action.version ?? service.version;
    service.lastDeploymentDate = at;
  }
  const request = data.deploymentRequests.get(action.requestId);
  if (!request) return;
  request.outcomes.set(service.id, action.outcome);
  if (request.outcomes.size === request.serviceIds.length) request.finishedAtMs = action.endsAtMs;
}

/** The state Qovery reports now: the running or queued action's, else the one the service rests in. */
export function currentState(service: SimService, nowMs: number): State {
  const action = service.pending[0];
  if (!action) return service.state;
  const queued = nowMs < action.startsAtMs;
  if (action.action === "RESTART") return queued ? "RESTART_QUEUED" : "RESTARTING";
  return queued ? "QUEUED" : "DEPLOYING";
}

/** `status_details` of Qovery's `Status`: the action in flight, or how the last one ended. */
export function statusDetails(service: SimService, nowMs: number): { action: SimService["lastAction"]["action"]; status: string } {
  const action = service.pending[0];
  if (action) return { action: action.action, status: nowMs < action.startsAtMs ? "QUEUED" : "ONGOING" };
  return { action: service.lastAction.action, status: service.lastAction.result };
}

export const servicesOf = (data: TenantData, environmentId: string) =>
  [...data.services.values()].filter((service) => service.environmentId === environmentId);

const busyUntil = (services: SimService[]) =>
  Math.max(0, ...services.flatMap((service) => service.pending.map((action) => action.endsAtMs)));

export interface ActionTarget {
  service: SimService;
  /** a version to deploy; null redeploys the current one */
  version: string | null;
}

export interface ActionContext {
  data: TenantData;
  nowMs: number;
  newId: () => string;
  timing: DeploymentTiming;
  whileInProgress: InProgressAnswer;
  /** how the deploy of this service ends; consumes a `deployment` fault when one matches */
  outcomeFor: (service: SimService) => ActionOutcome;
}

/**
 * Accepts one deploy or restart of `targets` (all in `environmentId`) as a single deployment request. Only one runs
 * at a time per environment: while one is queued or running, a new one is refused with 400/409 or queued behind it.
 */
export function requestAction(
  ctx: ActionContext,
  environmentId: string,
  action: ServiceAction,
  targets: ActionTarget[],
): DeploymentRequest {
  const environment = ctx.data.environments.get(environmentId)!;
  const running = busyUntil(servicesOf(ctx.data, environmentId));
  if (running > ctx.nowMs && ctx.whileInProgress !== "queue") {
    throw new QoveryApiFailure(ctx.whileInProgress, "Operation is in progress: a deployment of this environment is queued or running");
  }
  for (const { service, version } of targets) assertActionAllowed(service, action, version);

  const startsAtMs = Math.max(ctx.nowMs + ctx.timing.queuedSeconds * 1000, running);
  const request: DeploymentRequest = {
    id: ctx.newId(),
    environmentId,
    action,
    serviceIds: targets.map((target) => target.service.id),
    requestedAtMs: ctx.nowMs,
    startsAtMs,
    outcomes: new Map(),
    finishedAtMs: null,
  };
  for (const { service, version } of targets) {
    service.pending.push({
      requestId: request.id,
      action,
      startsAtMs,
      endsAtMs: startsAtMs + ctx.timing.runningSeconds * 1000,
      outcome: action === "RESTART" ? "RESTARTED" : ctx.outcomeFor(service),
      appliedConfigVersion: null,
      version,
    });
    service.lastRequestId = request.id;
  }
  ctx.data.deploymentRequests.set(request.id, request);
  environment.lastDeploymentRequestId = request.id;
  forgetOldRequests(ctx.data);
  return request;
}

function assertActionAllowed(service: SimService, action: ServiceAction, version: string | null): void {
  if (action === "RESTART") {
    if (service.deployedConfigVersion === null || service.state === "STOPPED") {
      throw new QoveryApiFailure(400, `Service ${service.name} is not running: it cannot be restarted`);
    }
    return;
  }
  // Without a version Qovery redeploys the current one, so a service that never ran needs one (git and image services).
  const needsVersion = service.type === "APPLICATION" || service.type === "CONTAINER";
  if (needsVersion && version === null && service.version === null) {
    throw new QoveryApiFailure(400, `Service ${service.name} has never been deployed: a version is required to deploy it`);
  }
}

function forgetOldRequests(data: TenantData): void {
  for (const request of data.deploymentRequests.values()) {
    if (data.deploymentRequests.size <= MAX_DEPLOYMENT_REQUESTS) return;
    if (request.finishedAtMs !== null) data.deploymentRequests.delete(request.id);
  }
}

const ERROR_PRIORITY: ActionOutcome[] = ["BUILD_ERROR", "DEPLOYMENT_ERROR", "CANCELED"];

/** The state of one deployment request: in flight, or how it ended as a whole. */
export function requestState(request: DeploymentRequest, nowMs: number): State {
  if (request.finishedAtMs === null) {
    const queued = nowMs < request.startsAtMs;
    if (request.action === "RESTART") return queued ? "RESTART_QUEUED" : "RESTARTING";
    return queued ? "QUEUED" : "DEPLOYING";
  }
  const outcomes = [...request.outcomes.values()];
  return ERROR_PRIORITY.find((outcome) => outcomes.includes(outcome)) ?? (request.action === "RESTART" ? "RESTARTED" : "DEPLOYED");
}

/** The environment's own state: its latest request's while one is known, else what its services rest in. */
export function environmentState(data: TenantData, environmentId: string, nowMs: number): State {
  const last = lastRequest(data, environmentId);
  if (last) return requestState(last, nowMs);
  const resting = servicesOf(data, environmentId)
    .map((service) => service.state)
    .filter((state) => state !== "READY");
  if (resting.length === 0) return "READY";
  return resting.every((state) => state === "STOPPED") ? "STOPPED" : "DEPLOYED";
}

export function lastRequest(data: TenantData, environmentId: string): DeploymentRequest | undefined {
  const id = data.environments.get(environmentId)!.lastDeploymentRequestId;
  return id ? data.deploymentRequests.get(id) : undefined;
}

/** NEVER_DEPLOYED until one service was deployed; OUT_OF_DATE as soon as one service is. */
export function environmentDeploymentStatus(data: TenantData, environmentId: string): DeploymentStatus {
  const statuses = servicesOf(data, environmentId).map(deploymentStatusOf);
  if (statuses.includes("OUT_OF_DATE")) return "OUT_OF_DATE";
  return statuses.includes("UP_TO_DATE") ? "UP_TO_DATE" : "NEVER_DEPLOYED";
}

export interface ServiceSeed {
  id: string;
  environmentId: string;
  name: string;
  type: ServiceType;
  jobType?: "LIFECYCLE" | "CRON";
  /** where the service rests; DEPLOYED unless given */
  state?: SettledState;
  /** true: created and never deployed (status NEVER_DEPLOYED); the default for READY */
  neverDeployed?: boolean;
  /** true: deployed, but its configuration changed since (status OUT_OF_DATE) */
  outOfDate?: boolean;
  version?: string | null;
}

/** A version for a service that was deployed before the simulator knew it: a commit for git services, else a tag. */
function seededVersion(seed: ServiceSeed): string | null {
  if (seed.type === "APPLICATION" || seed.type === "JOB" || seed.type === "TERRAFORM") return seed.id.replace(/-/g, "").padEnd(40, "0");
  return "1.0.0";
}

export function newService(seed: ServiceSeed, at: string): SimService {
  const state = seed.state ?? "DEPLOYED";
  const neverDeployed = seed.neverDeployed ?? state === "READY";
  return {
    id: seed.id,
    environmentId: seed.environmentId,
    name: seed.name,
    type: seed.type,
    jobType: seed.type === "JOB" ? (seed.jobType ?? "LIFECYCLE") : null,
    version: seed.version !== undefined ? seed.version : neverDeployed ? null : seededVersion(seed),
    state,
    configVersion: seed.outOfDate && !neverDeployed ? 1 : 0,
    deployedConfigVersion: neverDeployed ? null : 0,
    lastDeploymentDate: neverDeployed ? null : at,
    lastRequestId: null,
    lastAction: neverDeployed ? { action: "UNKNOWN", result: "NEVER" } : seededLastAction(state),
    pending: [],
    createdAt: at,
    updatedAt: at,
  };
}

/** What a service seeded in `state` last went through, for its `status_details`. */
function seededLastAction(state: SettledState): SimService["lastAction"] {
  const action = state === "STOPPED" || state === "STOP_ERROR" ? "STOP" : state.startsWith("RESTART") ? "RESTART" : "DEPLOY";
  const result = state.endsWith("_ERROR") ? "ERROR" : state === "CANCELED" ? "CANCELED" : "SUCCESS";
  return { action, result };
}
