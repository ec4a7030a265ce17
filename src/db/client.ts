import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof createDb>;

/** Cheap to call: build one per request or per queue batch. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/**
 * Runs statements atomically (D1 has no interactive transactions: a batch is one implicit transaction).
 * Accepts an empty list, which drizzle's tuple-typed `batch` does not.
 */
export async function runBatch(db: Db, statements: BatchItem<"sqlite">[]): Promise<void> {
  if (!statements.length) return;
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}
