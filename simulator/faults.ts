/**
 * Fault injection for one tenant: scripted failures for the next N matching calls or deployments, and the token
 * bucket behind the per-token rate limit.
 */
import { z } from "zod";
import { DEPLOY_FAILURES } from "./model.ts";

const WRITE_METHODS = new Set(["POST", "PUT", "DELETE"]);

const matcher = {
  /** only calls with this HTTP method consume the fault */
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .optional(),
  /** only calls to this path template (e.g. `/environment/{environmentId}/secret`) consume the fault */
  pathTemplate: z.string().optional(),
};

const count = z.number().int().min(1).max(10_000).default(1);

export const faultSpecSchema = z.discriminatedUnion("type", [
  z.object({
    /** answer with `status` instead of handling the call */
    type: z.literal("status"),
    /** 400 and 409 are Qovery's answers to an action while another is in progress */
    status: z.union([z.literal(400), z.literal(409), z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
    count,
    /** the error body's `detail`; a fitting default per status otherwise */
    detail: z.string().min(1).max(500).optional(),
    /** `Retry-After` header, in seconds */
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    /** `X-RateLimit-Reset` header, as this many seconds from now (sent as a Unix timestamp) */
    rateLimitResetSeconds: z.number().int().min(0).max(3600).optional(),
    /** handle the call (the write lands), then answer with `status` anyway, as a failing proxy would */
    afterCommit: z.boolean().default(false),
    ...matcher,
  }),
  z.object({
    /** never answer and apply nothing: a request lost on the way in */
    type: z.literal("hang"),
    count,
    ...matcher,
  }),
  z.object({
    /** writes only: apply the write, then never answer (the response is lost on the way back) */
    type: z.literal("timeout-after-commit"),
    count,
    ...matcher,
  }),
  z.object({
    /** the next deployments (of one service, or of any) end in this state instead of DEPLOYED; calls never match */
    type: z.literal("deployment"),
    outcome: z.enum(DEPLOY_FAILURES),
    serviceId: z.string().optional(),
    count,
  }),
]);

export type FaultSpec = z.output<typeof faultSpecSchema>;
export type DeploymentFault = Extract<FaultSpec, { type: "deployment" }>;
export type CallFault = Exclude<FaultSpec, DeploymentFault>;
export type PendingFault = FaultSpec & { remaining: number };

export function toPending(spec: FaultSpec): PendingFault {
  return { ...spec, remaining: spec.count };
}

function matches(fault: PendingFault, method: string, pathTemplate: string | null): boolean {
  if (fault.type === "deployment") return false;
  if (fault.type === "timeout-after-commit" && !WRITE_METHODS.has(method)) return false;
  if (fault.method && fault.method !== method) return false;
  if (fault.pathTemplate && fault.pathTemplate !== pathTemplate) return false;
  return true;
}

function consume(pending: PendingFault[], index: number): PendingFault | null {
  if (index < 0) return null;
  const fault = pending[index]!;
  fault.remaining -= 1;
  if (fault.remaining === 0) pending.splice(index, 1);
  return fault;
}

/** Consumes one use of the first pending fault that matches the call (in the order they were injected). */
export function takeFault(pending: PendingFault[], method: string, pathTemplate: string | null): CallFault | null {
  return consume(pending, pending.findIndex((fault) => matches(fault, method, pathTemplate))) as CallFault | null;
}

/** Consumes one use of the first pending `deployment` fault for this service (or for any). */
export function takeDeploymentFault(pending: PendingFault[], serviceId: string): DeploymentFault | null {
  const index = pending.findIndex((fault) => fault.type === "deployment" && (fault.serviceId ?? serviceId) === serviceId);
  return consume(pending, index) as DeploymentFault | null;
}

/** A token bucket per API token: `{limit: 10, windowSeconds: 1}` is 10 requests per second with bursts of 10. */
export const rateLimitSchema = z.object({
  /** bucket size, and the number of tokens refilled per window */
  limit: z.number().int().min(1),
  windowSeconds: z.number().positive(),
});

export type RateLimitConfig = z.output<typeof rateLimitSchema>;

export interface TokenBucket {
  tokens: number;
  updatedAtMs: number;
}

export interface BucketDecision {
  allowed: boolean;
  bucket: TokenBucket;
  remaining: number;
  /** when refused: how long until one token is back */
  retryAfterMs: number;
  /** when refused: when one token is back; when allowed: when the bucket is full again */
  resetAtMs: number;
}

/** A token bucket refilled continuously at `limit / window`; a new bucket starts full. */
export function takeToken(config: RateLimitConfig, bucket: TokenBucket | undefined, nowMs: number): BucketDecision {
  const refillPerMs = config.limit / (config.windowSeconds * 1000);
  const elapsed = bucket ? Math.max(0, nowMs - bucket.updatedAtMs) : 0;
  const available = bucket ? Math.min(config.limit, bucket.tokens + elapsed * refillPerMs) : config.limit;
  if (available >= 1) {
    const tokens = available - 1;
    return {
      allowed: true,
      bucket: { tokens, updatedAtMs: nowMs },
      remaining: Math.floor(tokens),
      retryAfterMs: 0,
      resetAtMs: nowMs + (config.limit - tokens) / refillPerMs,
    };
  }
  const retryAfterMs = (1 - available) / refillPerMs;
  return {
    allowed: false,
    bucket: { tokens: available, updatedAtMs: nowMs },
    remaining: 0,
    retryAfterMs,
    resetAtMs: nowMs + retryAfterMs,
  };
}
