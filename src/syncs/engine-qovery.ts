/**
 * How the engine talks to Qovery as a sync's connection — the runner and the drift check alike: the engine's timeout
 * per HTTP attempt, a short retry budget within the invocation (longer waits go back through the queue), and every
 * attempt reported to `onCall`, which is how a run counts its calls against the invocation's budget.
 */
import { qoveryAs } from "../connections/service";
import type { Db } from "../db/client";
import type { KeyRing } from "../lib/crypto";
import { createQoveryClient, type QoveryClient } from "../qovery/client";
import type { EngineSettings } from "../config";

/** Retries within one invocation: a few quick ones; a run that needs a longer wait is requeued instead. */
const ENGINE_RETRY = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 };

export interface EngineQoveryDeps {
  db: Db;
  keyRing: () => Promise<KeyRing>;
  qoveryBaseUrl: string;
  settings: Pick<EngineSettings, "qoveryTimeoutMs">;
  /** how Qovery is reached; the global fetch in production */
  fetch?: (request: Request) => Promise<Response>;
}

export function engineQoveryClient(deps: EngineQoveryDeps, connectionId: string, onCall?: () => void): Promise<QoveryClient> {
  const options = { baseUrl: deps.qoveryBaseUrl, fetch: deps.fetch, timeoutMs: deps.settings.qoveryTimeoutMs, onCall, retry: ENGINE_RETRY };
  const client = (token: string) => createQoveryClient({ ...options, token });
  return qoveryAs({ db: deps.db, keyRing: deps.keyRing, qovery: client }, connectionId);
}
