/**
 * A synced value's fingerprint: an HMAC of its destination key and value, kept in the ledger so that a run can tell
 * an unchanged value without storing it. The runner fingerprints what it writes and the drift check what Qovery
 * lists; both go through here, since fingerprints built two ways would never match and drift detection would break
 * without a sound.
 */
import { fingerprint, type KeyRing } from "../lib/crypto";

/** The fingerprint of `value` at `destinationKey`, made with the ring's key `keyId` (`<keyId>:<hex>`). */
export function valueFingerprint(ring: KeyRing, destinationKey: string, value: string, keyId = ring.primaryId): Promise<string> {
  return fingerprint(ring, `${destinationKey}\u0000${value}`, keyId);
}

/** The key a stored fingerprint was made with, or null when the ring holds it no more (or it holds no fingerprint). */
export function fingerprintKeyOf(ring: KeyRing, stored: string): string | null {
  const keyId = stored.split(":")[0]!;
  return ring.fingerprintKeys.has(keyId) ? keyId : null;
}

/** Whether `stored` is the fingerprint of `value` at `destinationKey`. */
export async function matchesFingerprint(ring: KeyRing, stored: string, destinationKey: string, value: string): Promise<boolean> {
  const keyId = fingerprintKeyOf(ring, stored);
  return keyId !== null && (await valueFingerprint(ring, destinationKey, value, keyId)) === stored;
}
