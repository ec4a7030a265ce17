/** The simulator's in-memory model of one Qovery organization and the errors its API answers with. */

export type ParentKind = "project" | "environment" | "service";
/** Qovery's `ServiceTypeEnum` restricted to the types the simulator models (`LinkedServiceTypeEnum`). */
export const SERVICE_TYPES = ["APPLICATION", "CONTAINER", "JOB", "HELM", "TERRAFORM", "DATABASE"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
/** Databases have no variables: every other service type is also the scope of its own variables. */
export type VariableServiceType = Exclude<ServiceType, "DATABASE">;
/** The subset of Qovery's `APIVariableScopeEnum` the simulator serves (no agentic workflows). */
export type VariableScope = "BUILT_IN" | "PROJECT" | "ENVIRONMENT" | VariableServiceType;
/** The subset of Qovery's `APIVariableTypeEnum` the simulator produces. */
export type VariableType = "VALUE" | "ALIAS" | "OVERRIDE" | "BUILT_IN" | "FILE";
export type EnvironmentMode = "DEVELOPMENT" | "PREVIEW" | "PRODUCTION" | "STAGING";

export interface SimOrganization {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

export interface SimProject {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SimEnvironment {
  id: string;
  organizationId: string;
  projectId: string;
  name: string;
  mode: EnvironmentMode;
  clusterId: string;
  /** the latest deployment request of the environment (see `DeploymentRequest`) */
  lastDeploymentRequestId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Qovery's `StateEnum` (29 values). */
export const STATES = [
  "BUILDING", "BUILD_ERROR", "CANCELED", "CANCELING", "DELETED", "DELETE_ERROR", "DELETE_QUEUED", "DELETING", "DEPLOYED", "DEPLOYING",
  "DEPLOYMENT_ERROR", "DEPLOYMENT_QUEUED", "EXECUTING", "QUEUED", "READY", "RECAP", "RESTARTED", "RESTARTING", "RESTART_ERROR",
  "RESTART_QUEUED", "STOPPED", "STOPPING", "STOP_ERROR", "STOP_QUEUED", "UNAVAILABLE", "WAITING_DELETING", "WAITING_RESTARTING",
  "WAITING_RUNNING", "WAITING_STOPPING",
] as const;
export type State = (typeof STATES)[number];
/** States a service can rest in between actions (what the control API lets a test seed). */
export const SETTLED_STATES = [
  "READY", "DEPLOYED", "STOPPED", "RESTARTED", "BUILD_ERROR", "DEPLOYMENT_ERROR", "RESTART_ERROR", "STOP_ERROR", "CANCELED",
] as const satisfies readonly State[];
export type SettledState = (typeof SETTLED_STATES)[number];
/** How a deployment may end other than DEPLOYED; produced by `deployment` faults. */
export const DEPLOY_FAILURES = ["BUILD_ERROR", "DEPLOYMENT_ERROR", "CANCELED"] as const;
export type ActionOutcome = "DEPLOYED" | "RESTARTED" | (typeof DEPLOY_FAILURES)[number];
export type ServiceAction = "DEPLOY" | "RESTART";
/** `status_details.status` of Qovery's `Status` once an action is over (or before the first one). */
export type ActionResult = "SUCCESS" | "ERROR" | "CANCELED" | "NEVER";

/** A deploy or restart of one service, queued or running; it settles into the service when `endsAtMs` has passed. */
export interface PendingAction {
  requestId: string;
  action: ServiceAction;
  /** QUEUED (RESTART_QUEUED) before, DEPLOYING (RESTARTING) from then on */
  startsAtMs: number;
  endsAtMs: number;
  outcome: ActionOutcome;
  /** the service's `configVersion` when the action started running; what a successful deploy applies */
  appliedConfigVersion: number | null;
  /** the version (commit, image tag, chart version) the deploy asked for; null keeps the current one */
  version: string | null;
}

export interface SimService {
  id: string;
  environmentId: string;
  name: string;
  type: ServiceType;
  /** jobs only */
  jobType: "LIFECYCLE" | "CRON" | null;
  /** git commit, image tag or chart version of the last deploy; null before the first one */
  version: string | null;
  /** the state when no action is pending */
  state: SettledState;
  /** moves on with every variable change the service sees */
  configVersion: number;
  /** the configuration its last successful deploy applied; null: never deployed */
  deployedConfigVersion: number | null;
  lastDeploymentDate: string | null;
  lastRequestId: string | null;
  /** `status_details` once nothing is pending */
  lastAction: { action: ServiceAction | "STOP" | "UNKNOWN"; result: ActionResult };
  pending: PendingAction[];
  createdAt: string;
  updatedAt: string;
}

/** One accepted deploy or restart call: what Qovery calls a deployment request. */
export interface DeploymentRequest {
  id: string;
  environmentId: string;
  action: ServiceAction;
  serviceIds: string[];
  requestedAtMs: number;
  /** when its actions leave the queue and start running */
  startsAtMs: number;
  /** filled in as each service's action settles */
  outcomes: Map<string, ActionOutcome>;
  finishedAtMs: number | null;
}

/**
 * One row of the single variable store behind all four per-scope families: plain variables and secrets share it,
 * which is what makes a secret and a variable with the same key collide.
 */
export interface SimVariable {
  id: string;
  key: string;
  /** for an alias the value is derived from its target, so this field is unused */
  value: string;
  isSecret: boolean;
  scope: VariableScope;
  /** where the row lives; BUILT_IN rows hang off a project or an environment */
  parentKind: ParentKind;
  parentId: string;
  /** the service a row belongs to: the parent of a service-scope row, or the service a BUILT_IN row describes */
  serviceId: string | null;
  variableType: VariableType;
  mountPath: string | null;
  description: string | null;
  enableInterpolationInFile: boolean | null;
  aliasedId: string | null;
  overriddenId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TenantData {
  organization: SimOrganization;
  projects: Map<string, SimProject>;
  environments: Map<string, SimEnvironment>;
  variables: Map<string, SimVariable>;
  services: Map<string, SimService>;
  deploymentRequests: Map<string, DeploymentRequest>;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const statusText = (status: number) => STATUS_TEXT[status] ?? "Error";

/** A failure the simulated API reports with Qovery's error body `{status, error, detail}`. */
export class QoveryApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = "QoveryApiFailure";
  }

  body(): Record<string, unknown> {
    return { status: this.status, error: statusText(this.status), detail: this.detail, ...this.extra };
  }
}
