/**
 * How app connections talk to Qovery while a user waits on an HTTP request: a short retry budget, and Qovery's
 * failures turned into envelope errors the user can act on (never swallowed into an empty list).
 */
import { createQoveryClient, type QoveryClient } from "../qovery/client";
import {
  QoveryAuthError,
  QoveryError,
  QoveryForbiddenError,
  QoveryNotFoundError,
  QoveryRateLimitError,
} from "../qovery/errors";
import { ApiError, badGateway, badRequest, notFound, tooManyRequests } from "../lib/errors";

/** A request handler should answer within seconds, so retries here are few and short; syncs retry through the queue. */
const INTERACTIVE = { timeoutMs: 10_000, retry: { maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 2_000 } };

export type QoveryClientFactory = (accessToken: string) => QoveryClient;

export function interactiveQoveryClients(baseUrl: string): QoveryClientFactory {
  return (token) => createQoveryClient({ baseUrl, token, ...INTERACTIVE });
}

/** Validation on create and on credential change: `GET /organization`, as Qovery's own tooling does. */
export async function validateQoveryToken(qovery: QoveryClient): Promise<void> {
  try {
    await qovery.listOrganizations();
  } catch (error) {
    if (error instanceof QoveryError) throw badRequest(`Failed to validate Qovery credentials: ${error.message}`);
    throw error;
  }
}

/**
 * A Qovery failure while listing options for the destination picker. `resource` names what was looked up
 * (e.g. `Qovery project "…"`), for the message when Qovery does not know it.
 */
export function qoveryFailureToApiError(error: QoveryError, resource: string): ApiError {
  if (error instanceof QoveryAuthError) {
    const reason = error.detail ? `: ${error.detail}` : "";
    return badRequest(`Qovery rejected the connection's token${reason}. Update the connection with a valid Qovery API token`);
  }
  if (error instanceof QoveryForbiddenError || error instanceof QoveryNotFoundError) {
    return notFound(`${resource} was not found or is not accessible with this connection's token (Qovery answered ${error.status})`);
  }
  if (error instanceof QoveryRateLimitError) return tooManyRequests(error.message);
  return badGateway(`Qovery could not be queried: ${error.message}`);
}

/** Runs an option listing, converting Qovery failures with `qoveryFailureToApiError`. */
export async function listFromQovery<T>(resource: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof QoveryError) throw qoveryFailureToApiError(error, resource);
    throw error;
  }
}
