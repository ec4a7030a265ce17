/**
 * Every failure the API reports is an ApiError, rendered by `app.onError` as Infisical's envelope
 * `{reqId, statusCode, message, error}`. Messages must never contain secret values or tokens.
 */
import { MAX_REPORTED_VALIDATION_ISSUES } from "./limits";

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (message: string, error = "BadRequest") => new ApiError(400, error, message);
export const unauthorized = (message: string) => new ApiError(401, "UnauthorizedError", message);
export const forbidden = (message: string, error = "PermissionDenied") => new ApiError(403, error, message);
export const notFound = (message: string, error = "NotFound") => new ApiError(404, error, message);
export const conflict = (message: string) => new ApiError(409, "Conflict", message);
export const tooManyRequests = (message: string) => new ApiError(429, "RateLimitExceeded", message);
export const badGateway = (message: string, error = "BadGateway") => new ApiError(502, error, message);

export interface ValidationIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

/**
 * zod issues reduced to what a user needs; zod 4 does not copy input values into issues, so nothing secret leaks.
 * Only the first MAX_REPORTED_VALIDATION_ISSUES are listed, with a count of the rest.
 */
export function validationFailure(issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[]) {
  const readable: ValidationIssue[] = issues.slice(0, MAX_REPORTED_VALIDATION_ISSUES).map((i) => ({
    code: i.code,
    path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
    message: i.message,
  }));
  const unlisted = issues.length - readable.length;
  const message = readable.map(describeIssue).join("; ") + (unlisted ? `; and ${unlisted} more problem${unlisted === 1 ? "" : "s"}` : "");
  return new ApiError(422, "ValidationFailure", message, readable);
}

function describeIssue(issue: ValidationIssue): string {
  return issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message;
}
