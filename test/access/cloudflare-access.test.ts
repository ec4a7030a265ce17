/**
 * Cloudflare Access tokens, verified with WebCrypto against a key set this test generates and serves through the
 * verifier's injected fetch, with a clock the test moves.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  ACCESS_CLOCK_SKEW_SECONDS,
  ACCESS_KEYS_CACHE_TTL_MS,
  ACCESS_KEYS_REFETCH_INTERVAL_MS,
  accessIssuer,
  AccessTokenError,
  createAccessVerifier,
  MAX_ACCESS_TOKEN_LENGTH,
  type AccessTokenFailure,
} from "../../src/access/cloudflare-access";
import { toBase64Url, utf8 } from "../../src/lib/encoding";

const TEAM = "acme.cloudflareaccess.com";
const ISSUER = `https://${TEAM}`;
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const START_MS = 1_750_000_000_000;
const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, string>;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const pair = (await crypto.subtle.generateKey({ ...RS256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const exported = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  return { kid, privateKey: pair.privateKey, jwk: { kid, kty: "RSA", alg: "RS256", use: "sig", e: exported.e!, n: exported.n! } };
}

const encode = (value: unknown) => toBase64Url(utf8(JSON.stringify(value)));

async function token(key: SigningKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const seconds = Math.floor(START_MS / 1000);
  const payload = {
    aud: [AUD],
    email: "Ada@Example.com",
    exp: seconds + 300,
    iat: seconds,
    nbf: seconds,
    iss: ISSUER,
    type: "app",
    identity_nonce: "6ei69kawdKzMIAPF",
    sub: "7335d417-61da-459d-899c-0a01c76a2f94",
    country: "US",
    ...claims,
  };
  const signingInput = `${encode({ alg: "RS256", kid: key.kid, typ: "JWT", ...header })}.${encode(payload)}`;
  const signature = await crypto.subtle.sign(RS256, key.privateKey, utf8(signingInput));
  return `${signingInput}.${toBase64Url(signature)}`;
}

/** The team's certs endpoint as the test serves it; `status` other than 200 simulates an outage. */
function keyServer(keys: SigningKey[]) {
  const server = {
    keys,
    status: 200,
    calls: [] as string[],
    fetch: async (url: string) => {
      server.calls.push(url);
      if (server.status !== 200) return new Response("unavailable", { status: server.status });
      const certs = server.keys.map((k) => ({ kid: k.kid, cert: "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n" }));
      return Response.json({ keys: server.keys.map((k) => k.jwk), public_cert: certs[0], public_certs: certs });
    },
  };
  return server;
}

function setup(keys: SigningKey[]) {
  const server = keyServer(keys);
  const clock = { ms: START_MS };
  const verifier = createAccessVerifier({ teamDomain: TEAM, audience: AUD, fetch: server.fetch, now: () => clock.ms });
  return { server, clock, verifier };
}

async function failure(promise: Promise<unknown>): Promise<AccessTokenFailure | "accepted"> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (error instanceof AccessTokenError) return error.reason;
    throw error;
  }
}

let current: SigningKey;
let next: SigningKey;
let stranger: SigningKey;

beforeAll(async () => {
  [current, next, stranger] = await Promise.all([signingKey("kid-current"), signingKey("kid-next"), signingKey("kid-stranger")]);
});

describe("a valid token", () => {
  it("names the person by lower-cased email and Access user id, fetching the team's key set once", async () => {
    const { server, verifier } = setup([current]);
    expect(await verifier.verify(await token(current))).toEqual({ email: "ada@example.com", subject: "7335d417-61da-459d-899c-0a01c76a2f94" });
    expect(await verifier.verify(await token(current, { email: "bob@example.com" }))).toMatchObject({ email: "bob@example.com" });
    expect(server.calls).toEqual([`${ISSUER}/cdn-cgi/access/certs`]);
  });

  it("accepts aud as a plain string and among several audiences", async () => {
    const { verifier } = setup([current]);
    expect(await failure(verifier.verify(await token(current, { aud: AUD })))).toBe("accepted");
    expect(await failure(verifier.verify(await token(current, { aud: ["other-app", AUD] })))).toBe("accepted");
  });
});

describe("refused tokens", () => {
  const seconds = Math.floor(START_MS / 1000);

  it.each([
    ["expired beyond the clock skew", { exp: seconds - ACCESS_CLOCK_SKEW_SECONDS - 1 }, "expired"],
    ["expired within the clock skew", { exp: seconds - ACCESS_CLOCK_SKEW_SECONDS + 1 }, "accepted"],
    ["not valid yet beyond the clock skew", { nbf: seconds + ACCESS_CLOCK_SKEW_SECONDS + 1 }, "not-yet-valid"],
    ["not valid yet within the clock skew", { nbf: seconds + ACCESS_CLOCK_SKEW_SECONDS - 1 }, "accepted"],
    ["without nbf", { nbf: undefined }, "accepted"],
    ["without exp", { exp: undefined }, "malformed"],
    ["with a string nbf", { nbf: String(seconds) }, "malformed"],
    ["for another application", { aud: ["another-app"] }, "wrong-audience"],
    ["without an audience", { aud: undefined }, "wrong-audience"],
    ["from another team", { iss: "https://evil.cloudflareaccess.com" }, "wrong-issuer"],
    ["with the issuer's trailing slash", { iss: `${ISSUER}/` }, "wrong-issuer"],
    ["of a service token (no email)", { email: undefined, common_name: "client-id.access" }, "no-email"],
    ["with an empty email", { email: "  " }, "no-email"],
  ])("%s → %s", async (_name, claims, expected) => {
    const { verifier } = setup([current]);
    expect(await failure(verifier.verify(await token(current, claims)))).toBe(expected);
  });

  it("refuses a tampered payload and a tampered signature", async () => {
    const { verifier } = setup([current]);
    const [header, , signature] = (await token(current)).split(".");
    const forged = `${header}.${encode({ aud: [AUD], email: "mallory@example.com", exp: 9_999_999_999, iss: ISSUER })}.${signature}`;
    expect(await failure(verifier.verify(forged))).toBe("bad-signature");
    const valid = await token(current);
    const flipped = valid.slice(0, -2) + (valid.at(-2) === "A" ? "B" : "A") + valid.at(-1);
    expect(await failure(verifier.verify(flipped))).toBe("bad-signature");
  });

  it("refuses a token signed by a key the team does not publish", async () => {
    const { verifier } = setup([current]);
    expect(await failure(verifier.verify(await token(stranger, {}, { kid: "kid-current" })))).toBe("bad-signature");
    expect(await failure(verifier.verify(await token(stranger)))).toBe("unknown-key");
  });

  it.each([
    ["alg none", { alg: "none" }, "unsupported-algorithm"],
    ["HS256", { alg: "HS256" }, "unsupported-algorithm"],
    ["no kid", { kid: undefined }, "malformed"],
  ])("refuses a header with %s", async (_name, header, expected) => {
    const { server, verifier } = setup([current]);
    expect(await failure(verifier.verify(await token(current, {}, header)))).toBe(expected);
    expect(server.calls).toEqual([]);
  });

  it.each([
    ["two parts", "a.b"],
    ["four parts", "a.b.c.d"],
    ["an empty signature", "eyJhbGciOiJSUzI1NiJ9.e30."],
    ["non-base64url characters", "eyJhbGciOiJSUzI1NiJ9.e30=.c2ln"],
    ["a header that is not JSON", `${toBase64Url(utf8("not json"))}.e30.c2ln`],
    ["a header that is a JSON array", `${encode(["RS256"])}.e30.c2ln`],
  ])("refuses a token with %s without fetching keys", async (_name, raw) => {
    const { server, verifier } = setup([current]);
    expect(await failure(verifier.verify(raw))).toBe("malformed");
    expect(server.calls).toEqual([]);
  });

  it(`refuses tokens longer than ${MAX_ACCESS_TOKEN_LENGTH} characters before decoding them`, async () => {
    const { server, verifier } = setup([current]);
    const padded = await token(current, { padding: "x".repeat(MAX_ACCESS_TOKEN_LENGTH) });
    expect(padded.length).toBeGreaterThan(MAX_ACCESS_TOKEN_LENGTH);
    expect(await failure(verifier.verify(padded))).toBe("too-large");
    expect(await failure(verifier.verify("a".repeat(MAX_ACCESS_TOKEN_LENGTH + 1)))).toBe("too-large");
    expect(await failure(verifier.verify("a".repeat(MAX_ACCESS_TOKEN_LENGTH)))).toBe("malformed");
    expect(server.calls).toEqual([]);
  });
});

describe("the key set", () => {
  it("follows a rotation: a new key id is fetched once, then served from the cache", async () => {
    const { server, clock, verifier } = setup([current]);
    expect(await failure(verifier.verify(await token(current)))).toBe("accepted");
    clock.ms += ACCESS_KEYS_REFETCH_INTERVAL_MS;
    server.keys = [next, current];
    expect(await failure(verifier.verify(await token(next)))).toBe("accepted");
    expect(await failure(verifier.verify(await token(next)))).toBe("accepted");
    expect(await failure(verifier.verify(await token(current)))).toBe("accepted");
    expect(server.calls).toHaveLength(2);
  });

  it("does not let unknown key ids hammer the endpoint: one fetch per interval", async () => {
    const { server, clock, verifier } = setup([current]);
    await verifier.verify(await token(current));
    const unknown = await token(stranger);
    for (let i = 0; i < 5; i++) expect(await failure(verifier.verify(unknown))).toBe("unknown-key");
    expect(server.calls).toHaveLength(1);
    clock.ms += ACCESS_KEYS_REFETCH_INTERVAL_MS - 1;
    expect(await failure(verifier.verify(unknown))).toBe("unknown-key");
    expect(server.calls).toHaveLength(1);
    clock.ms += 1;
    for (let i = 0; i < 5; i++) expect(await failure(verifier.verify(unknown))).toBe("unknown-key");
    expect(server.calls).toHaveLength(2);
  });

  it("shares one fetch among concurrent first requests", async () => {
    const { server, verifier } = setup([current]);
    const tokens = await Promise.all([token(current), token(current), token(current)]);
    const results = await Promise.all(tokens.map((t) => failure(verifier.verify(t))));
    expect(results).toEqual(["accepted", "accepted", "accepted"]);
    expect(server.calls).toHaveLength(1);
  });

  it(`is fetched again after ${ACCESS_KEYS_CACHE_TTL_MS / 60_000} minutes, and never used stale`, async () => {
    const { server, clock, verifier } = setup([current]);
    await verifier.verify(await token(current));
    clock.ms += ACCESS_KEYS_CACHE_TTL_MS - 1;
    const later = await token(current, { exp: Math.floor(clock.ms / 1000) + 300 });
    expect(await failure(verifier.verify(later))).toBe("accepted");
    expect(server.calls).toHaveLength(1);
    clock.ms += 1;
    server.status = 503;
    expect(await failure(verifier.verify(later))).toBe("keys-unavailable");
    expect(server.calls).toHaveLength(2);
  });

  it("reports an unreachable key set, retries it once per interval, and recovers", async () => {
    const { server, clock, verifier } = setup([current]);
    server.status = 500;
    const valid = await token(current);
    expect(await failure(verifier.verify(valid))).toBe("keys-unavailable");
    expect(await failure(verifier.verify(valid))).toBe("keys-unavailable");
    expect(server.calls).toHaveLength(1);
    server.status = 200;
    clock.ms += ACCESS_KEYS_REFETCH_INTERVAL_MS;
    expect(await failure(verifier.verify(valid))).toBe("accepted");
    expect(server.calls).toHaveLength(2);
  });

  it("skips keys that are not RS256 signing keys", async () => {
    const { server, verifier } = setup([current]);
    server.keys = [{ ...current, jwk: { ...current.jwk, use: "enc" } }];
    expect(await failure(verifier.verify(await token(current)))).toBe("unknown-key");
  });
});

describe("configuration", () => {
  it.each([
    ["acme", "https://acme.cloudflareaccess.com"],
    ["acme.cloudflareaccess.com", "https://acme.cloudflareaccess.com"],
    ["https://acme.cloudflareaccess.com/", "https://acme.cloudflareaccess.com"],
    [" ACME.cloudflareaccess.com ", "https://acme.cloudflareaccess.com"],
  ])("reads the team domain %j as issuer %s", (raw, issuer) => {
    expect(accessIssuer(raw)).toBe(issuer);
  });

  it.each(["", "https://acme.cloudflareaccess.com/cdn-cgi", "http://acme.cloudflareaccess.com", "acme..com", "-acme"])(
    "refuses the team domain %j",
    (raw) => {
      expect(() => accessIssuer(raw)).toThrow("ACCESS_TEAM_DOMAIN must look like <team>.cloudflareaccess.com");
    },
  );

  it("requires an audience", () => {
    expect(() => createAccessVerifier({ teamDomain: TEAM, audience: " " })).toThrow("ACCESS_AUD must be the Access application's AUD tag");
  });
});
