/** Tunables of inbound webhooks and outbound notifications, from wrangler.toml [vars]. */
export interface WebhookSettings {
  /** how long the secret replaced by a rotation stays valid (default 24 h) */
  secretGraceSeconds: number;
  /** accept `http://localhost` / `http://127.0.0.1` subscription URLs (development only) */
  allowHttpLocalhost: boolean;
  /** per outbound delivery attempt */
  deliveryTimeoutMs: number;
  /** attempts per event and subscription before the delivery is recorded as failed */
  maxAttempts: number;
  /** wait before the first retry; doubles per attempt (capped at an hour) */
  retryBaseSeconds: number;
}

const nonNegative = (raw: string | undefined, fallback: number) => {
  const n = Number.parseInt(raw ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};
const positive = (raw: string | undefined, fallback: number) => {
  const n = Number.parseInt(raw ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export function webhookSettings(env: Env): WebhookSettings {
  return {
    secretGraceSeconds: nonNegative(env.WEBHOOK_SECRET_GRACE_SECONDS, 24 * 3600),
    allowHttpLocalhost: env.ALLOW_HTTP_LOCALHOST_WEBHOOKS === "true",
    deliveryTimeoutMs: positive(env.WEBHOOK_DELIVERY_TIMEOUT_MS, 10_000),
    maxAttempts: positive(env.WEBHOOK_MAX_ATTEMPTS, 8),
    retryBaseSeconds: positive(env.WEBHOOK_RETRY_BASE_SECONDS, 30),
  };
}
