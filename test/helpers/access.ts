/**
 * Cloudflare Access for tests: key pairs generated here, their public halves published by a fake team
 * (test/support/access-team.ts, reached through the outbound fetch handler), and Access application tokens signed
 * with them, as Cloudflare signs them.
 */
import { env } from "cloudflare:workers";
import { toBase64Url, utf8 } from "../../src/lib/encoding";

const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, string>;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const pair = (await crypto.subtle.generateKey({ ...RS256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const exported = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  return { kid, privateKey: pair.privateKey, jwk: { kid, kty: "RSA", alg: "RS256", use: "sig", e: exported.e!, n: exported.n! } };
}

const encode = (value: unknown) => toBase64Url(utf8(JSON.stringify(value)));

/**
 * A team: where its keys are published, and tokens for its application. By default the team and application the
 * tests' Worker trusts (vitest.config.ts), which several files share: they `add` their own keys.
 */
export function accessTeam(domain: string = env.ACCESS_TEAM_DOMAIN, audience: string = env.ACCESS_AUD) {
  const base = `https://${domain}`;
  const control = (path: string, body: unknown, method = "PUT") =>
    fetch(`${base}/__team/${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return {
    domain,
    audience,
    issuer: base,
    /** `keys` become the team's whole key set (a team this file alone uses) */
    publish: (keys: SigningKey[]) => control("keys", { keys: keys.map((k) => k.jwk) }),
    /** `keys` are published next to the others (the tests' shared team: other files keep theirs) */
    add: (keys: SigningKey[]) => control("keys", { keys: keys.map((k) => k.jwk) }, "POST"),
    /** the status the certs endpoint answers with (200: serve the keys) */
    answer: (status: number) => control("status", { status }),
    fetches: async () => ((await (await fetch(`${base}/__team/fetches`)).json()) as { count: number }).count,
    /** An application token for `email`, valid for five minutes from now; `claims` and `header` override its fields. */
    async token(key: SigningKey, email: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
      const seconds = Math.floor(Date.now() / 1000);
      const payload = {
        aud: [audience],
        email,
        exp: seconds + 300,
        iat: seconds,
        nbf: seconds,
        iss: base,
        type: "app",
        sub: crypto.randomUUID(),
        country: "FR",
        ...claims,
      };
      const signingInput = `${encode({ alg: "RS256", kid: key.kid, typ: "JWT", ...header })}.${encode(payload)}`;
      const signature = await crypto.subtle.sign(RS256, key.privateKey, utf8(signingInput));
      return `${signingInput}.${toBase64Url(signature)}`;
    },
  };
}

export type AccessTeam = ReturnType<typeof accessTeam>;

/** The header Cloudflare Access adds to every request it lets through. */
export const assertion = (token: string) => ({ "cf-access-jwt-assertion": token });
