/** Standard Webhooks signing and verification, as pure functions. */
import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  parseWebhookHeaders,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  webhookSecretKey,
  WebhookSecretError,
} from "../../src/lib/webhook-signature";

// The reference vector of the Standard Webhooks libraries.
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const verifySpec = (over: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
  verifyWebhook({ id: SPEC.id, timestamp: String(SPEC.timestamp), signature: SPEC.signature, body: SPEC.body, secrets: [SPEC.secret], nowSeconds: SPEC.timestamp, ...over });

describe("signing", () => {
  it("matches the Standard Webhooks reference signature", async () => {
    expect(await signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
  });

  it("builds the three headers, one signature per secret", async () => {
    const other = generateWebhookSecret();
    const headers = await webhookHeaders([SPEC.secret, other], SPEC.id, SPEC.body, SPEC.timestamp);
    expect(headers["webhook-id"]).toBe(SPEC.id);
    expect(headers["webhook-timestamp"]).toBe(String(SPEC.timestamp));
    expect(headers["webhook-signature"].split(" ")).toEqual([SPEC.signature, await signWebhook(other, SPEC.id, SPEC.timestamp, SPEC.body)]);
  });

  it("generates whsec_ secrets holding 32 random bytes", () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(webhookSecretKey(a)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it("refuses secrets without the prefix, not base64, or of an odd key size", () => {
    for (const bad of ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!!", "whsec_AAAA"]) expect(() => webhookSecretKey(bad), bad).toThrow(WebhookSecretError);
  });
});

describe("verification", () => {
  it("accepts the reference message", async () => {
    expect(await verifySpec()).toEqual({ ok: true, id: SPEC.id, timestamp: SPEC.timestamp, secretIndex: 0 });
  });

  it("accepts any of several signatures and ignores other versions", async () => {
    const wrong = `v1,${btoa("x".repeat(32))}`;
    expect((await verifySpec({ signature: `${wrong} v2,abc ${SPEC.signature}` })).ok).toBe(true);
  });

  it("tries every candidate secret and reports which one matched (rotation grace)", async () => {
    const result = await verifySpec({ secrets: [generateWebhookSecret(), SPEC.secret] });
    expect(result).toMatchObject({ ok: true, secretIndex: 1 });
    expect(await verifySpec({ secrets: [generateWebhookSecret()] })).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifySpec({ secrets: [] })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("rejects a tampered body, id or timestamp", async () => {
    expect(await verifySpec({ body: '{"test": 2432232315}' })).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifySpec({ id: "msg_other" })).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifySpec({ timestamp: String(SPEC.timestamp + 1) })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("enforces the 5-minute tolerance both ways", async () => {
    expect((await verifySpec({ nowSeconds: SPEC.timestamp + 300 })).ok).toBe(true);
    expect((await verifySpec({ nowSeconds: SPEC.timestamp - 300 })).ok).toBe(true);
    expect(await verifySpec({ nowSeconds: SPEC.timestamp + 301 })).toEqual({ ok: false, reason: "stale" });
    expect(await verifySpec({ nowSeconds: SPEC.timestamp - 301 })).toEqual({ ok: false, reason: "future" });
  });

  it("rejects missing and malformed headers", async () => {
    const sig = SPEC.signature.slice(3);
    const cases: Partial<Parameters<typeof verifyWebhook>[0]>[] = [
      { id: undefined },
      { id: "" },
      { id: "has space" },
      { timestamp: null },
      { timestamp: "1614265330.5" },
      { timestamp: "-1614265330" },
      { timestamp: "16e8" },
      { signature: undefined },
      { signature: "" },
      { signature: sig }, // no version
      { signature: `v1 ${sig}` },
      { signature: `v1,${sig.slice(0, 20)}` }, // not 32 bytes
      { signature: "v1,@@@@" },
      { signature: "v2,abc" }, // no v1 signature at all
      { signature: Array.from({ length: 17 }, () => SPEC.signature).join(" ") }, // too many
    ];
    for (const over of cases) expect(await verifySpec(over), JSON.stringify(over)).toEqual({ ok: false, reason: "malformed" });
  });

  it("tolerates extra spaces between signatures", () => {
    expect(parseWebhookHeaders(SPEC.id, String(SPEC.timestamp), ` ${SPEC.signature}   v1,${btoa("y".repeat(32))} `)?.v1).toHaveLength(2);
  });

  it("skips unusable candidate secrets instead of failing", async () => {
    expect(await verifySpec({ secrets: ["not-a-secret", SPEC.secret] })).toMatchObject({ ok: true, secretIndex: 1 });
  });
});
