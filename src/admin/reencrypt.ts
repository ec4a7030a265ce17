/**
 * Re-encrypts, under the primary key, ciphertexts written with older keys of the ring — a bounded chunk per call,
 * so each request stays within Worker limits. Callers repeat until `remaining` is 0. Each update is conditional on
 * the old ciphertext, so a concurrent write is never overwritten with stale data.
 */
import { and, count, eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { assertCanInOrganization } from "../access/actor";
import { auditInsert } from "../audit/audit-log";
import type { ActingAs } from "../auth/context";
import { runBatch, type Db } from "../db/client";
import { ENCRYPTED_COLUMNS } from "../db/encrypted-columns";
import { ciphertextPrefix, decryptField, encryptField, type KeyRing } from "../lib/crypto";

export interface ReencryptReport {
  primaryKeyId: string;
  reencrypted: number;
  remaining: number;
  columns: { name: string; reencrypted: number; remaining: number }[];
}

/**
 * Ciphertexts not written with `keyId`, by an exact comparison of their prefix. (A LIKE pattern would read `_` in a
 * key id as a wildcard and compare case-insensitively, so rows of an old key such as `key-a` or `KEY_A` would pass
 * for the primary `key_a`'s: skipped, reported as done, and lost when the old key is dropped.) NULL never matches.
 */
export function writtenWithOtherKey(ciphertext: SQLiteColumn | SQL, keyId: string): SQL {
  const prefix = ciphertextPrefix(keyId);
  return sql`substr(${ciphertext}, 1, ${prefix.length}) <> ${prefix}`;
}

export async function reencryptChunk(db: Db, ring: KeyRing, limit: number): Promise<ReencryptReport> {
  const columns: ReencryptReport["columns"] = [];
  let budget = limit;
  for (const column of ENCRYPTED_COLUMNS) {
    const stale = writtenWithOtherKey(column.ciphertext, ring.primaryId);
    const rows = budget
      ? ((await db.select({ id: column.id, ciphertext: column.ciphertext }).from(column.table).where(stale).limit(budget).all()) as { id: string; ciphertext: string }[])
      : [];
    const ciphertextKey = Object.entries(getTableColumns(column.table)).find(([, c]) => c === column.ciphertext)![0];
    const updates = [];
    for (const row of rows) {
      const plain = await decryptField(ring, row.ciphertext, column.aad(row.id));
      const ciphertext = await encryptField(ring, plain, column.aad(row.id));
      const derived = column.derived ? await column.derived(ciphertext) : {};
      updates.push(
        db
          .update(column.table)
          .set({ [ciphertextKey]: ciphertext, ...derived } as never)
          .where(and(eq(column.id, row.id), eq(column.ciphertext, row.ciphertext))),
      );
    }
    await runBatch(db, updates);
    budget -= rows.length;
    const [left] = await db.select({ n: count() }).from(column.table).where(stale);
    columns.push({ name: column.name, reencrypted: rows.length, remaining: left?.n ?? 0 });
  }
  return {
    primaryKeyId: ring.primaryId,
    reencrypted: columns.reduce((n, c) => n + c.reencrypted, 0),
    remaining: columns.reduce((n, c) => n + c.remaining, 0),
    columns,
  };
}

/** One chunk on behalf of a caller with the organization's `kms:edit` right, recorded in the audit log. */
export async function reencryptAs({ db, actor, requestId }: ActingAs, ring: KeyRing, limit: number): Promise<ReencryptReport> {
  assertCanInOrganization(actor, "edit", "kms");
  const report = await reencryptChunk(db, ring, limit);
  await auditInsert(db, actor, requestId, {
    action: "encryption.reencrypt",
    projectId: null,
    targetType: "encryption",
    targetId: report.primaryKeyId,
    metadata: { reencrypted: report.reencrypted, remaining: report.remaining },
  }).run();
  return report;
}
