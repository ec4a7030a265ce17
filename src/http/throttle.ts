import { tooManyRequests } from "../lib/errors";

/** Takes one unit from a rate-limit binding's bucket for `key`; 429 with `message` when the bucket is empty. */
export async function throttle(limiter: RateLimit, key: string, message: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) throw tooManyRequests(message);
}

/** The caller's address as Cloudflare reports it ("local" under wrangler dev and tests without the header). */
export const callerAddress = (header: (name: string) => string | undefined) => header("cf-connecting-ip") ?? "local";

/** How long a key stays refused once its failure bucket ran out: the period of the bindings it is used with. */
export const FAILURE_REFUSAL_MS = 60_000;
/** Refused keys one Worker instance remembers; past it the oldest is forgotten (its next failure refuses it again). */
export const MAX_REFUSED_KEYS = 10_000;

/**
 * Throttles failures only. A rate-limit binding can count (`limit`) but not be read without counting, so:
 * - an attempt runs unthrottled, and a successful one never touches the bucket: busy callers with a valid credential
 *   are never slowed, whatever others at other addresses do;
 * - each failed attempt takes one unit from the key's bucket, and is answered 429 instead once the bucket is empty;
 * - from then on, for FAILURE_REFUSAL_MS, every attempt for that key is refused before it runs, a correct one
 *   included, so the refusals cannot tell a guesser which guess was right.
 * The refusal is remembered per Worker instance (the binding's counts are per Cloudflare location); another instance
 * learns it at the key's next failure, so an exhausted key gets at most one more checked attempt per instance.
 */
export class FailureThrottle {
  private readonly refusedUntil = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async run<T>(limiter: RateLimit, key: string, message: string, attempt: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
    const until = this.refusedUntil.get(key);
    if (until !== undefined) {
      if (until > this.clock()) throw tooManyRequests(message);
      this.refusedUntil.delete(key);
    }
    try {
      return await attempt();
    } catch (error) {
      if (!isFailure(error)) throw error;
      const { success } = await limiter.limit({ key });
      if (success) throw error;
      this.refuse(key);
      throw tooManyRequests(message);
    }
  }

  private refuse(key: string) {
    if (this.refusedUntil.size >= MAX_REFUSED_KEYS) this.refusedUntil.delete(this.refusedUntil.keys().next().value!);
    this.refusedUntil.set(key, this.clock() + FAILURE_REFUSAL_MS);
  }
}
