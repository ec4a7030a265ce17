/**
 * `lastSyncMessage` / `lastRemoveMessage` in Infisical's format: a JSON string `{secretKey?, message?, error}`, cut to
 * fit the 1024-character column. Built from keys, counts and error descriptions only: values never reach here.
 */
import type { KeyResult } from "./types";

export const MAX_SYNC_MESSAGE_LENGTH = 1024;
const ELLIPSIS = "...";

export interface SyncMessage {
  secretKey?: string;
  message?: string;
  /** a description, or Qovery's (redacted) error body */
  error: string | Record<string, unknown>;
}

type Problem = "failed" | "held back" | "in conflict" | "skipped";
const PROBLEMS: Problem[] = ["failed", "held back", "in conflict", "skipped"];

export function formatSyncMessage({ secretKey, message, error }: SyncMessage): string {
  // JSON.stringify leaves out undefined fields, as Infisical's messages do.
  const json = JSON.stringify({ secretKey, message, error });
  return json.length <= MAX_SYNC_MESSAGE_LENGTH ? json : json.slice(0, MAX_SYNC_MESSAGE_LENGTH - ELLIPSIS.length) + ELLIPSIS;
}

/**
 * Why a key keeps the run from succeeding, or null when it does not. The planned action decides first: a held key is
 * "held back" whether the caller records it as failed or as not attempted.
 */
function problemOf(result: KeyResult): Problem | null {
  if (result.action === "hold") return "held back";
  if (result.action === "conflict") return "in conflict";
  if (result.action === "skip") return "skipped";
  return result.outcome === "failed" ? "failed" : null;
}

/**
 * The message of a run that did not fully succeed: the refusal when the plan refused to run, else the first key that
 * did not sync with its error, and how many keys failed, were held back, were in conflict or were skipped. Null when
 * every key synced.
 */
export function summarizeFailures(results: KeyResult[], refusal: string | null): string | null {
  if (refusal) return formatSyncMessage({ error: refusal });
  const problems = results.flatMap((result) => {
    const problem = problemOf(result);
    return problem ? [{ result, problem }] : [];
  });
  const first = problems[0];
  if (!first) return null;

  const counts = PROBLEMS.map((problem) => ({ problem, count: problems.filter((p) => p.problem === problem).length }))
    .filter(({ count }) => count > 0)
    .map(({ problem, count }) => `${count} ${problem}`);
  const total = problems.length;
  return formatSyncMessage({
    secretKey: first.result.key,
    message: `${total} key${total === 1 ? " was" : "s were"} not synced: ${counts.join(", ")}`,
    error: first.result.message ?? first.result.errorClass ?? first.problem,
  });
}
