/**
 * Typed failures of Qovery calls. `kind` is a stable error class for run reports and metrics; messages are written
 * for the user who has to act on them, and are built only from the call's method, path template, status and
 * Qovery's (redacted) detail, never from the token or any value sent.
 */

export type QoveryErrorKind =
  | "qovery_auth"
  | "qovery_forbidden"
  | "qovery_not_found"
  | "qovery_conflict"
  | "qovery_validation"
  | "qovery_rate_limited"
  | "qovery_upstream"
  | "qovery_network"
  | "qovery_timeout";

export interface QoveryCallContext {
  method: string;
  pathTemplate: string;
}

export class QoveryError extends Error {
  constructor(
    readonly kind: QoveryErrorKind,
    message: string,
    readonly call: QoveryCallContext,
    /** the HTTP status, or null when no (usable) response arrived */
    readonly status: number | null,
    /** Qovery's own explanation (`detail`), already redacted */
    readonly detail: string | null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

const where = (call: QoveryCallContext, status?: number) =>
  status === undefined ? `${call.method} ${call.pathTemplate}` : `${status} on ${call.method} ${call.pathTemplate}`;

const because = (detail: string | null) => (detail ? `: ${detail}` : "");

export class QoveryAuthError extends QoveryError {
  constructor(call: QoveryCallContext, detail: string | null) {
    super(
      "qovery_auth",
      `Qovery rejected the API token (${where(call, 401)})${because(detail)}. Check that the token is correct and has not been revoked`,
      call,
      401,
      detail,
    );
  }
}

export class QoveryForbiddenError extends QoveryError {
  constructor(call: QoveryCallContext, detail: string | null) {
    // Qovery answers 403, not 404, for ids that do not exist or belong to another organization.
    super(
      "qovery_forbidden",
      `Qovery refused access (${where(call, 403)})${because(detail)}. The id may not exist, may belong to another organization than the token's, or the token's role lacks permission`,
      call,
      403,
      detail,
    );
  }
}

export class QoveryNotFoundError extends QoveryError {
  constructor(call: QoveryCallContext, detail: string | null) {
    super("qovery_not_found", `Qovery found no such resource (${where(call, 404)})${because(detail)}`, call, 404, detail);
  }
}

export class QoveryConflictError extends QoveryError {
  constructor(call: QoveryCallContext, detail: string | null) {
    super("qovery_conflict", `Qovery reported a conflict (${where(call, 409)})${because(detail)}`, call, 409, detail);
  }
}

export class QoveryValidationError extends QoveryError {
  constructor(call: QoveryCallContext, status: number, detail: string | null) {
    super("qovery_validation", `Qovery refused the request as invalid (${where(call, status)})${because(detail)}`, call, status, detail);
  }
}

export class QoveryRateLimitError extends QoveryError {
  constructor(
    call: QoveryCallContext,
    detail: string | null,
    /** how long Qovery asked to wait, when it said */
    readonly retryAfterMs: number | null,
  ) {
    const wait = retryAfterMs === null ? "" : `; Qovery asks to retry in ${Math.ceil(retryAfterMs / 1000)} s`;
    super("qovery_rate_limited", `Qovery rate limit reached (${where(call, 429)})${because(detail)}${wait}`, call, 429, detail);
  }
}

/** 5xx answers, and answers Qovery should never give (unexpected status, malformed body, endless pagination). */
export class QoveryUpstreamError extends QoveryError {
  constructor(call: QoveryCallContext, status: number | null, problem: string, detail: string | null = null) {
    super("qovery_upstream", `Qovery failed (${status === null ? where(call) : where(call, status)}): ${problem}${because(detail)}`, call, status, detail);
  }
}

export class QoveryNetworkError extends QoveryError {
  constructor(call: QoveryCallContext, reason: string) {
    super("qovery_network", `Could not reach Qovery (${where(call)}): ${reason}`, call, null, null);
  }
}

export class QoveryTimeoutError extends QoveryError {
  constructor(call: QoveryCallContext, timeoutMs: number) {
    super("qovery_timeout", `Qovery did not answer within ${timeoutMs} ms (${where(call)})`, call, null, null);
  }
}

/** The typed error for a non-2xx answer. */
export function errorForStatus(call: QoveryCallContext, status: number, detail: string | null, retryAfterMs: number | null): QoveryError {
  switch (status) {
    case 400:
    case 422:
      return new QoveryValidationError(call, status, detail);
    case 401:
      return new QoveryAuthError(call, detail);
    case 403:
      return new QoveryForbiddenError(call, detail);
    case 404:
      return new QoveryNotFoundError(call, detail);
    case 409:
      return new QoveryConflictError(call, detail);
    case 429:
      return new QoveryRateLimitError(call, detail, retryAfterMs);
    default:
      return new QoveryUpstreamError(call, status, status >= 500 ? "server error" : "unexpected status", detail);
  }
}

const MAX_DETAIL_LENGTH = 300;

/**
 * Qovery's explanation from an error body: `detail`, else the older `message`, else `error`; null for non-JSON
 * bodies such as a gateway's HTML page. Anything in `secrets` (the token, values sent) is blanked out, in case an
 * upstream error ever echoes them back.
 */
export function extractDetail(bodyText: string, secrets: readonly string[]): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== "object") return null;
  const record = parsed as Record<string, unknown>;
  const text = [record.detail, record.message, record.error].find((v): v is string => typeof v === "string" && v.trim() !== "");
  if (!text) return null;
  let redacted = text;
  for (const secret of secrets) if (secret) redacted = redacted.split(secret).join("[redacted]");
  return redacted.length > MAX_DETAIL_LENGTH ? `${redacted.slice(0, MAX_DETAIL_LENGTH - 3)}...` : redacted;
}
