/**
 * Verifies Cloudflare Access application tokens (the `Cf-Access-Jwt-Assertion` header or the `CF_Authorization`
 * cookie) with WebCrypto, and says which person they name.
 *
 * Access signs with RS256 under keys published at `https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`
 * (`keys` as JWKs; `public_cert(s)` repeat them as PEM, unused here). Keys rotate every six weeks and the previous key
 * stays valid for seven days, so the key set is cached for an hour and fetched again when a token names a key id it
 * does not hold, but not more than once a minute, so made-up key ids cannot turn into a flood of requests to
 * Cloudflare. A key set older than an hour is never used, even while Cloudflare cannot be reached. Claims checked:
 * `iss` is the team's URL, `aud` (a string or a list) holds the application's AUD tag, `exp` and `nbf` allow a minute
 * of clock skew, and `email` is present (service-token logins have none: they are not people). Tokens are
 * size-checked before anything is decoded.
 */
import { fromBase64, fromUtf8, utf8 } from "../lib/encoding";

/** Longest token accepted, checked before decoding. Access tokens are around 1 KiB. */
export const MAX_ACCESS_TOKEN_LENGTH = 8 * 1024;
/** Leeway on `exp` and `nbf` for clocks that disagree. */
export const ACCESS_CLOCK_SKEW_SECONDS = 60;
/** How long a fetched key set is trusted before it is fetched again. */
export const ACCESS_KEYS_CACHE_TTL_MS = 60 * 60 * 1000;
/** Least time between two key-set fetches caused by unknown key ids. */
export const ACCESS_KEYS_REFETCH_INTERVAL_MS = 60 * 1000;
/** How long a key-set fetch may take. */
export const ACCESS_KEYS_FETCH_TIMEOUT_MS = 5_000;
/** Largest key-set document read, and most keys taken from it. */
export const MAX_ACCESS_KEYS_BYTES = 64 * 1024;
export const MAX_ACCESS_KEYS = 16;

export type AccessTokenFailure =
  | "too-large"
  | "malformed"
  | "unsupported-algorithm"
  | "unknown-key"
  | "keys-unavailable"
  | "bad-signature"
  | "wrong-issuer"
  | "wrong-audience"
  | "expired"
  | "not-yet-valid"
  | "no-email";

/** Why a token was refused. For logs: the HTTP layer answers every failure with one 401 message. */
export class AccessTokenError extends Error {
  constructor(
    readonly reason: AccessTokenFailure,
    message: string,
  ) {
    super(message);
    this.name = "AccessTokenError";
  }
}

export interface AccessIdentity {
  /** lower-cased */
  email: string;
  /** Access's user id (`sub`) */
  subject: string;
}

export interface AccessVerifierOptions {
  /** `ACCESS_TEAM_DOMAIN`: `<team>.cloudflareaccess.com`, with or without `https://`, or just `<team>` */
  teamDomain: string;
  /** `ACCESS_AUD`: the Access application's AUD tag */
  audience: string;
  /** outbound fetch, injected so tests serve the key set */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** milliseconds since the epoch */
  now?: () => number;
}

export interface AccessVerifier {
  issuer: string;
  verify(token: string): Promise<AccessIdentity>;
}

const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const TEAM_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** `https://<team>.cloudflareaccess.com`, the issuer Access writes into `iss`. */
export function accessIssuer(teamDomain: string): string {
  const host = teamDomain.trim().toLowerCase().replace(/^https:\/\//, "").replace(/\/+$/, "");
  if (TEAM_NAME.test(host)) return `https://${host}.cloudflareaccess.com`;
  if (HOSTNAME.test(host)) return `https://${host}`;
  throw new Error("ACCESS_TEAM_DOMAIN must look like <team>.cloudflareaccess.com");
}

const fail = (reason: AccessTokenFailure, message: string) => new AccessTokenError(reason, message);

function decodeJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(fromBase64(part)));
  } catch {
    throw fail("malformed", `The token's ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail("malformed", `The token's ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

async function importKeys(document: unknown): Promise<Map<string, CryptoKey>> {
  const keys = new Map<string, CryptoKey>();
  const listed = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(listed)) return keys;
  for (const jwk of listed.slice(0, MAX_ACCESS_KEYS) as Record<string, unknown>[]) {
    const usable = jwk && jwk.kty === "RSA" && typeof jwk.kid === "string" && typeof jwk.n === "string" && typeof jwk.e === "string";
    if (!usable || (jwk.alg !== undefined && jwk.alg !== "RS256") || (jwk.use !== undefined && jwk.use !== "sig")) continue;
    try {
      const publicKey = { kty: "RSA", n: jwk.n, e: jwk.e } as JsonWebKey;
      keys.set(jwk.kid as string, await crypto.subtle.importKey("jwk", publicKey, RS256, false, ["verify"]));
    } catch {
      // A key WebCrypto cannot import signs nothing we can check; the others still work.
    }
  }
  return keys;
}

export function createAccessVerifier(options: AccessVerifierOptions): AccessVerifier {
  const issuer = accessIssuer(options.teamDomain);
  const audience = options.audience.trim();
  if (!audience) throw new Error("ACCESS_AUD must be the Access application's AUD tag");
  const certsUrl = `${issuer}/cdn-cgi/access/certs`;
  const fetchKeys = options.fetch ?? ((input, init) => fetch(input, init));
  // Read the clock on each call (not a saved `Date.now`), so a test that moves the clock moves it here too.
  const now = options.now ?? (() => Date.now());

  let cached: { keys: Map<string, CryptoKey>; fetchedAt: number } | null = null;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | null = null;

  async function refresh(): Promise<void> {
    lastFetchAt = now();
    const response = await fetchKeys(certsUrl, { signal: AbortSignal.timeout(ACCESS_KEYS_FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_ACCESS_KEYS_BYTES) throw new Error("key set too large");
    cached = { keys: await importKeys(JSON.parse(text)), fetchedAt: now() };
  }

  /** One fetch at a time; concurrent callers wait for it. A failure leaves the previous key set in place. */
  async function refreshShared(): Promise<void> {
    inFlight ??= refresh().finally(() => (inFlight = null));
    try {
      await inFlight;
    } catch {
      // Judged by the caller from what the cache holds afterwards.
    }
  }

  /** Keys fetched less than the cache lifetime ago; stale keys are never used, even when Cloudflare is unreachable. */
  const freshKeys = () => (cached !== null && now() - cached.fetchedAt < ACCESS_KEYS_CACHE_TTL_MS ? cached.keys : null);

  async function keyFor(kid: string): Promise<CryptoKey> {
    if (!freshKeys()?.has(kid) && (inFlight || now() - lastFetchAt >= ACCESS_KEYS_REFETCH_INTERVAL_MS)) await refreshShared();
    const keys = freshKeys();
    if (!keys) throw fail("keys-unavailable", "Cloudflare Access signing keys could not be fetched");
    const key = keys.get(kid);
    if (!key) throw fail("unknown-key", "The token is signed with a key Cloudflare Access does not publish");
    return key;
  }

  async function verify(token: string): Promise<AccessIdentity> {
    if (token.length > MAX_ACCESS_TOKEN_LENGTH) throw fail("too-large", `The token is longer than ${MAX_ACCESS_TOKEN_LENGTH} characters`);
    const parts = token.split(".");
    if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) throw fail("malformed", "The token is not a signed JWT");
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart, "header");
    if (header.alg !== "RS256") throw fail("unsupported-algorithm", "The token must be signed with RS256");
    if (typeof header.kid !== "string" || header.kid === "") throw fail("malformed", "The token names no signing key");
    const payload = decodeJson(payloadPart, "payload");

    const key = await keyFor(header.kid);
    const signed = await crypto.subtle.verify(RS256, key, fromBase64(signaturePart), utf8(`${headerPart}.${payloadPart}`));
    if (!signed) throw fail("bad-signature", "The token's signature does not verify");

    if (payload.iss !== issuer) throw fail("wrong-issuer", "The token was issued for another Cloudflare Access team");
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(audience)) throw fail("wrong-audience", "The token was issued for another Access application");
    const seconds = now() / 1000;
    if (typeof payload.exp !== "number") throw fail("malformed", "The token has no expiry");
    if (seconds > payload.exp + ACCESS_CLOCK_SKEW_SECONDS) throw fail("expired", "The token has expired");
    if (payload.nbf !== undefined && typeof payload.nbf !== "number") throw fail("malformed", "The token's nbf is not a number");
    if (typeof payload.nbf === "number" && seconds < payload.nbf - ACCESS_CLOCK_SKEW_SECONDS) {
      throw fail("not-yet-valid", "The token is not valid yet");
    }
    const email = typeof payload.email === "string" ? payload.email.trim().toLowerCase() : "";
    if (!email) throw fail("no-email", "The token names no person (a service-token login has no email)");
    return { email, subject: typeof payload.sub === "string" ? payload.sub : "" };
  }

  return { issuer, verify };
}
