/**
 * The Worker's configuration: every var (wrangler.toml [vars]) and secret (`wrangler secret put`, .dev.vars) it reads,
 * parsed by one zod schema, once per isolate and env. Bindings (D1, the queue, the rate limiters) are not
 * configuration.
 *
 * A bad value is a ConfigurationError that names each bad variable and never echoes a value. Requests answer it with
 * a 500 `ConfigurationError`; the queue consumer and the cron log it and do no work (queued jobs are retried later).
 * Two settings are checked where they are used, so that what does not need them keeps working: ENCRYPTION_KEY (a
 * 500 `EncryptionConfigError` from the key ring, only for what touches a value) and the Access pair (a 500
 * `ConfigurationError` naming both, only for requests that carry an Access assertion).
 */
import { z } from "zod";
import type { LogLevel } from "./lib/logger";

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

/** ADMIN_TOKEN grants everything, so a short, guessable one is refused outright. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;
const ADMIN_TOKEN_TOO_SHORT =
  `ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters long; set a longer secret (for example \`openssl rand -base64 32\`)`;

/** How long a run's lease lasts without renewal (crash recovery takes over after it); not a var. */
const SYNC_LEASE_SECONDS = 120;

/** Tunables of the sync engine. */
export interface EngineSettings {
  /** Qovery calls one queue invocation may make; the rest continues in a follow-up message (free plan: 50 subrequests) */
  subrequestBudget: number;
  /** concurrent Qovery writes within one run */
  writeConcurrency: number;
  /** syncs of one connection that may run at the same time */
  connectionConcurrency: number;
  /** queue deliveries a run may use for transient Qovery failures before it is marked failed */
  maxAttempts: number;
  /** how long a run's lease lasts without renewal */
  leaseSeconds: number;
  /** per Qovery HTTP attempt */
  qoveryTimeoutMs: number;
  /** first wait before a run is retried after transient failures; doubles per attempt (capped at 5 minutes) */
  retryBaseSeconds: number;
}

/** Tunables of inbound webhooks and outbound notifications. */
export interface WebhookSettings {
  /** how long the secret replaced by a rotation stays valid */
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

export interface AccessSettings {
  /** `<team>.cloudflareaccess.com`, or empty */
  teamDomain: string;
  /** the Access application's AUD tag, or empty */
  audience: string;
  /** lower-cased */
  adminEmails: ReadonlySet<string>;
}

export interface Config {
  /** the key ring's text; parsed (and refused when missing or malformed) by the key ring when a value is touched */
  encryptionKey: string | undefined;
  adminToken: string;
  qoveryApiUrl: string;
  logLevel: LogLevel;
  engine: EngineSettings;
  autoSyncDebounceSeconds: number;
  webhooks: WebhookSettings;
  access: AccessSettings;
}

/** A variable: how it is parsed, and what the README's Configuration table says of it. */
export interface VariableSpec<T = unknown> {
  kind: "secret" | "var";
  /** undefined: none (the variable is required, or checked where it is used) */
  default?: string | number;
  /** for whole numbers */
  range?: readonly [min: number, max: number];
  /** for a closed list of words */
  values?: readonly string[];
  schema: z.ZodType<T>;
}

/** Empty counts as unset, as for a var left blank: its default applies. */
const unset = (raw: unknown) => (raw === "" ? undefined : raw);

function wholeNumber(name: string, fallback: number, min: number, max: number): VariableSpec<number> {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  const number = z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
  return { kind: "var", default: fallback, range: [min, max], schema: z.preprocess(unset, number.default(fallback)) };
}

function oneOf<const V extends readonly [string, ...string[]]>(name: string, values: V, fallback: V[number]): VariableSpec<V[number]> {
  const schema = z.preprocess(unset, z.enum(values, { error: `${name} must be one of: ${values.join(", ")}` }).default(fallback));
  return { kind: "var", default: fallback, values, schema };
}

function url(name: string, fallback: string): VariableSpec<string> {
  const httpUrl = z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` });
  return { kind: "var", default: fallback, schema: z.preprocess(unset, httpUrl.default(fallback)) };
}

const text = (): VariableSpec<string> => ({ kind: "var", default: "", schema: z.string().default("").transform((value) => value.trim()) });

/** Every variable the Worker reads. */
export const CONFIG_VARIABLES = {
  ENCRYPTION_KEY: { kind: "secret", schema: z.string().optional() },
  ADMIN_TOKEN: { kind: "secret", schema: z.string({ error: ADMIN_TOKEN_TOO_SHORT }).min(MIN_ADMIN_TOKEN_LENGTH, ADMIN_TOKEN_TOO_SHORT) },
  QOVERY_API_URL: url("QOVERY_API_URL", "https://api.qovery.com"),
  LOG_LEVEL: oneOf("LOG_LEVEL", ["debug", "info", "warn", "error"], "info"),
  SYNC_SUBREQUEST_BUDGET: wholeNumber("SYNC_SUBREQUEST_BUDGET", 40, 1, 10_000_000),
  SYNC_WRITE_CONCURRENCY: wholeNumber("SYNC_WRITE_CONCURRENCY", 4, 1, 100),
  SYNC_CONNECTION_CONCURRENCY: wholeNumber("SYNC_CONNECTION_CONCURRENCY", 5, 1, 1000),
  SYNC_MAX_ATTEMPTS: wholeNumber("SYNC_MAX_ATTEMPTS", 5, 1, 100),
  SYNC_RETRY_BASE_SECONDS: wholeNumber("SYNC_RETRY_BASE_SECONDS", 10, 1, 300),
  SYNC_QOVERY_TIMEOUT_MS: wholeNumber("SYNC_QOVERY_TIMEOUT_MS", 15_000, 100, 300_000),
  AUTO_SYNC_DEBOUNCE_SECONDS: wholeNumber("AUTO_SYNC_DEBOUNCE_SECONDS", 2, 0, 3600),
  WEBHOOK_SECRET_GRACE_SECONDS: wholeNumber("WEBHOOK_SECRET_GRACE_SECONDS", 86_400, 0, 604_800),
  WEBHOOK_DELIVERY_TIMEOUT_MS: wholeNumber("WEBHOOK_DELIVERY_TIMEOUT_MS", 10_000, 100, 60_000),
  WEBHOOK_MAX_ATTEMPTS: wholeNumber("WEBHOOK_MAX_ATTEMPTS", 8, 1, 100),
  WEBHOOK_RETRY_BASE_SECONDS: wholeNumber("WEBHOOK_RETRY_BASE_SECONDS", 30, 1, 3600),
  ALLOW_HTTP_LOCALHOST_WEBHOOKS: oneOf("ALLOW_HTTP_LOCALHOST_WEBHOOKS", ["true", "false"], "false"),
  ACCESS_TEAM_DOMAIN: text(),
  ACCESS_AUD: text(),
  ADMIN_EMAILS: text(),
} satisfies Record<string, VariableSpec>;

type Variables = typeof CONFIG_VARIABLES;
const shape = Object.fromEntries(Object.entries(CONFIG_VARIABLES).map(([name, spec]) => [name, spec.schema])) as {
  [K in keyof Variables]: Variables[K]["schema"];
};

const schema = z.object(shape).transform(
  (v): Config => ({
    encryptionKey: v.ENCRYPTION_KEY,
    adminToken: v.ADMIN_TOKEN,
    qoveryApiUrl: v.QOVERY_API_URL,
    logLevel: v.LOG_LEVEL,
    engine: {
      subrequestBudget: v.SYNC_SUBREQUEST_BUDGET,
      writeConcurrency: v.SYNC_WRITE_CONCURRENCY,
      connectionConcurrency: v.SYNC_CONNECTION_CONCURRENCY,
      maxAttempts: v.SYNC_MAX_ATTEMPTS,
      leaseSeconds: SYNC_LEASE_SECONDS,
      qoveryTimeoutMs: v.SYNC_QOVERY_TIMEOUT_MS,
      retryBaseSeconds: v.SYNC_RETRY_BASE_SECONDS,
    },
    autoSyncDebounceSeconds: v.AUTO_SYNC_DEBOUNCE_SECONDS,
    webhooks: {
      secretGraceSeconds: v.WEBHOOK_SECRET_GRACE_SECONDS,
      allowHttpLocalhost: v.ALLOW_HTTP_LOCALHOST_WEBHOOKS === "true",
      deliveryTimeoutMs: v.WEBHOOK_DELIVERY_TIMEOUT_MS,
      maxAttempts: v.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: v.WEBHOOK_RETRY_BASE_SECONDS,
    },
    access: {
      teamDomain: v.ACCESS_TEAM_DOMAIN,
      audience: v.ACCESS_AUD,
      adminEmails: new Set(v.ADMIN_EMAILS.split(",").map((email) => email.trim().toLowerCase()).filter(Boolean)),
    },
  }),
);

/** zod's messages here all name their variable; a missing-type message from zod itself gets the name put in front. */
function describe(issue: z.core.$ZodIssue): string {
  const name = String(issue.path[0] ?? "configuration");
  return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
}

const parsed = new WeakMap<object, Config | ConfigurationError>();

/** The env's configuration, or the error naming what is wrong with it; parsed once per env object. */
export function readConfig(env: Partial<Env>): Config | ConfigurationError {
  let result = parsed.get(env);
  if (!result) {
    const outcome = schema.safeParse(env);
    result = outcome.success ? outcome.data : new ConfigurationError(outcome.error.issues.map(describe).join("; "));
    parsed.set(env, result);
  }
  return result;
}

/** The log level to log with even while other settings are bad, so that a broken configuration is logged as set. */
export function logLevelOf(env: Partial<Env>): LogLevel {
  const level = CONFIG_VARIABLES.LOG_LEVEL.schema.safeParse(env.LOG_LEVEL);
  return level.success ? level.data : "info";
}

/** The env's configuration; throws its ConfigurationError. */
export function configOf(env: Partial<Env>): Config {
  const config = readConfig(env);
  if (config instanceof ConfigurationError) throw config;
  return config;
}
