import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ReencryptReport } from "../../src/admin/reencrypt";
import { connectionCredentialsAad } from "../../src/db/encrypted-columns";
import { decryptField, encryptField, keyIdOf, loadKeyRing, sha256Hex, timingSafeEqualStrings } from "../../src/lib/crypto";
import { toBase64 } from "../../src/lib/encoding";
import { callWithBindings, createProject } from "../helpers/api";

const key = () => toBase64(crypto.getRandomValues(new Uint8Array(32)));

describe("AES-256-GCM field encryption", () => {
  it("round-trips and never contains the plaintext", async () => {
    const ring = await loadKeyRing(key());
    const stored = await encryptField(ring, "postgres://user:hunter2@db", "secrets:1:value");
    expect(stored).toMatch(/^v1\.default\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain("hunter2");
    expect(await decryptField(ring, stored, "secrets:1:value")).toBe("postgres://user:hunter2@db");
  });

  it("uses a fresh IV per write", async () => {
    const ring = await loadKeyRing(key());
    const a = await encryptField(ring, "same", "aad");
    const b = await encryptField(ring, "same", "aad");
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
  });

  it("fails on tampered ciphertext and on a ciphertext moved to another row", async () => {
    const ring = await loadKeyRing(key());
    const stored = await encryptField(ring, "value", "secrets:row-a:value");
    const parts = stored.split(".");
    const body = parts[3]!;
    const tampered = [...parts.slice(0, 3), (body[0] === "A" ? "B" : "A") + body.slice(1)].join(".");
    await expect(decryptField(ring, tampered, "secrets:row-a:value")).rejects.toThrow(/failed authentication/);
    await expect(decryptField(ring, stored, "secrets:row-b:value")).rejects.toThrow(/failed authentication/);
  });

  it("rejects missing and malformed keys with clear messages", async () => {
    await expect(loadKeyRing(undefined)).rejects.toThrow("ENCRYPTION_KEY is not set");
    await expect(loadKeyRing("c2hvcnQ=")).rejects.toThrow("must decode to 32 bytes (got 5)");
    await expect(loadKeyRing("a:b:c")).rejects.toThrow("<id>:<base64 key>");
    await expect(loadKeyRing(`bad id!:${key()}`)).rejects.toThrow("key id");
    const k = key();
    await expect(loadKeyRing(`x:${k},x:${k}`)).rejects.toThrow("appears twice");
  });

  it("reads old ciphertexts through a key ring and writes with the primary key", async () => {
    const oldKey = key();
    const oldRing = await loadKeyRing(oldKey);
    const stored = await encryptField(oldRing, "v", "aad");
    const ring = await loadKeyRing(`k2:${key()},default:${oldKey}`);
    expect(await decryptField(ring, stored, "aad")).toBe("v");
    expect(keyIdOf(await encryptField(ring, "v", "aad"))).toBe("k2");
    const newOnly = await loadKeyRing(key());
    await expect(decryptField(newOnly, await encryptField(ring, "v", "aad"), "aad")).rejects.toThrow('written with key "k2"');
  });

  it("compares secrets in constant time", async () => {
    expect(await timingSafeEqualStrings("abc", "abc")).toBe(true);
    expect(await timingSafeEqualStrings("abc", "abd")).toBe(false);
    expect(await timingSafeEqualStrings("abc", "abcd")).toBe(false);
  });
});

describe("key rotation endpoint", () => {
  async function insertConnection(projectId: string, ring: Awaited<ReturnType<typeof loadKeyRing>>, accessToken: string) {
    const id = crypto.randomUUID();
    const ciphertext = await encryptField(ring, JSON.stringify({ accessToken }), connectionCredentialsAad(id));
    const now = new Date().toISOString();
    await env.DB.prepare(
      "insert into app_connections (id, name, app, method, project_id, credentials_ciphertext, credentials_hash, version, created_at, updated_at) values (?, ?, 'qovery', 'access-token', ?, ?, ?, 1, ?, ?)",
    )
      .bind(id, `conn-${id.slice(0, 8)}`, projectId, ciphertext, await sha256Hex(ciphertext), now, now)
      .run();
    return id;
  }

  const reencrypt = (encryptionKey: string, limit: number) =>
    callWithBindings<ReencryptReport>({ ENCRYPTION_KEY: encryptionKey }, "POST", "/api/v1/admin/encryption/reencrypt", { body: { limit } });

  it("re-encrypts everything under the primary key in bounded chunks, keeping it readable", async () => {
    const project = await createProject();
    const oldKey = env.ENCRYPTION_KEY;
    const oldRing = await loadKeyRing(oldKey);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await insertConnection(project.id, oldRing, `qov_token_${i}`));
    const ringSpec = `next:${key()},default:${oldKey}`;

    const first = await reencrypt(ringSpec, 3);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ primaryKeyId: "next", reencrypted: 3 });
    expect(first.body.remaining).toBeGreaterThanOrEqual(2);
    let report = first.body;
    for (let round = 0; round < 5 && report.remaining > 0; round++) report = (await reencrypt(ringSpec, 3)).body;
    expect(report.remaining).toBe(0);

    const ring = await loadKeyRing(ringSpec);
    for (const [i, id] of ids.entries()) {
      const row = await env.DB.prepare("select credentials_ciphertext as c, credentials_hash as h from app_connections where id = ?").bind(id).first<{ c: string; h: string }>();
      expect(keyIdOf(row!.c)).toBe("next");
      expect(row!.h).toBe(await sha256Hex(row!.c));
      expect(JSON.parse(await decryptField(ring, row!.c, connectionCredentialsAad(id)))).toEqual({ accessToken: `qov_token_${i}` });
    }
    const audit = await env.DB.prepare("select metadata_json from audit_logs where action = 'encryption.reencrypt'").all();
    expect(audit.results.length).toBeGreaterThan(0);
  });
});
