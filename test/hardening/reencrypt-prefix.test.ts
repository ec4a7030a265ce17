/**
 * Key rotation must find every ciphertext written with another key, whatever characters the key ids contain:
 * rows skipped by the selector would be reported as done, then lost when the old key is dropped.
 */
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { writtenWithOtherKey, type ReencryptReport } from "../../src/admin/reencrypt";
import { createDb } from "../../src/db/client";
import { keyIdOf, loadKeyRing } from "../../src/lib/crypto";
import { toBase64 } from "../../src/lib/encoding";
import { callWithBindings } from "../helpers/api";

const newKey = () => toBase64(crypto.getRandomValues(new Uint8Array(32)));

/** The ciphertexts among `stored` that the selector picks as written with a key other than `keyId`. */
async function selected(stored: (string | null)[], keyId: string): Promise<(string | null)[]> {
  const rows = sql.join(
    stored.map((c, i) => sql`(${i}, ${c})`),
    sql`, `,
  );
  const picked = await createDb(env.DB).all<{ c: string | null }>(
    sql`with t(i, c) as (values ${rows}) select c from t where ${writtenWithOtherKey(sql`c`, keyId)} order by i`,
  );
  return picked.map((r) => r.c);
}

describe("the stale-ciphertext selector", () => {
  it("compares the key id exactly: `_` and `%` are not wildcards and case matters", async () => {
    const stored = ["v1.key_a.iv.ct", "v1.key-a.iv.ct", "v1.keyXa.iv.ct", "v1.KEY_A.iv.ct", "v1.key_ab.iv.ct", "v1.key_a", null];
    expect(await selected(stored, "key_a")).toEqual(["v1.key-a.iv.ct", "v1.keyXa.iv.ct", "v1.KEY_A.iv.ct", "v1.key_ab.iv.ct", "v1.key_a"]);
    const percent = ["v1.k%.iv.ct", "v1.kXYZ.iv.ct", "v1.k.iv.ct", "v1.k%%.iv.ct"];
    expect(await selected(percent, "k%")).toEqual(["v1.kXYZ.iv.ct", "v1.k.iv.ct", "v1.k%%.iv.ct"]);
  });

  it("key ids may contain `_` and `-`, never `%`", async () => {
    expect((await loadKeyRing(`key_a:${newKey()},key-a:${newKey()}`)).primaryId).toBe("key_a");
    await expect(loadKeyRing(`k%:${newKey()}`)).rejects.toThrow('ENCRYPTION_KEY key id "k%" must be 1-32 characters of [A-Za-z0-9_-]');
  });
});

describe("re-encryption through the admin route", () => {
  it("re-encrypts rows of keys that differ from the primary only by `_` or case, so dropping them loses nothing", async () => {
    const [first, second, third] = [newKey(), newKey(), newKey()];
    const as = (ENCRYPTION_KEY: string) => ({
      get: (path: string, query: Record<string, string>) => callWithBindings({ ENCRYPTION_KEY }, "GET", path, { query }),
      post: (path: string, body: unknown) => callWithBindings({ ENCRYPTION_KEY }, "POST", path, { body }),
    });
    const original = as(`key-a:${first}`);
    const project = (await original.post("/api/v1/projects", { projectName: "rotation" })).body.project;
    const where = { projectId: project.id, environment: "dev", secretPath: "/" };
    const secrets = { A: "alpha", B: "beta", C: "gamma" };
    const items = Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue }));
    const created = await original.post("/api/v4/secrets/batch", { ...where, secrets: items });
    expect(created.status).toBe(200);
    const endpoint = await original.post("/api/v1/webhooks/endpoints", { name: "ci", projectId: project.id });
    expect(endpoint.status).toBe(200);
    const readBack = async (client: ReturnType<typeof as>) => {
      const res = await client.get("/api/v4/secrets", where);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return Object.fromEntries(res.body.secrets.map((s: { secretKey: string; secretValue: string }) => [s.secretKey, s.secretValue]));
    };
    const storedKeyIds = async () => {
      const query = "select value_ciphertext as c from secrets union all select secret_ciphertext from webhook_endpoints";
      const rows = await env.DB.prepare(query).all<{ c: string }>();
      return [...new Set(rows.results.map((r) => keyIdOf(r.c)))];
    };

    // `key_a` as a LIKE pattern matches `key-a`: the rows of the old key looked current
    const underscore = as(`key_a:${second},key-a:${first}`);
    const rotated = await underscore.post("/api/v1/admin/encryption/reencrypt", { limit: 500 });
    expect(rotated.status).toBe(200);
    expect(rotated.body as ReencryptReport).toMatchObject({ primaryKeyId: "key_a", reencrypted: 4, remaining: 0 });
    expect(rotated.body.columns).toContainEqual({ name: "secrets.value", reencrypted: 3, remaining: 0 });
    expect(await storedKeyIds()).toEqual(["key_a"]);
    expect(await readBack(as(`key_a:${second}`))).toEqual(secrets);

    // LIKE compares ASCII case-insensitively: `Key_a` matched `key_a`
    const cased = as(`Key_a:${third},key_a:${second}`);
    const again = () => cased.post("/api/v1/admin/encryption/reencrypt", { limit: 500 });
    expect((await again()).body).toMatchObject({ primaryKeyId: "Key_a", reencrypted: 4, remaining: 0 });
    expect((await again()).body).toMatchObject({ reencrypted: 0, remaining: 0 });
    expect(await storedKeyIds()).toEqual(["Key_a"]);
    expect(await readBack(as(`Key_a:${third}`))).toEqual(secrets);
  });
});
