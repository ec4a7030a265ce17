import { tooManyRequests } from "../lib/errors";

/** Takes one unit from a rate-limit binding's bucket for `key`; 429 with `message` when the bucket is empty. */
export async function throttle(limiter: RateLimit, key: string, message: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) throw tooManyRequests(message);
}

/** The caller's address as Cloudflare reports it ("local" under wrangler dev and tests without the header). */
export const callerAddress = (header: (name: string) => string | undefined) => header("cf-connecting-ip") ?? "local";
