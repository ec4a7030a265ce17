/** The simulator's in-memory model of one Qovery organization and the errors its API answers with. */

export type ParentKind = "project" | "environment";
/** The subset of Qovery's `APIVariableScopeEnum` that exists without services. */
export type VariableScope = "BUILT_IN" | "PROJECT" | "ENVIRONMENT";
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
  createdAt: string;
  updatedAt: string;
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
