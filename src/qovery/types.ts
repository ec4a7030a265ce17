/** What the rest of the service sees of Qovery: small camelCase records, independent of Qovery's wire format. */

/** Where a variable lives; also the first path segment of its endpoint family. */
export type QoveryVariableScope = "project" | "environment";

/** The `scope` value Qovery gives rows defined at a target's own level. */
export const OWN_SCOPE: Record<QoveryVariableScope, string> = { project: "PROJECT", environment: "ENVIRONMENT" };
/** Secrets and plain variables have separate endpoint families but share one key namespace in Qovery. */
export type QoveryVariableKind = "secret" | "variable";

export interface VariableTarget {
  scope: QoveryVariableScope;
  /** the project id or environment id */
  parentId: string;
  kind: QoveryVariableKind;
}

export interface QoveryOrganization {
  id: string;
  name: string;
}

export interface QoveryProject {
  id: string;
  name: string;
  organizationId: string | null;
}

export interface QoveryEnvironment {
  id: string;
  name: string;
  projectId: string | null;
  /** DEVELOPMENT, PREVIEW, PRODUCTION or STAGING */
  mode: string | null;
}

export interface QoveryVariable {
  id: string;
  key: string;
  /** always null for secrets: Qovery never returns their values */
  value: string | null;
  /**
   * The scope the row is defined at (`PROJECT`, `ENVIRONMENT`, `BUILT_IN`, ...). A list at one scope also returns
   * rows inherited from above, so filter on this before matching keys.
   */
  scope: string;
  /** `VALUE`, `ALIAS`, `OVERRIDE`, `BUILT_IN`, `FILE`, ...; null when Qovery leaves it out */
  variableType: string | null;
  createdAt: string;
  updatedAt: string | null;
}

/** One HTTP exchange with Qovery, reported through `onCall` (retries are separate calls with a higher `attempt`). */
export interface QoveryCall {
  method: string;
  /** e.g. `/environment/{environmentId}/secret`: stable for counting, free of ids */
  pathTemplate: string;
  path: string;
  /** null when no response arrived */
  status: number | null;
  /** set when no response arrived */
  failure?: "timeout" | "network";
  durationMs: number;
  /** 1 for the first try of a request, 2 for its first retry, ... */
  attempt: number;
}

export interface RetryPolicy {
  /** tries per request, the first one included */
  maxAttempts: number;
  /** first backoff delay; doubles with every retry */
  baseDelayMs: number;
  /** no single wait is longer; a rate limit that asks for longer fails at once (with `retryAfterMs`) */
  maxDelayMs: number;
  /** relative spread of the delays (0.2 = ±20 % for backoff; up to +20 % over what a rate limit asks) */
  jitter: number;
  sleep: (ms: number) => Promise<void>;
  /** in [0, 1) */
  random: () => number;
  now: () => number;
}

export interface QoveryClientOptions {
  /** `https://api.qovery.com` in production (env `QOVERY_API_URL`), the simulator in tests and `npm run dev` */
  baseUrl: string;
  /** sent as `Authorization: Token <token>`; never logged nor put in error messages */
  token: string;
  fetch?: (request: Request) => Promise<Response>;
  /** per HTTP attempt, response body included */
  timeoutMs?: number;
  onCall?: (call: QoveryCall) => void;
  retry?: Partial<RetryPolicy>;
  /** a paginated list longer than this fails instead of coming back partial */
  maxPages?: number;
}
