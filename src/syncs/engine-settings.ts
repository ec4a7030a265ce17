/** Tunables of the sync engine, from wrangler.toml [vars] (see README, configuration table). */
export interface EngineSettings {
  /** Qovery calls one queue invocation may make; the rest continues in a follow-up message (free plan: 50 subrequests) */
  subrequestBudget: number;
  /** concurrent Qovery writes within one run */
  writeConcurrency: number;
  /** syncs of one connection that may run at the same time */
  connectionConcurrency: number;
  /** queue deliveries a run may use for transient Qovery failures before it is marked failed */
  maxAttempts: number;
  /** how long a run's lease lasts without renewal (crash recovery takes over after it) */
  leaseSeconds: number;
  /** per Qovery HTTP attempt */
  qoveryTimeoutMs: number;
  /** first wait before a run is retried after transient failures; doubles per attempt (capped at 5 minutes) */
  retryBaseSeconds: number;
}

const positive = (raw: string | undefined, fallback: number) => {
  const n = Number.parseInt(raw ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export function engineSettings(env: Env): EngineSettings {
  return {
    subrequestBudget: positive(env.SYNC_SUBREQUEST_BUDGET, 40),
    writeConcurrency: positive(env.SYNC_WRITE_CONCURRENCY, 4),
    connectionConcurrency: positive(env.SYNC_CONNECTION_CONCURRENCY, 5),
    maxAttempts: positive(env.SYNC_MAX_ATTEMPTS, 5),
    leaseSeconds: 120,
    qoveryTimeoutMs: positive(env.SYNC_QOVERY_TIMEOUT_MS, 15_000),
    retryBaseSeconds: positive(env.SYNC_RETRY_BASE_SECONDS, 10),
  };
}
